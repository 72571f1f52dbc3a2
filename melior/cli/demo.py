"""The demo network: `melior loaddemo` and `melior demo`."""

import sys
from typing import Annotated

import typer
from rich.table import Table

from melior.cli.common import console, setup_django
from melior.cli.server import migrate_database, serve


def loaddemo(
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same data.")
    ] = 2026,
    sites: Annotated[int, typer.Option(min=1, max=5000, help="Number of schools.")] = 12,
):
    """Load the demo '9th-Grade Success' network (idempotent: running it again adds nothing)."""
    setup_django()
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
    setup_django()
    with console.status("Migrating the database"):
        migrate_database(quiet=True)
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
