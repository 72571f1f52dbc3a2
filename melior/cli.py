"""The `melior` command: set up, load the demo network, serve, and manage users."""

import os
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="Melior — improvement science for education.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "melior.settings")
    import django

    django.setup()


@app.callback()
def _sign_the_access_log(ctx: typer.Context):
    # what a command writes to the access log is signed by whoever ran it, until it ends
    from melior.governance.actors import COMMAND_LINE_ACTOR, acting_from_command_line

    token = acting_from_command_line()
    ctx.call_on_close(lambda: COMMAND_LINE_ACTOR.reset(token))


def _log_student_data(network, action: str, what: str, records: int) -> None:
    """Write a command's import or export of student data to the access log."""
    from melior.governance.services import log

    log(user=None, network=network, action=action, what=what, records=records)


def _migrate(quiet: bool = False) -> None:
    from django.core.management import call_command

    from melior.web.assets import collect_static

    call_command("migrate", interactive=False, verbosity=0 if quiet else 1)
    collect_static()


@app.command()
def migrate():
    """Create or update the database tables and build and collect the front-end assets."""
    _django()
    _migrate()
    console.print("[green]Database is up to date.[/green]")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    threads: Annotated[int, typer.Option(help="Threads in each process.")] = 8,
    workers: Annotated[int, typer.Option(min=0, help="App processes (0: one per core).")] = 0,
):
    """Serve Melior with a production WSGI server: gunicorn with several processes on Linux
    and macOS, waitress for a single process or on Windows."""
    _django()
    from django.conf import settings

    from melior.web.assets import collect_static

    collect_static()  # before the app loads: WhiteNoise indexes the files once

    if host not in settings.ALLOWED_HOSTS and host not in {"0.0.0.0", "::"}:
        settings.ALLOWED_HOSTS.append(host)
    if settings.DEBUG:
        _warn_debug()
    workers = workers or os.cpu_count() or 1
    console.print(
        f"Melior is serving at [bold]http://{host}:{port}/[/bold] with {workers} "
        f"process{'es' if workers > 1 else ''}  (Ctrl+C to stop)"
    )
    options = _server_options()
    if workers == 1 or sys.platform == "win32":
        from waitress import serve as waitress_serve

        from melior.wsgi import application

        waitress_serve(
            application, host=host, port=port, threads=threads, ident="Melior", **options
        )
        return
    from melior.server import run_gunicorn

    run_gunicorn(
        host=host,
        port=port,
        workers=workers,
        threads=threads,
        max_body=options["max_request_body_size"],
        trusted_proxy=options.get("trusted_proxy", ""),
    )


def _server_options() -> dict:
    """waitress's request-body limit, and the one proxy whose forwarding headers it believes:
    from that proxy, waitress takes the client's address (REMOTE_ADDR, which the access log and
    the sign-in limits record) from X-Forwarded-For and the scheme from X-Forwarded-Proto; from
    anyone else it drops those headers. Under gunicorn, melior.server does the same."""
    from django.conf import settings

    options = {"max_request_body_size": int(settings.MELIOR_MAX_REQUEST_MB * 1024 * 1024)}
    if settings.MELIOR_TRUSTED_PROXY:
        options.update(
            trusted_proxy=settings.MELIOR_TRUSTED_PROXY,
            trusted_proxy_count=1,
            trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"},
            clear_untrusted_proxy_headers=True,
        )
    return options


def _warn_debug() -> None:
    from rich.panel import Panel

    Console(stderr=True).print(
        Panel(
            "MELIOR_DEBUG is on: error pages show stack traces, settings and data to anyone "
            "who can reach this server. Never serve real student data like this — unset "
            "MELIOR_DEBUG (or set it to 0) before people use it.",
            title="WARNING: debug mode",
            style="bold red",
        )
    )


@app.command()
def worker(
    threads: Annotated[int, typer.Option(min=1, help="Jobs run at once.")] = 2,
):
    """Run the background worker: scheduled jobs (see `melior jobs`) and queued imports."""
    _django()
    from django.core.management import call_command

    console.print(f"Melior's worker is running with {threads} thread(s)  (Ctrl+C to stop)")
    call_command("run_huey", workers=threads, worker_type="thread")


@app.command()
def jobs(
    limit: Annotated[int, typer.Option(help="How many recent failures to list.")] = 20,
):
    """List the worker's schedule and the jobs that failed after their last retry."""
    _django()
    from melior.ops.selectors import recent_failures, schedule

    table = Table(title="Scheduled jobs")
    table.add_column("Job", style="bold")
    table.add_column("When")
    table.add_column("What")
    for name, when, what in schedule():
        table.add_row(name, when, what)
    console.print(table)
    failures = recent_failures(limit)
    if not failures:
        console.print("[green]No failed jobs.[/green]")
        return
    table = Table(title="Failed jobs (after every retry)")
    table.add_column("When")
    table.add_column("Job", style="bold")
    table.add_column("Error")
    for failure in failures:
        last_line = failure.error.strip().splitlines()[-1] if failure.error.strip() else ""
        table.add_row(f"{failure.failed_at:%Y-%m-%d %H:%M} UTC", failure.task, last_line)
    console.print(table)


@app.command()
def loaddemo(
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same data.")
    ] = 2026,
    sites: Annotated[int, typer.Option(min=1, max=5000, help="Number of schools.")] = 12,
):
    """Load the demo '9th-Grade Success' network (idempotent: running it again adds nothing)."""
    _django()
    _load_demo(seed, sites)


def _load_demo(seed: int, sites: int) -> None:
    from rich.progress import Progress

    from melior.demo.generator import load_demo

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Loading the demo network", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = load_demo(seed=seed, sites=sites, progress=report)
    console.print(result.message)
    _print_accounts(result.accounts)


def _print_accounts(accounts) -> None:
    table = Table(title="Demo accounts (log in with these)")
    table.add_column("Username", style="bold")
    table.add_column("Password")
    table.add_column("Role")
    table.add_column("Where")
    for account in accounts:
        table.add_row(account.username, account.password, account.role, account.scope)
    console.print(table)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    seed: Annotated[int, typer.Option(help="Random seed for the demo data.")] = 2026,
    sites: Annotated[int, typer.Option(min=1, max=5000, help="Number of schools.")] = 12,
    serve_app: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve afterwards.")] = True,
    workers: Annotated[int, typer.Option(min=0, help="App processes (0: one per core).")] = 0,
):
    """Migrate the embedded database, load the demo network, print the accounts, and serve it
    with the background worker running beside the app."""
    _django()
    with console.status("Migrating the database"):
        _migrate(quiet=True)
    _load_demo(seed, sites)
    if not serve_app:
        return
    import subprocess

    background = subprocess.Popen([sys.executable, "-m", "melior.cli", "worker"])
    try:
        serve(host=host, port=port, workers=workers)
    finally:
        background.terminate()
        background.wait(timeout=30)


@app.command()
def createuser(
    username: str,
    password: Annotated[
        str | None, typer.Option(help="Password (asked for when not given).")
    ] = None,
    email: Annotated[str, typer.Option()] = "",
    superuser: Annotated[
        bool, typer.Option(help="Give access to everything and the admin.")
    ] = False,
    network: Annotated[str | None, typer.Option(help="Network slug to give a role in.")] = None,
    organization: Annotated[
        str | None, typer.Option(help="School or district slug to give a role at.")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            help="network_lead, improvement_coach, site_lead, team_member, data_steward or viewer."
        ),
    ] = None,
):
    """Create a user (or give an existing user a role)."""
    _django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from melior.networks.models import Network, Organization, Role
    from melior.networks.services import grant_role

    if role and role not in Role.values:
        _fail(f"Unknown role {role!r}; choose one of: {', '.join(Role.values)}.")
    if role and not (network or organization):
        _fail("--role needs --network or --organization.")
    if (network or organization) and not role:
        _fail("Say which --role the user has there.")
    target_network = target_org = None
    if network:
        target_network = Network.objects.filter(slug=network).first() or _fail(
            f"No network with slug {network!r}."
        )
    if organization:
        target_org = Organization.objects.filter(slug=organization).first() or _fail(
            f"No school or district with slug {organization!r}."
        )
    if network and organization:
        _fail("Give a role across a --network or at an --organization, not both.")
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        if password is None:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        candidate = User(username=username, email=email)
        try:
            validate_password(password, candidate)
        except ValidationError as error:
            _fail(" ".join(error.messages))
        user = User.objects.create_user(
            username=username,
            email=email,
            password=password,
            is_staff=superuser,
            is_superuser=superuser,
        )
        console.print(f"Created user [bold]{username}[/bold].")
    if role:
        grant_role(user=user, role=role, network=target_network, organization=target_org)
        console.print(f"{username} is now {role} of {target_network or target_org}.")


@app.command()
def chart(
    file: Annotated[str, typer.Argument(help="A CSV file with one row per point.")],
    y: Annotated[str, typer.Option(help="Column of values (numerators for p/u charts).")],
    kind: Annotated[
        str, typer.Option(help="run, i, mr, xbar, r, s, c, u, p, np, p_prime, u_prime, g or t.")
    ] = "run",
    n: Annotated[str | None, typer.Option(help="Column of denominators.")] = None,
    x: Annotated[str | None, typer.Option(help="Column of periods or subgroups.")] = None,
    part: Annotated[
        str | None, typer.Option(help="Column of phase labels: a new part starts where it changes.")
    ] = None,
    freeze: Annotated[int | None, typer.Option(help="Baseline: the first K points.")] = None,
    rules: Annotated[str, typer.Option(help="anhoej, ihi or nhs.")] = "anhoej",
    title: Annotated[str | None, typer.Option(help="Chart title.")] = None,
    out: Annotated[
        str | None, typer.Option(help="Write the chart: .svg, .png, .pdf or .html.")
    ] = None,
):
    """Chart a CSV file with the SPC engine and print the summary (no database needed)."""
    import pandas as pd

    from melior.analysis import spc

    try:
        frame = pd.read_csv(file)
    except FileNotFoundError:
        _fail(f"No such file: {file}")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        _fail(f"{file} is not a readable CSV file: {error}")
    missing = [c for c in (y, n, x, part) if c and c not in frame.columns]
    if missing:
        _fail(f"Column(s) not in {file}: {', '.join(missing)}. It has: {', '.join(frame.columns)}.")
    x_values = frame[x] if x else None
    if x_values is not None and kind not in {"xbar", "s", "r"}:
        parsed = pd.to_datetime(x_values, errors="coerce")
        if parsed.notna().all() and not pd.api.types.is_numeric_dtype(x_values):
            x_values = parsed
    part_at = None
    if part:
        labels = frame.assign(_x=x_values if x_values is not None else range(len(frame)))
        labels = labels.groupby("_x", sort=True)[part].first().to_numpy()
        part_at = [i for i in range(1, len(labels)) if labels[i] != labels[i - 1]] or None
    try:
        result = spc.control_chart(
            frame[y],
            n=frame[n] if n else None,
            x=x_values,
            kind=kind,
            part=part_at,
            freeze=freeze,
            rules=rules,
        )
    except ValueError as error:
        _fail(str(error))
    table = Table(title=f"{result.name} of {y}" + (f" / {n}" if n else ""))
    summary = result.summary()
    shown = [
        "part",
        "n_obs",
        "n_useful",
        "longest_run",
        "longest_run_max",
        "n_crossings",
        "n_crossings_min",
        "runs_signal",
        "sigma_signals",
        "cl",
        "lcl",
        "ucl",
    ]
    for column in shown:
        table.add_column(column, justify="right")
    for _, row in summary.iterrows():
        table.add_row(*[_cell(row[c]) for c in shown])
    console.print(table)
    for sentence in result.describe():
        console.print(f"• {sentence.text}")
    if out:
        chart_obj = result.chart(title=title or f"{result.name} of {y}", width=720)
        try:
            if out.endswith(".html"):
                chart_obj.save(out, inline=True)
            else:
                chart_obj.save(out)
        except ValueError as error:
            _fail(f"Cannot write {out}: {error}")
        console.print(f"Wrote {out}")


def _cell(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "—" if value != value else f"{value:.6g}"
    return str(value)


import_app = typer.Typer(help="Import data from files.", no_args_is_help=True)
app.add_typer(import_app, name="import")


@import_app.command("observations")
def import_observations_command(
    file: Annotated[
        str, typer.Argument(help="A .csv or .xlsx file, one row per site, measure and period.")
    ],
    network: Annotated[str, typer.Option(help="The network's slug.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything, write nothing.")
    ] = False,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="field=Column, e.g. --map site=School --map period_start=Week."),
    ] = None,
    source: Annotated[
        str, typer.Option(help="Name the file's source to reuse (and remember) its columns.")
    ] = "",
):
    """Import observations, all or nothing: every problem is listed by row and column."""
    _django()
    from pathlib import Path

    from rich.progress import Progress

    from melior.measures.imports import ImportRefused, import_observations
    from melior.networks.models import Network

    target = Network.objects.filter(slug=network).first() or _fail(f"No network {network!r}.")
    mapping = {}
    for item in map_ or []:
        if "=" not in item:
            _fail(f"--map takes field=Column, not {item!r}.")
        field_name, column = item.split("=", 1)
        mapping[field_name.strip()] = column.strip()
    from melior.measures.selectors import remembered_mapping
    from melior.measures.services import remember_mapping

    mapping = mapping or remembered_mapping(target, source)
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Checking rows", total=None)
            report = import_observations(
                target,
                Path(file),
                mapping=mapping,
                dry_run=dry_run,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    except ImportRefused as refused:
        for problem in refused.problems[:50]:
            console.print(f"[red]✗[/red] {problem}")
        if len(refused.problems) > 50:
            console.print(f"… and {len(refused.problems) - 50} more.")
        _fail(f"{len(refused.problems)} problem(s) found; nothing was written.")
    if not dry_run:
        remember_mapping(network=target, source=source, mapping=mapping)
    console.print(report.summary)


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
    _django()
    from pathlib import Path

    from django.core.exceptions import ValidationError

    from melior.archive import import_archive

    try:
        network = import_archive(Path(file).read_bytes(), accept_foreign=accept_foreign)
    except (ValidationError, OSError) as refused:
        _fail(" ".join(getattr(refused, "messages", [str(refused)])))
    console.print(f"Restored {network.name}. People sign in after setting a new password.")


export_app = typer.Typer(help="Export data.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("archive")
def export_archive_command(
    network: Annotated[str, typer.Option(help="The network's slug.")],
    out: Annotated[str, typer.Option(help="Where to write the .zip.")],
    students: Annotated[
        bool, typer.Option(help="Include student-level data (it is personal data).")
    ] = True,
):
    """Write a whole network as one archive (JSON + CSVs + files) that `melior import
    archive` restores into an empty instance."""
    _django()
    from pathlib import Path

    from melior.archive import export_archive
    from melior.files import write_private
    from melior.networks.models import Network

    target = Network.objects.filter(slug=network).first() or _fail(f"No network {network!r}.")
    data = export_archive(target, students=students)
    write_private(Path(out), data)  # it may hold student records: its owner's alone
    if students:
        from melior.governance.models import Student

        exported = Student.objects.filter(enrollments__site__networks=target).distinct()
        _log_student_data(
            target, "export_rows", "Network archive with student rows", exported.count()
        )
    console.print(f"Wrote {out} ({len(data) / 1e6:.1f} MB).")


@import_app.command("outcomes")
def import_outcomes_command(
    file: Annotated[
        str, typer.Argument(help="CSV: student_id, school, name, value, date [, kind].")
    ],
    network: Annotated[str, typer.Option(help="The network's slug.")],
    purpose: Annotated[str, typer.Option(help="The purpose the data are collected for.")],
    kind: Annotated[
        str, typer.Option(help="assessment, attendance or course_mark.")
    ] = "assessment",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything, write nothing.")
    ] = False,
):
    """Import student outcomes keyed by the district's student id (hashed on the way in), all
    or nothing; importing the same file again changes nothing."""
    _django()
    from django.core.exceptions import ValidationError

    from melior.files import read_file
    from melior.governance.outcomes_import import import_outcomes
    from melior.networks.models import Network

    target = Network.objects.filter(slug=network).first() or _fail(f"No network {network!r}.")
    chosen = target.purposes.filter(name=purpose).first() or _fail(f"No purpose {purpose!r}.")
    try:
        report = import_outcomes(
            network=target, purpose=chosen, data=read_file(file), kind=kind, dry_run=dry_run
        )
    except (ValidationError, OSError, ValueError) as refused:
        _refused(refused)
    if not dry_run:
        what = f"Outcomes for {chosen.name}"
        _log_student_data(target, "import", what, report.added + report.changed)
    verb = "would be" if dry_run else "were"
    console.print(
        f"{report.rows:,} rows: {report.added:,} {verb} added, {report.changed:,} "
        f"changed, {report.unchanged:,} unchanged."
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
    network: Annotated[str, typer.Option(help="The network's slug.")],
    purpose: Annotated[str, typer.Option(help="The purpose the usage is collected for.")],
    product: Annotated[str, typer.Option(help="The product's name in reports.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything, write nothing.")
    ] = False,
):
    """Import a vendor's usage export, all or nothing; students without consent for the
    purpose are left out and counted; importing the same file again changes nothing."""
    _django()
    from django.core.exceptions import ValidationError

    from melior.files import read_file
    from melior.governance.usage import import_usage
    from melior.networks.models import Network

    target = Network.objects.filter(slug=network).first() or _fail(f"No network {network!r}.")
    chosen = target.purposes.filter(name=purpose).first() or _fail(f"No purpose {purpose!r}.")
    try:
        report = import_usage(
            network=target,
            purpose=chosen,
            product=product,
            data=read_file(file),
            dry_run=dry_run,
        )
    except (ValidationError, OSError, ValueError) as refused:
        _refused(refused)
    if not dry_run:
        what = f"Usage of {product.strip()} for {chosen.name}"
        _log_student_data(target, "import", what, report.added + report.changed)
    verb = "would be" if dry_run else "were"
    console.print(
        f"{report.rows:,} rows: {report.added:,} {verb} added, {report.changed:,} changed, "
        f"{report.unchanged:,} unchanged, {report.ignored_without_consent:,} left out "
        "(no consent for the purpose)."
    )


@import_app.command("roster")
def import_roster_command(
    path: Annotated[
        str, typer.Argument(help="A OneRoster export: a zip file or a folder of CSVs.")
    ],
    network: Annotated[str, typer.Option(help="The network's slug.")],
    school_year: Annotated[
        int | None,
        typer.Option(
            help="The year the school year starts, e.g. 2025 (read from academicSessions.csv "
            "when left out)."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything, write nothing.")
    ] = False,
):
    """Import students from a OneRoster 1.1/1.2 export, all or nothing; student ids are hashed
    and never stored (docs/privacy.md)."""
    _django()
    from django.core.exceptions import ValidationError

    from melior.governance.roster import import_roster, read_export
    from melior.networks.models import Network

    target = Network.objects.filter(slug=network).first() or _fail(f"No network {network!r}.")
    try:
        report = import_roster(
            network=target, files=read_export(path), school_year=school_year, dry_run=dry_run
        )
    except (ValidationError, OSError, ValueError) as refused:
        _refused(refused)
    if not dry_run:
        what = f"Roster for {report.school_year}: {report.students} students"
        _log_student_data(target, "import", what, report.students)
    verb = "would import" if dry_run else "imported"
    console.print(
        f"{report.students} students {verb} ({report.added} new, {report.enrolments} "
        f"new enrollments), {report.classes} classes, {report.schools_added} schools added to "
        f"the network; {report.skipped_users} other users skipped."
    )


usage_app = typer.Typer(help="EdTech usage: xAPI sources and usage measures.", no_args_is_help=True)
app.add_typer(usage_app, name="usage")


@usage_app.command("source")
def usage_source(
    name: Annotated[str, typer.Argument(help="The source, e.g. 'Math app (Cedar)'.")],
    network: Annotated[str, typer.Option(help="The network's slug.")],
    product: Annotated[str, typer.Option(help="The product's name in reports.")],
    district: Annotated[str, typer.Option(help="Slug of the district whose ids actors carry.")],
    purpose: Annotated[str, typer.Option(help="The purpose the usage is collected for.")],
):
    """Register an xAPI source and print its key (shown only now)."""
    _django()
    from django.core.exceptions import ValidationError

    from melior.governance.xapi import create_source
    from melior.networks.models import Network, Organization

    target = Network.objects.filter(slug=network).first() or _fail(f"No network {network!r}.")
    chosen = target.purposes.filter(name=purpose).first() or _fail(f"No purpose {purpose!r}.")
    org = Organization.objects.filter(slug=district).first() or _fail(f"No {district!r}.")
    try:
        source, key = create_source(
            network=target, name=name, product=product, district=org, purpose=chosen
        )
    except ValidationError as error:
        _fail(" ".join(error.messages))
    console.print(f"xAPI source {source.name} — send statements to /xapi/statements with:")
    console.print(f"Authorization: Bearer {key}", style="bold", soft_wrap=True)


@usage_app.command("aggregate")
def usage_aggregate(
    network: Annotated[str, typer.Option(help="The network's slug.")] = "",
    product: Annotated[str, typer.Option(help="The product's name.")] = "",
    purpose: Annotated[str, typer.Option(help="The purpose the usage was collected for.")] = "",
    measure: Annotated[str, typer.Option(help="Slug of a weekly measure to write.")] = "",
    statistic: Annotated[
        str,
        typer.Option(
            help="active, minutes, sessions or completion (by default active for a "
            "proportion measure, minutes for a measured value)."
        ),
    ] = "",
    every: Annotated[
        bool,
        typer.Option("--all", help="Repeat every aggregation set up before (the worker's job)."),
    ] = False,
):
    """Turn usage into a weekly process measure at each school; the worker then repeats it
    daily (see `melior jobs`)."""
    _django()
    from django.core.exceptions import ValidationError

    from melior.governance.usage import (
        remember_aggregation,
        run_remembered_aggregations,
        usage_to_measure,
    )
    from melior.networks.models import Network

    if every:
        try:
            done = run_remembered_aggregations()
        except ValidationError as error:
            _fail(" ".join(error.messages))
        for each, written in done:
            console.print(f"{each}: {written} weekly observations added or corrected.")
        return
    if not (network and product and purpose and measure):
        _fail("Give --network, --product, --purpose and --measure (or --all).")
    target = Network.objects.filter(slug=network).first() or _fail(f"No network {network!r}.")
    chosen = target.purposes.filter(name=purpose).first() or _fail(f"No purpose {purpose!r}.")
    goal = target.measures.filter(slug=measure).first() or _fail(f"No measure {measure!r}.")
    try:
        written = usage_to_measure(
            network=target, product=product, purpose=chosen, measure=goal, statistic=statistic
        )
    except ValidationError as error:
        _fail(" ".join(error.messages))
    remember_aggregation(product=product, purpose=chosen, measure=goal, statistic=statistic)
    console.print(f"{written} weekly observations of {goal.name} added or corrected.")
    console.print("The worker repeats this daily.")


token_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    username: str,
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'SIS sync'.")],
):
    """Create an API token for a user; it is printed once and cannot be shown again."""
    _django()
    from django.contrib.auth import get_user_model

    from melior.api.services import create_token

    user = get_user_model().objects.filter(username=username).first() or _fail(
        f"No user {username!r}."
    )
    try:
        _, key = create_token(user=user, name=name)
    except ValueError as error:
        _fail(str(error))
    console.print(f"Token for {username} ({name}) — copy it now, it is not shown again:")
    console.print(key, style="bold", soft_wrap=True)


@token_app.command("revoke")
def token_revoke(prefix: Annotated[str, typer.Argument(help="The token's first characters.")]):
    """Revoke a token (by the first characters it starts with)."""
    _django()
    from melior.api.models import ApiToken
    from melior.api.services import revoke_token

    tokens = list(ApiToken.objects.filter(prefix__startswith=prefix[:12], revoked_at__isnull=True))
    if len(tokens) != 1:
        _fail(f"{len(tokens)} active tokens start with {prefix!r}; give more characters.")
    revoke_token(token=tokens[0])
    console.print(f"Revoked {tokens[0]}.")


@app.command()
def purge(
    network: Annotated[str, typer.Option(help="Only this network (its slug).")] = "",
):
    """Remove student records past each network's retention period, those of students who
    revoked consent longer ago than it, and uploaded files checked for import more than a day
    ago and never imported (run it daily; running it twice removes nothing more)."""
    _django()
    from melior.core.uploads import purge_stale_uploads
    from melior.governance.services import purge as purge_network
    from melior.networks.models import Network

    networks = Network.objects.all()
    if network:
        networks = networks.filter(slug=network)
        if not networks.exists():
            _fail(f"No network {network!r}.")
    for each in networks:
        removed = purge_network(network=each)
        summary = ", ".join(f"{n:,} {what}" for what, n in removed.items())
        console.print(f"{each.name}: removed {summary}")
    console.print(f"Uploads waiting more than a day: removed {purge_stale_uploads():,}")


@app.command()
def backup(
    folder: Annotated[
        str, typer.Option("--to", help="Where backups go (default: MELIOR_BACKUP_DIR).")
    ] = "",
    keep: Annotated[int, typer.Option(help="How many of the newest backups to keep.")] = 14,
):
    """Back up the whole database (pg_dump on PostgreSQL, the online backup API on SQLite),
    check the copy, and keep the newest (run it daily; files are owner-only)."""
    _django()
    from pathlib import Path

    from django.conf import settings

    from melior.backup import BackupError
    from melior.backup import backup as back_up

    try:
        written = back_up(folder=Path(folder or settings.MELIOR_BACKUP_DIR), keep=keep)
    except BackupError as error:
        _fail(str(error))
    console.print(f"Backed up to {written} ({written.stat().st_size:,} bytes).")


@app.command()
def restore(
    path: Annotated[str, typer.Argument(help="A backup file written by `melior backup`.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace the database without asking.")
    ] = False,
):
    """Replace the whole database with a backup (stop the app servers first)."""
    _django()
    from pathlib import Path

    from melior.backup import BackupError
    from melior.backup import restore as restore_backup

    if not yes and not typer.confirm(
        "This replaces every record in the database with the backup. Go on?"
    ):
        _fail("Nothing was restored.")
    try:
        restore_backup(path=Path(path))
    except BackupError as error:
        _fail(str(error))
    console.print(f"Restored {path}.")


@app.command()
def notify(
    digest: Annotated[
        bool, typer.Option(help="Also email each user what they have not seen.")
    ] = True,
):
    """Remind authors of overdue PDSA cycles, then send the email digest (run it daily, e.g.
    from cron; the console email backend prints the emails unless MELIOR_EMAIL_BACKEND is set)."""
    _django()
    from melior.pdsa.services import notify_overdue, send_digest

    console.print(f"Overdue reminders: {notify_overdue()}")
    if digest:
        console.print(f"Digest emails sent: {send_digest()}")


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def manage(ctx: typer.Context):
    """Run a Django management command, e.g. `melior manage check --deploy`."""
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["melior manage", *ctx.args])


def _fail(message: str):
    console.print(f"[red]Error:[/red] {message}")
    raise typer.Exit(code=2)


def _refused(error: Exception):
    """An import refused whole: list its problems (the first 50) and stop."""
    messages = getattr(error, "messages", [str(error)])
    for problem in messages[:50]:
        console.print(f"[red]✗[/red] {problem}")
    _fail(f"{len(messages)} problem(s) found; nothing was written.")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
