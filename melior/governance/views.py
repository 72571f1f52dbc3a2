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

from melior import files
from melior.files import FileRefused
from melior.measures.exports import safe_cell
from melior.networks.selectors import sites_for
from melior.networks.views import get_network
from melior.web.uploads import keep_upload, upload_path

from . import selectors, services, xapi
from .models import (
    SUBGROUPS,
    AccessLog,
    Consent,
    Purpose,
    RowAccessGrant,
    SharingAgreement,
    Student,
    StudentOutcome,
    UsageRecord,
)
from .outcomes_import import import_outcomes
from .permissions import row_site_ids, steward_site_ids
from .roster import import_roster, read_export
from .usage import import_usage, usage_by_class

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
                        (col, masked.loc[site, col], counts.loc[site, col], s.reason.loc[site, col])
                        for col in counts.columns
                    ],
                    s.row_totals[site],
                )
                for site in counts.index
            ],
            columns=list(counts.columns),
            column_totals=list(s.column_totals),
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
                writer.writerow(
                    [
                        safe_cell(site),
                        safe_cell(col),
                        f"fewer than {s.min_n} students"
                        if s.reason.loc[site, col] == "primary"
                        else "suppressed",
                        "",
                    ]
                )
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
            "consents": Consent.objects.filter(purpose__network=network)
            .select_related("purpose", "student")
            .order_by("-changed_at")[:50],
            "grants": RowAccessGrant.objects.filter(
                network=network, revoked_at=None, site_id__in=stewarded
            ).select_related("user", "site"),
            "agreements": network.agreements.select_related("site"),
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


def _steward_change(request, network, section, stewarded, can_set):
    post, user = request.POST, request.user

    def stewarded_site():
        site = sites_for(user, network).filter(pk=post.get("site") or 0).first()
        if site is None or site.pk not in stewarded:
            raise ValidationError("Choose a school you are the data steward for.")
        return site

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
        site = stewarded_site()
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
    waiting = False  # only a file checked and found good waits for its import
    try:
        ctx["report"], what, records = _run_import(
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


def _run_import(kind, network, post, path, *, allowed_site_ids, dry_run):
    """Run one kind of import of the file at `path`; returns its report, a line for the access
    log and the number of records it wrote."""
    if kind == "roster":
        report = import_roster(
            network=network,
            files=read_export(path),
            school_year=int(post["school_year"]) if post.get("school_year", "").isdigit() else None,
            allowed_site_ids=allowed_site_ids,
            dry_run=dry_run,
        )
        what = f"Roster for {report.school_year}: {report.students} students"
        return report, what, report.students
    purpose = Purpose.objects.filter(network=network, pk=post.get("purpose") or 0).first()
    if purpose is None:
        raise ValidationError("Choose the purpose the data are collected for.")
    if kind == "outcomes":
        if post.get("outcome_kind", "assessment") not in StudentOutcome.Kind.values:
            raise ValidationError("Choose assessment, attendance or course mark.")
        report = import_outcomes(
            network=network,
            purpose=purpose,
            data=files.read_file(path),
            kind=post.get("outcome_kind") or "assessment",
            allowed_site_ids=allowed_site_ids,
            dry_run=dry_run,
        )
        return report, f"Outcomes for {purpose.name}", report.added + report.changed
    report = import_usage(
        network=network,
        purpose=purpose,
        product=post.get("product", ""),
        data=files.read_file(path),
        allowed_site_ids=allowed_site_ids,
        dry_run=dry_run,
    )
    what = f"Usage of {post.get('product', '').strip()} for {purpose.name}"
    return report, what, report.added + report.changed


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
            hidden = entry["students"] < privacy.min_cell_size
            entry["hidden"] = hidden
            for week in entry["weeks"]:
                week["few_active"] = week["active"] < privacy.min_cell_size
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
