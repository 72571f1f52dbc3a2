"""A data steward brings in a roster, outcomes, usage, consent decisions or student attributes,
and follows a background import."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from melior.core.imports import ImportRefused
from melior.core.uploads import keep_upload, upload_path
from melior.files import FileRefused
from melior.networks.views import get_network

from .. import import_jobs, selectors, services
from ..models import AccessLog, Consent, StudentOutcome
from ..permissions import steward_site_ids
from .common import nav_flags

IMPORT_KINDS = {
    "roster": "Roster (OneRoster export)",
    "outcomes": "Student outcomes (CSV)",
    "usage": "EdTech usage (CSV)",
    "consent": "Consent decisions (CSV)",
    "attributes": "Student attributes (CSV)",
}


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request, network):
    """A data steward brings in a roster, outcomes or usage: upload → every problem, or what
    would change → import. A school's or district's steward imports for their own schools; the
    network's data steward for any, and only they add schools from a roster."""
    network = get_network(request, network)
    stewarded = steward_site_ids(request.user, network)
    if not stewarded:
        raise PermissionDenied
    ctx = {
        "network": network,
        "kinds": IMPORT_KINDS,
        "kind": request.POST.get("kind", request.GET.get("kind", "roster")),
        "purposes": network.purposes.all(),
        "outcome_kinds": StudentOutcome.Kind.choices,
        "given_by": Consent.GivenBy.choices,
        "posted": request.POST,
        **nav_flags(request.user, network, is_steward=True),
    }
    network_wide = ctx["reads_audit"]
    if request.method == "GET":
        return render(request, "governance/import.html", ctx)
    commit = bool(request.POST.get("commit"))
    if ctx["kind"] not in IMPORT_KINDS:
        return _refused(request, ctx, "Choose what to import.")
    if commit:
        path = upload_path(request.user, request.POST.get("upload", ""))
        if path is None:
            return _refused(request, ctx, "The checked file has expired; upload it again.")
    elif request.FILES.get("file") is None:
        return _refused(request, ctx, "Choose a file to check.")
    else:
        try:
            token, path = keep_upload(request.user, request.FILES["file"])
        except FileRefused as refused:
            return _refused(request, ctx, refused)
    if ctx["kind"] in import_jobs.BACKGROUND_KINDS:
        job = import_jobs.start_import(
            user=request.user,
            network=network,
            kind=ctx["kind"],
            options={
                name: request.POST[name] for name in import_jobs.OPTIONS if name in request.POST
            },
            upload=path.name,
            dry_run=not commit,
        )
        return redirect("students-import-job", network=network.slug, job=job.pk)
    waiting = False  # only a file checked and found good waits for its import
    try:
        ctx["report"], what, records = import_jobs.run_import(
            ctx["kind"],
            network,
            request.POST,
            path,
            allowed_site_ids=None if network_wide else stewarded,
            dry_run=not commit,
            user=request.user,
            request=request,
        )
        waiting = not commit
    except (ValidationError, FileRefused) as refused:
        return _refused(request, ctx, refused)
    finally:
        if not waiting:
            path.unlink(missing_ok=True)
    if not commit:
        ctx["upload"] = token
        return render(request, "governance/import.html", ctx)
    ctx["committed"] = True
    if what is not None:  # a consent import logs its decisions itself
        services.log(
            user=request.user,
            network=network,
            action=AccessLog.Action.IMPORT,
            what=what,
            records=records,
            request=request,
        )
    return render(request, "governance/import.html", ctx)


def _refused(request, ctx, error):
    """The page again with the refusal's problems (a message or any refusal), nothing written."""
    if isinstance(error, str):
        error = FileRefused(error)
    ctx["refused"] = import_jobs.as_refusal(error)
    return render(request, "governance/import.html", ctx, status=400)


@login_required
def import_job_page(request, network, job):
    """How far the worker has got with an import; htmx polls it until the result is in."""
    network = get_network(request, network)
    job = selectors.import_job(request.user, network, job)
    ctx = {
        "network": network,
        "job": job,
        "kind": job.kind,
        "kind_label": IMPORT_KINDS.get(job.kind, job.kind),
        "report": job.report,
        "refused": ImportRefused.from_list(job.errors) if job.errors else None,
        "committed": job.state == job.State.DONE and not job.dry_run,
        "upload": job.upload,
        "posted": job.options,
        **nav_flags(request.user, network, is_steward=True),
    }
    partial = "governance/_import_job.html" if request.htmx else "governance/import_job.html"
    return render(request, partial, ctx)
