"""Student-data imports on the web. Rosters and usage files run in the request; outcome and
attribute files (a district's year can be a million rows) run in the worker, checked first and
then written, while the page shows how far it has got. A job is idempotent — importing the same
file again changes nothing — so a retried job does no harm."""

import dataclasses

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from melior import files
from melior.core.imports import ImportRefused
from melior.core.uploads import upload_path
from melior.files import FileRefused

from . import services
from .attributes_import import import_attributes
from .consent_import import import_consents
from .models import AccessLog, Consent, ImportJob, Purpose, StudentOutcome
from .outcomes_import import import_outcomes
from .permissions import steward_site_ids
from .roster import import_roster, read_export
from .usage_import import import_usage

BACKGROUND_KINDS = {"outcomes", "attributes"}
OPTIONS = (
    "purpose",
    "outcome_kind",
    "product",
    "school_year",
    "given_by",
)  # the form's choices a job keeps


def run_import(
    kind, network, post, path, *, allowed_site_ids, dry_run, progress=None, user=None, request=None
):
    """Run one kind of import of the file at `path`; returns its report, a line for the access
    log and the number of records it wrote (no line: the import logged itself)."""
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
    if kind == "attributes":  # a student's attributes serve every purpose: none is chosen
        report = import_attributes(
            network=network,
            data=files.read_file(path),
            allowed_site_ids=allowed_site_ids,
            dry_run=dry_run,
            progress=progress,
        )
        what = f"Student attributes: {report.students_changed} students' current values changed"
        return report, what, report.added + report.changed
    purpose = Purpose.objects.filter(network=network, pk=post.get("purpose") or 0).first()
    if purpose is None:
        raise ValidationError("Choose the purpose the data are collected for.")
    if kind == "consent":
        report = import_consents(
            network=network,
            purpose=purpose,
            data=files.read_file(path),
            site_ids=allowed_site_ids,
            given_by=post.get("given_by") or Consent.GivenBy.GUARDIAN,
            user=user,
            dry_run=dry_run,
            request=request,
        )
        return report, None, report.written  # logged as a consent change with the decisions
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
            progress=progress,
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


def as_refusal(error: Exception) -> ImportRefused:
    """Any refusal of an import (a refused file, a service's ValidationError) in the one form
    every page shows."""
    if isinstance(error, ImportRefused):
        return error
    return ImportRefused.from_list(getattr(error, "messages", [str(error)]))


def _problem(message: str) -> list[dict]:
    return as_refusal(FileRefused(message)).as_list()


def start_import(*, user, network, kind, options, upload, dry_run) -> ImportJob:
    """Queue a check (dry run) or an import of a kept upload; the worker picks it up once the
    job is saved."""
    from .tasks import run_import_job

    job = ImportJob.objects.create(
        network=network, user=user, kind=kind, options=options, upload=upload, dry_run=dry_run
    )
    transaction.on_commit(lambda: run_import_job(job.pk))
    return job


def run_job(job: ImportJob) -> None:
    """Do the job's work as its user may: their steward rights are read again now, not when
    they clicked."""
    _update(job, state=ImportJob.State.RUNNING, percent=1, stage="Starting")
    path = upload_path(job.user, job.upload)
    if path is None:
        return _finish(
            job, ImportJob.State.REFUSED, errors=["The file has expired; upload it again."]
        )
    network_wide = job.user.has_perm("governance.read_audit", job.network)
    allowed = None if network_wide else steward_site_ids(job.user, job.network)
    if not network_wide and not allowed:
        return _finish(
            job,
            ImportJob.State.REFUSED,
            errors=as_refusal(FileRefused("You are no longer a data steward.")).as_list(),
        )
    try:
        report, what, records = run_import(
            job.kind,
            job.network,
            job.options,
            path,
            allowed_site_ids=allowed,
            dry_run=job.dry_run,
            progress=lambda percent, stage: _update(job, percent=percent, stage=stage),
        )
    except (ValidationError, FileRefused) as refused:
        path.unlink(missing_ok=True)
        return _finish(job, ImportJob.State.REFUSED, errors=as_refusal(refused).as_list())
    if not job.dry_run and what is not None:
        services.log(
            user=job.user, network=job.network, action=AccessLog.Action.IMPORT, what=what,
            records=records,
        )  # fmt: skip
        path.unlink(missing_ok=True)
    _finish(job, ImportJob.State.DONE, report=dataclasses.asdict(report))


def fail_job(job: ImportJob) -> None:
    _finish(job, ImportJob.State.FAILED)


def _update(job: ImportJob, **fields) -> None:
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _finish(job: ImportJob, state, **fields) -> None:
    _update(job, state=state, percent=100, stage="", finished_at=timezone.now(), **fields)
