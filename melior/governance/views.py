"""Student data pages: aggregates by subgroup for everyone (suppressed), student rows for those
allowed (logged), the data steward's page (consent, purposes, access, agreements, settings),
imports of rosters, outcomes and usage, and the access log."""

import base64
import csv
import datetime
import json

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from melior.analysis.suppression import LABEL as SUPPRESSED
from melior.files import FileRefused
from melior.measures.exports import safe_cell
from melior.networks.models import Network
from melior.networks.selectors import sites_for
from melior.networks.views import get_network
from melior.web.uploads import keep_upload, upload_path

from . import import_jobs, selectors, services, xapi
from .models import (
    SUBGROUPS,
    AccessLog,
    Consent,
    DistrictJoin,
    Purpose,
    RowAccessGrant,
    SharingAgreement,
    Student,
    StudentOutcome,
    UsageRecord,
)
from .permissions import row_site_ids, steward_site_ids, stewarded_districts
from .usage import class_figures_shown, usage_by_class

A = AccessLog.Action


def _outcome(request, network):
    choices = selectors.outcome_choices(network)
    wanted = request.GET.get("outcome", "")
    for kind, name, purpose_id, _purpose_name in choices:
        if f"{kind}|{name}|{purpose_id}" == wanted:
            return choices, (kind, name, purpose_id)
    return choices, (choices[0][:3] if choices else None)


@login_required
def students_page(request, network):
    """An outcome by subgroup at each school the user sees, small cells suppressed."""
    network = get_network(request, network)
    choices, chosen = _outcome(request, network)
    by = request.GET.get("by", "economic_disadvantage_status")
    if by not in SUBGROUPS:
        by = "economic_disadvantage_status"
    ctx = {
        "network": network,
        "choices": choices,
        "chosen": chosen,
        "by": by,
        "subgroups": SUBGROUPS,
        "privacy": services.privacy_for(network),
        "sees_rows": bool(row_site_ids(request.user, network)),
        "is_steward": request.user.has_perm("governance.steward", network),
        "reads_audit": request.user.has_perm("governance.read_audit", network),
    }
    if chosen is not None:
        purpose = get_object_or_404(Purpose, pk=chosen[2], network=network)
        counts, means, s = selectors.aggregate(
            request.user, network, kind=chosen[0], name=chosen[1], by=by, purpose=purpose
        )
        masked = s.mask(means)
        if request.GET.get("export") == "csv":
            services.log(
                user=request.user,
                network=network,
                action=A.EXPORT_AGGREGATE,
                request=request,
                what=f"{chosen[1]} by {SUBGROUPS[by]} (CSV)",
                records=int(counts.to_numpy().sum()),
            )
            return _aggregate_csv(network, counts, masked, s)
        ctx.update(
            purpose=purpose,
            suppression=s,
            rows=[
                (
                    site,
                    [
                        (col, masked.loc[site, col], counts.loc[site, col], s.hidden.loc[site, col])
                        for col in counts.columns
                    ],
                    s.row_totals[site],
                )
                for site in counts.index
            ],
            columns=list(counts.columns),
            column_totals=list(s.column_totals),
            rows_left_out=bool(s.row_total_hidden.any()),
        )
    return render(request, "governance/students.html", ctx)


def _aggregate_csv(network, counts, masked, s) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{network.slug}-by-subgroup.csv"'
    writer = csv.writer(response)
    writer.writerow(["school", "subgroup", "students", "mean"])
    for site in counts.index:
        for col in counts.columns:
            if s.shown.loc[site, col]:
                n, mean = int(counts.loc[site, col]), masked.loc[site, col]
                writer.writerow([safe_cell(site), safe_cell(col), n, f"{mean:.4g}"])
            else:
                writer.writerow([safe_cell(site), safe_cell(col), SUPPRESSED, ""])
    return response


@login_required
def rows_page(request, network):
    """Student rows at one school: keys and attributes, for those allowed; every view logged."""
    network = get_network(request, network)
    allowed = row_site_ids(request.user, network)
    if not allowed:
        raise PermissionDenied
    sites = [s for s in sites_for(request.user, network).order_by("name") if s.pk in allowed]
    site_id = int(request.GET["site"]) if request.GET.get("site", "").isdigit() else sites[0].pk
    if site_id not in allowed:
        raise PermissionDenied
    site = next(s for s in sites if s.pk == site_id)
    students = selectors.student_rows(request.user, network, site_id)
    if request.GET.get("export") == "csv":
        rows = list(students)
        services.log(
            user=request.user,
            network=network,
            action=A.EXPORT_ROWS,
            request=request,
            what=f"Student rows at {site.name} (CSV)",
            records=len(rows),
        )
        return _rows_csv(network, site, rows)
    page = Paginator(students, 100).get_page(request.GET.get("page"))
    services.log(
        user=request.user,
        network=network,
        action=A.VIEW_ROWS,
        request=request,
        what=f"Student rows at {site.name}, page {page.number}",
        records=len(page.object_list),
    )
    return render(
        request,
        "governance/rows.html",
        {"network": network, "sites": sites, "site": site, "page": page, "subgroups": SUBGROUPS},
    )


def _rows_csv(network, site, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{site.slug}-students.csv"'
    writer = csv.writer(response)
    writer.writerow(["key", *SUBGROUPS])
    for s in rows:
        writer.writerow([s.key, *(getattr(s, f) for f in SUBGROUPS)])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def steward_page(request, network):
    network = get_network(request, network)
    stewarded = steward_site_ids(request.user, network)
    can_set = request.user.has_perm("governance.set_privacy", network)
    if not stewarded and not can_set:
        raise PermissionDenied
    errors, section = [], request.POST.get("section", "")
    if request.method == "POST":
        try:
            _steward_change(request, network, section, stewarded, can_set)
        except ValidationError as error:
            errors = error.messages
        else:
            return redirect(
                reverse("students-stewardship", kwargs={"network": network.slug}) + f"#{section}"
            )
    sites = [s for s in sites_for(request.user, network).order_by("name") if s.pk in stewarded]
    districts = _districts_here(request.user, network)
    return render(
        request,
        "governance/steward.html",
        {
            "network": network,
            "errors": errors,
            "section": section,
            "posted": request.POST,
            "sites": sites,
            "can_set": can_set,
            "privacy": services.privacy_for(network),
            "purposes": network.purposes.all(),
            "consents": selectors.consents_for(request.user, network)[:50],
            "grants": RowAccessGrant.objects.filter(
                network=network, revoked_at=None, site_id__in=stewarded
            ).select_related("user", "site"),
            "agreements": selectors.agreements_for(request.user, network),
            "districts": [
                (district, selectors.networks_of_district(district).order_by("name"))
                for district in districts
            ],
            "joined_districts": [
                d
                for d in districts
                if DistrictJoin.objects.filter(network=network, district=d).exists()
            ],
            "statuses": Consent.Status.choices,
            "given_by": Consent.GivenBy.choices,
            "levels": SharingAgreement.Level.choices,
        },
        status=400 if errors else 200,
    )


def _date(value):
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"“{value}” is not a date (YYYY-MM-DD).") from None


def _districts_here(user, network):
    """The districts the user is the data steward of that are part of this network."""
    return [
        d
        for d in stewarded_districts(user).order_by("name")
        if selectors.district_is_member(network, d)
    ]


def _steward_change(request, network, section, stewarded, can_set):
    post, user = request.POST, request.user

    def stewarded_site():
        site = sites_for(user, network).filter(pk=post.get("site") or 0).first()
        if site is None or site.pk not in stewarded:
            raise ValidationError("Choose a school you are the data steward for.")
        return site

    def stewarded_district():
        chosen = str(post.get("district") or post.get("site") or "")
        district = next((d for d in _districts_here(user, network) if str(d.pk) == chosen), None)
        if district is None:
            raise ValidationError("Choose a district you are the data steward for.")
        return district

    if section == "consent":
        site = stewarded_site()
        key = services.pseudonym(site.parent or site, post.get("student_id", ""))
        student = Student.objects.filter(key=key, enrollments__site=site).first()
        if student is None:
            raise ValidationError(f"No student with that id is enrolled at {site.name}.")
        purpose = get_object_or_404(Purpose, network=network, pk=post.get("purpose") or 0)
        services.record_consent(
            student=student,
            purpose=purpose,
            status=post.get("status"),
            given_by=post.get("given_by"),
            date=_date(post.get("date")),
            source=post.get("source", ""),
            user=user,
            request=request,
        )
    elif section == "purpose":
        if not can_set:
            raise PermissionDenied
        services.add_purpose(
            network=network,
            name=post.get("name"),
            description=post.get("description", ""),
            opt_in=post.get("opt_in") == "on",
        )
    elif section == "grant":
        site = stewarded_site()
        person = get_user_model().objects.filter(username=post.get("username", "").strip()).first()
        if person is None:
            raise ValidationError("No one has that username.")
        services.grant_rows(
            network=network, site=site, user=person, granted_by=user, request=request
        )
    elif section == "revoke":
        grant = get_object_or_404(
            RowAccessGrant, network=network, pk=post.get("grant") or 0, site_id__in=stewarded
        )
        services.revoke_grant(grant=grant, user=user, request=request)
    elif section == "agreement":
        site = stewarded_site() if post.get("site_kind") != "district" else stewarded_district()
        services.set_agreement(
            network=network,
            site=site,
            level=post.get("level"),
            starts=_date(post.get("starts")),
            ends=_date(post.get("ends")),
            note=post.get("note", ""),
            user=user,
            request=request,
        )
    elif section == "join":
        target = Network.objects.filter(slug=post.get("network", "").strip()).first()
        if target is None:
            raise ValidationError("No network has that address.")
        services.bring_district_into_network(
            district=stewarded_district(),
            network=target,
            level=post.get("level"),
            starts=_date(post.get("starts")),
            ends=_date(post.get("ends")),
            user=user,
            request=request,
        )
    elif section == "privacy":
        if not can_set:
            raise PermissionDenied
        try:
            size, days = int(post.get("min_cell_size", "")), int(post.get("retention_days", ""))
        except ValueError:
            raise ValidationError("Give whole numbers.") from None
        services.update_privacy(
            network=network, min_cell_size=size, retention_days=days, user=user, request=request
        )
    else:
        raise ValidationError("Unknown change.")


@login_required
def audit_page(request, network):
    network = get_network(request, network)
    if not request.user.has_perm("governance.read_audit", network):
        raise PermissionDenied
    logs = AccessLog.objects.filter(network=network)
    if request.GET.get("user"):
        logs = logs.filter(username__icontains=request.GET["user"])
    if request.GET.get("action") in A.values:
        logs = logs.filter(action=request.GET["action"])
    if request.GET.get("q"):
        logs = logs.filter(what__icontains=request.GET["q"])
    if request.GET.get("export") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{network.slug}-access-log.csv"'
        writer = csv.writer(response)
        writer.writerow(["when", "who", "action", "what", "records", "from"])
        for entry in logs:
            writer.writerow(
                [
                    entry.at.isoformat(),
                    safe_cell(entry.username),
                    entry.action,
                    safe_cell(entry.what),
                    entry.records,
                    entry.address,
                ]
            )
        return response
    page = Paginator(logs, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "governance/audit.html",
        {"network": network, "page": page, "actions": A.choices, "query": request.GET},
    )


@csrf_exempt
@require_http_methods(["POST"])
def xapi_statements(request):
    """xAPI statements from an EdTech source (its key as Bearer or Basic auth)."""
    version = request.headers.get("X-Experience-API-Version", "")
    if not version.startswith(xapi.VERSIONS):
        return _xapi_error(400, "Send the X-Experience-API-Version header (1.0.3 or 2.0.0).")
    source = xapi.source_for_key(_xapi_key(request))
    if source is None:
        return _xapi_error(401, "Authenticate with the source's key.")
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _xapi_error(400, "The body is not JSON.")
    try:
        outcome = xapi.ingest(source=source, payload=payload)
    except ValidationError as error:
        return JsonResponse(
            {
                "error": "The statements were refused; none was recorded.",
                "problems": error.messages,
            },
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    response = JsonResponse(outcome["ids"], safe=False)
    response["X-Experience-API-Version"] = "2.0.0" if version.startswith("2.") else "1.0.3"
    response["X-Melior-Counted"] = outcome["counted"]
    response["X-Melior-Ignored-Without-Consent"] = outcome["ignored_without_consent"]
    response["X-Melior-Already-Received"] = outcome["already_received"]
    return response


def _xapi_key(request) -> str:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    if header.startswith("Basic "):
        try:
            return base64.b64decode(header[6:]).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            return ""
    return ""


def _xapi_error(status, message):
    return JsonResponse({"error": message}, status=status)


IMPORT_KINDS = {
    "roster": "Roster (OneRoster export)",
    "outcomes": "Student outcomes (CSV)",
    "usage": "EdTech usage (CSV)",
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
    network_wide = request.user.has_perm("governance.read_audit", network)
    ctx = {
        "network": network,
        "kinds": IMPORT_KINDS,
        "kind": request.POST.get("kind", request.GET.get("kind", "roster")),
        "purposes": network.purposes.all(),
        "outcome_kinds": StudentOutcome.Kind.choices,
        "posted": request.POST,
        "is_steward": True,
        "sees_rows": bool(row_site_ids(request.user, network)),
        "reads_audit": network_wide,
    }
    if request.method == "GET":
        return render(request, "governance/import.html", ctx)
    commit = bool(request.POST.get("commit"))
    if ctx["kind"] not in IMPORT_KINDS:
        ctx["errors"] = ["Choose what to import."]
        return render(request, "governance/import.html", ctx, status=400)
    if commit:
        path = upload_path(request.user, request.POST.get("upload", ""))
        if path is None:
            ctx["errors"] = ["The checked file has expired; upload it again."]
            return render(request, "governance/import.html", ctx, status=400)
    elif request.FILES.get("file") is None:
        ctx["errors"] = ["Choose a file to check."]
        return render(request, "governance/import.html", ctx, status=400)
    else:
        try:
            token, path = keep_upload(request.user, request.FILES["file"])
        except FileRefused as refused:
            ctx["errors"] = [str(refused)]
            return render(request, "governance/import.html", ctx, status=400)
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
        )
        waiting = not commit
    except (ValidationError, FileRefused) as refused:
        ctx["errors"] = getattr(refused, "messages", [str(refused)])
        return render(request, "governance/import.html", ctx, status=400)
    finally:
        if not waiting:
            path.unlink(missing_ok=True)
    if commit:
        ctx["committed"] = True
        services.log(
            user=request.user,
            network=network,
            action=A.IMPORT,
            what=what,
            records=records,
            request=request,
        )
    else:
        ctx["upload"] = token
    return render(request, "governance/import.html", ctx)


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
        "errors": job.errors,
        "committed": job.state == job.State.DONE and not job.dry_run,
        "upload": job.upload,
        "posted": job.options,
        "is_steward": True,
        "sees_rows": bool(row_site_ids(request.user, network)),
        "reads_audit": request.user.has_perm("governance.read_audit", network),
    }
    partial = "governance/_import_job.html" if request.htmx else "governance/import_job.html"
    return render(request, partial, ctx)


@login_required
def usage_page(request, network):
    """EdTech usage class by class at a school, week by week, for the students counted under
    the usage's purpose; a figure resting on fewer students than the network's minimum cell
    size is hidden."""
    network = get_network(request, network)
    products = list(
        UsageRecord.objects.filter(purpose__network=network)
        .values_list("product", "purpose_id", "purpose__name")
        .distinct()
        .order_by("product", "purpose__name")
    )
    sites = list(sites_for(request.user, network).order_by("name"))
    wanted = request.GET.get("usage", "")
    chosen = next((p for p in products if f"{p[0]}|{p[1]}" == wanted), None) or (
        products[0] if products else None
    )
    site = next((s for s in sites if s.slug == request.GET.get("school")), None) or (
        sites[0] if sites else None
    )
    privacy = services.privacy_for(network)
    classes = []
    if chosen is not None and site is not None:
        purpose = Purpose.objects.get(pk=chosen[1])
        for entry in usage_by_class(site=site, product=chosen[0], purpose=purpose):
            for week in entry["weeks"]:
                shown = class_figures_shown(
                    entry["students"], week["active"], week["completers"], privacy.min_cell_size
                )
                entry["hidden"] = not shown["students"]
                week["few_active"] = not shown["active"]
                week["few_completers"] = not shown["completers"]
            classes.append(entry)
    return render(
        request,
        "governance/usage.html",
        {
            "network": network,
            "products": products,
            "chosen": chosen,
            "sites": sites,
            "site": site,
            "classes": classes,
            "weeks": classes[0]["weeks"] if classes else [],
            "privacy": privacy,
            "sees_rows": bool(row_site_ids(request.user, network)),
            "is_steward": request.user.has_perm("governance.steward", network),
            "reads_audit": request.user.has_perm("governance.read_audit", network),
        },
    )
