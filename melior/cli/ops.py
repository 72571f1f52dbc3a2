"""Running an instance: `melior jobs`, `purge`, `backup`, `restore`, `notify` and `manage`."""

from typing import Annotated

import typer
from rich.table import Table

from melior.cli.common import console, fail, setup_django


def jobs(
    limit: Annotated[int, typer.Option(help="How many recent failures to list.")] = 20,
):
    """List the worker's schedule and the jobs that failed after their last retry."""
    setup_django()
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


def purge(
    network: Annotated[str, typer.Option(help="Only this network (its slug).")] = "",
):
    """Remove student records past each network's retention period, those of students who
    revoked consent longer ago than it, and uploaded files checked for import more than a day
    ago and never imported (run it daily; running it twice removes nothing more)."""
    setup_django()
    from melior.core.uploads import purge_stale_uploads
    from melior.governance.services import purge as purge_network
    from melior.networks.models import Network

    networks = Network.objects.all()
    if network:
        networks = networks.filter(slug=network)
        if not networks.exists():
            fail(f"No network {network!r}.")
    for each in networks:
        removed = purge_network(network=each)
        summary = ", ".join(f"{n:,} {what}" for what, n in removed.items())
        console.print(f"{each.name}: removed {summary}")
    console.print(f"Uploads waiting more than a day: removed {purge_stale_uploads():,}")


def backup(
    folder: Annotated[
        str, typer.Option("--to", help="Where backups go (default: MELIOR_BACKUP_DIR).")
    ] = "",
    keep: Annotated[int, typer.Option(help="How many of the newest backups to keep.")] = 14,
):
    """Back up the whole database (pg_dump on PostgreSQL, the online backup API on SQLite),
    check the copy, and keep the newest (run it daily; files are owner-only)."""
    setup_django()
    from pathlib import Path

    from django.conf import settings

    from melior.backup import BackupError
    from melior.backup import backup as back_up

    try:
        written = back_up(folder=Path(folder or settings.MELIOR_BACKUP_DIR), keep=keep)
    except BackupError as error:
        fail(str(error))
    console.print(f"Backed up to {written} ({written.stat().st_size:,} bytes).")


def restore(
    path: Annotated[str, typer.Argument(help="A backup file written by `melior backup`.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace the database without asking.")
    ] = False,
):
    """Replace the whole database with a backup (stop the app servers first)."""
    setup_django()
    from pathlib import Path

    from melior.backup import BackupError
    from melior.backup import restore as restore_backup

    if not yes and not typer.confirm(
        "This replaces every record in the database with the backup. Go on?"
    ):
        fail("Nothing was restored.")
    try:
        restore_backup(path=Path(path))
    except BackupError as error:
        fail(str(error))
    console.print(f"Restored {path}.")


def notify(
    digest: Annotated[
        bool, typer.Option(help="Also email each user what they have not seen.")
    ] = True,
):
    """Remind authors of overdue PDSA cycles, then send the email digest (run it daily, e.g.
    from cron; the console email backend prints the emails unless MELIOR_EMAIL_BACKEND is set)."""
    setup_django()
    from melior.pdsa.services import notify_overdue, send_digest

    console.print(f"Overdue reminders: {notify_overdue()}")
    if digest:
        console.print(f"Digest emails sent: {send_digest()}")


def manage(ctx: typer.Context):
    """Run a Django management command, e.g. `melior manage check --deploy`."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["melior manage", *ctx.args])
