"""Files in and out: `melior import observations|archive|outcomes|usage|consent|roster|
attributes` and `melior export archive`."""

from typing import Annotated

import typer

from melior.cli.common import (
    console,
    fail,
    log_student_data,
    network_or_fail,
    purpose_or_fail,
    refused,
    setup_django,
)

# the options every import shares
NetworkSlug = Annotated[str, typer.Option(help="The network's slug.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Check everything, write nothing.")]

import_app = typer.Typer(help="Import data from files.", no_args_is_help=True)
export_app = typer.Typer(help="Export data.", no_args_is_help=True)


@import_app.command("observations")
def import_observations_command(
    file: Annotated[
        str, typer.Argument(help="A .csv or .xlsx file, one row per site, measure and period.")
    ],
    network: NetworkSlug,
    dry_run: DryRun = False,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="field=Column, e.g. --map site=School --map period_start=Week."),
    ] = None,
    source: Annotated[
        str, typer.Option(help="Name the file's source to reuse (and remember) its columns.")
    ] = "",
):
    """Import observations, all or nothing: every problem is listed by row and column."""
    setup_django()
    from pathlib import Path

    from rich.progress import Progress

    from melior.core.imports import ImportRefused
    from melior.measures.imports import import_observations
    from melior.measures.selectors import remembered_mapping
    from melior.measures.services import remember_mapping

    target = network_or_fail(network)
    mapping = _column_map(map_ or []) or remembered_mapping(target, source)
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Checking rows", total=100)
            report = import_observations(
                target,
                Path(file),
                mapping=mapping,
                dry_run=dry_run,
                progress=lambda percent, stage: progress.update(
                    task, completed=percent, description=stage
                ),
            )
    except ImportRefused as refusal:
        refused(refusal)
    if not dry_run:
        remember_mapping(network=target, source=source, mapping=mapping)
    console.print(report.summary)


def _column_map(items: list[str]) -> dict[str, str]:
    """--map field=Column options as {field: Column}."""
    mapping = {}
    for item in items:
        if "=" not in item:
            fail(f"--map takes field=Column, not {item!r}.")
        field_name, column = item.split("=", 1)
        mapping[field_name.strip()] = column.strip()
    return mapping


@import_app.command("archive")
def import_archive_command(
    file: Annotated[str, typer.Argument(help="An archive written by `melior export archive`.")],
    accept_foreign: Annotated[
        bool,
        typer.Option(
            "--accept-foreign",
            help="Restore an archive this instance's archive key did not sign (from another "
            "instance, or altered): only when you trust where it came from.",
        ),
    ] = False,
):
    """Restore a network from its archive into this (empty) instance. Nobody becomes a
    superuser or gets a password or API token from an archive."""
    setup_django()
    from pathlib import Path

    from django.core.exceptions import ValidationError

    from melior.archive import import_archive

    try:
        network = import_archive(Path(file).read_bytes(), accept_foreign=accept_foreign)
    except (ValidationError, OSError) as refusal:
        fail(" ".join(getattr(refusal, "messages", [str(refusal)])))
    console.print(f"Restored {network.name}. People sign in after setting a new password.")


@export_app.command("archive")
def export_archive_command(
    network: NetworkSlug,
    out: Annotated[str, typer.Option(help="Where to write the .zip.")],
    students: Annotated[
        bool, typer.Option(help="Include student-level data (it is personal data).")
    ] = True,
):
    """Write a whole network as one archive (JSON + CSVs + files) that `melior import
    archive` restores into an empty instance."""
    setup_django()
    from pathlib import Path

    from melior.archive import export_archive
    from melior.files import write_private

    target = network_or_fail(network)
    data = export_archive(target, students=students)
    write_private(Path(out), data)  # it may hold student records: its owner's alone
    if students:
        from melior.governance.models import Student

        exported = Student.objects.filter(enrollments__site__networks=target).distinct()
        log_student_data(
            target, "export_rows", "Network archive with student rows", exported.count()
        )
    console.print(f"Wrote {out} ({len(data) / 1e6:.1f} MB).")


@import_app.command("outcomes")
def import_outcomes_command(
    file: Annotated[
        str, typer.Argument(help="CSV: student_id, school, name, value, date [, kind].")
    ],
    network: NetworkSlug,
    purpose: Annotated[str, typer.Option(help="The purpose the data are collected for.")],
    kind: Annotated[
        str, typer.Option(help="assessment, attendance or course_mark.")
    ] = "assessment",
    dry_run: DryRun = False,
):
    """Import student outcomes keyed by the district's student id (hashed on the way in), all
    or nothing; importing the same file again changes nothing."""
    setup_django()
    from django.core.exceptions import ValidationError

    from melior.files import read_file
    from melior.governance.outcomes_import import import_outcomes

    target = network_or_fail(network)
    chosen = purpose_or_fail(target, purpose)
    try:
        report = import_outcomes(
            network=target, purpose=chosen, data=read_file(file), kind=kind, dry_run=dry_run
        )
    except (ValidationError, OSError, ValueError) as refusal:
        refused(refusal)
    if not dry_run:
        what = f"Outcomes for {chosen.name}"
        log_student_data(target, "import", what, report.added + report.changed)
    verb = "would be" if dry_run else "were"
    console.print(
        f"{report.rows:,} rows: {report.added:,} {verb} added, {report.changed:,} "
        f"changed, {report.unchanged:,} unchanged."
    )


@import_app.command("attributes")
def import_attributes_command(
    file: Annotated[str, typer.Argument(help="CSV: student_id, school, attribute, value, as_of.")],
    network: NetworkSlug,
    dry_run: DryRun = False,
):
    """Import students' attributes (English learner, economic disadvantage, disability, sex,
    race and ethnicity) with the date each value holds from, all or nothing; the history is
    kept and each student's current value is the latest; the same file again changes nothing."""
    setup_django()
    from django.core.exceptions import ValidationError

    from melior.files import read_file
    from melior.governance.attributes_import import import_attributes

    target = network_or_fail(network)
    try:
        report = import_attributes(network=target, data=read_file(file), dry_run=dry_run)
    except (ValidationError, OSError, ValueError) as refusal:
        refused(refusal)
    if not dry_run:
        what = f"Student attributes: {report.students_changed} students' current values changed"
        log_student_data(target, "import", what, report.added + report.changed)
    verb = "would be" if dry_run else "were"
    console.print(
        f"{report.rows:,} rows: {report.added:,} {verb} added, {report.changed:,} changed, "
        f"{report.unchanged:,} unchanged; {report.students_changed:,} students' current "
        f"values {verb} changed."
    )


@import_app.command("usage")
def import_usage_command(
    file: Annotated[
        str,
        typer.Argument(
            help="CSV: student_id, school, date, minutes [, sessions, completions] — one row "
            "per student and day."
        ),
    ],
    network: NetworkSlug,
    purpose: Annotated[str, typer.Option(help="The purpose the usage is collected for.")],
    product: Annotated[str, typer.Option(help="The product's name in reports.")],
    dry_run: DryRun = False,
):
    """Import a vendor's usage export, all or nothing; students without consent for the
    purpose are left out and counted; importing the same file again changes nothing."""
    setup_django()
    from django.core.exceptions import ValidationError

    from melior.files import read_file
    from melior.governance.usage_import import import_usage

    target = network_or_fail(network)
    chosen = purpose_or_fail(target, purpose)
    try:
        report = import_usage(
            network=target,
            purpose=chosen,
            product=product,
            data=read_file(file),
            dry_run=dry_run,
        )
    except (ValidationError, OSError, ValueError) as refusal:
        refused(refusal)
    if not dry_run:
        what = f"Usage of {product.strip()} for {chosen.name}"
        log_student_data(target, "import", what, report.added + report.changed)
    verb = "would be" if dry_run else "were"
    console.print(
        f"{report.rows:,} rows: {report.added:,} {verb} added, {report.changed:,} changed, "
        f"{report.unchanged:,} unchanged, {report.ignored_without_consent:,} left out "
        "(no consent for the purpose)."
    )


@import_app.command("consent")
def import_consent_command(
    file: Annotated[
        str, typer.Argument(help="CSV: student_id, decision, date, source [, given_by].")
    ],
    network: NetworkSlug,
    purpose: Annotated[str, typer.Option(help="The purpose the decisions are for.")],
    given_by: Annotated[
        str, typer.Option(help="student or guardian, for rows without given_by.")
    ] = "guardian",
    dry_run: DryRun = False,
):
    """Record consent decisions (opt-in, refused, revoked) for many students at once, all or
    nothing; written to the access log."""
    setup_django()
    from django.core.exceptions import ValidationError

    from melior.files import read_file
    from melior.governance.consent_import import import_consents

    target = network_or_fail(network)
    chosen = purpose_or_fail(target, purpose)
    try:
        report = import_consents(
            network=target,
            purpose=chosen,
            data=read_file(file),
            given_by=given_by,
            dry_run=dry_run,
        )
    except (ValidationError, OSError, ValueError) as refusal:
        refused(refusal)
    verb = "would be" if dry_run else "were"
    console.print(
        f"{report.rows:,} decisions ({report.granted:,} opt-in, {report.refused_decisions:,} "
        f"refused, {report.revoked:,} revoked): {report.added:,} {verb} added, "
        f"{report.changed:,} changed, {report.unchanged:,} unchanged."
    )


@import_app.command("roster")
def import_roster_command(
    path: Annotated[
        str, typer.Argument(help="A OneRoster export: a zip file or a folder of CSVs.")
    ],
    network: NetworkSlug,
    school_year: Annotated[
        int | None,
        typer.Option(
            help="The year the school year starts, e.g. 2025 (read from academicSessions.csv "
            "when left out)."
        ),
    ] = None,
    dry_run: DryRun = False,
):
    """Import students from a OneRoster 1.1/1.2 export, all or nothing; student ids are hashed
    and never stored (docs/privacy.md)."""
    setup_django()
    from django.core.exceptions import ValidationError

    from melior.governance.roster import import_roster, read_export

    target = network_or_fail(network)
    try:
        report = import_roster(
            network=target, files=read_export(path), school_year=school_year, dry_run=dry_run
        )
    except (ValidationError, OSError, ValueError) as refusal:
        refused(refusal)
    if not dry_run:
        what = f"Roster for {report.school_year}: {report.students} students"
        log_student_data(target, "import", what, report.students)
    verb = "would import" if dry_run else "imported"
    console.print(
        f"{report.students} students {verb} ({report.added} new, {report.enrolments} "
        f"new enrollments), {report.classes} classes, {report.schools_added} schools added to "
        f"the network; {report.skipped_users} other users skipped."
    )
