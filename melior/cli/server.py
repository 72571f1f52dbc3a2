"""Set up and serve: `melior migrate`, `melior serve` and `melior worker`."""

import os
import sys
from typing import Annotated

import typer
from rich.console import Console

from melior.cli.common import console, setup_django


def migrate_database(quiet: bool = False) -> None:
    """Create or update the tables, then build and collect the front-end assets."""
    from django.core.management import call_command

    from melior.web.assets import collect_static

    call_command("migrate", interactive=False, verbosity=0 if quiet else 1)
    collect_static()


def migrate():
    """Create or update the database tables and build and collect the front-end assets."""
    setup_django()
    migrate_database()
    console.print("[green]Database is up to date.[/green]")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    threads: Annotated[int, typer.Option(help="Threads in each process.")] = 8,
    workers: Annotated[int, typer.Option(min=0, help="App processes (0: one per core).")] = 0,
):
    """Serve Melior with a production WSGI server: gunicorn with several processes on Linux
    and macOS, waitress for a single process or on Windows."""
    setup_django()
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


def worker(
    threads: Annotated[int, typer.Option(min=1, help="Jobs run at once.")] = 2,
):
    """Run the background worker: scheduled jobs (see `melior jobs`) and queued imports."""
    setup_django()
    from django.core.management import call_command

    console.print(f"Melior's worker is running with {threads} thread(s)  (Ctrl+C to stop)")
    call_command("run_huey", workers=threads, worker_type="thread")
