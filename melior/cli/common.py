"""What every `melior` command shares: the console, Django set-up and clear refusals."""

import os

import typer
from rich.console import Console

console = Console()


def setup_django() -> None:
    """Load Django for a command that needs the database (`melior chart` does not)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "melior.settings")
    import django

    django.setup()


def fail(message: str):
    """Print the reason and stop with exit code 2; never a stack trace."""
    console.print(f"[red]Error:[/red] {message}")
    raise typer.Exit(code=2)


def refused(error: Exception):
    """An import refused whole: its problems as a table (the first 50), and stop."""
    from melior.core.imports import ImportRefused
    from melior.core.imports.render import problems_table

    if not isinstance(error, ImportRefused):
        error = ImportRefused.from_list(getattr(error, "messages", [str(error)]))
    console.print(problems_table(error))
    fail(error.summary)


def network_or_fail(slug: str):
    """The network with this slug, or a refusal that names it."""
    from melior.networks.models import Network

    return Network.objects.filter(slug=slug).first() or fail(f"No network {slug!r}.")


def purpose_or_fail(network, name: str):
    """The network's purpose with this name, or a refusal that names it."""
    return network.purposes.filter(name=name).first() or fail(f"No purpose {name!r}.")


def log_student_data(network, action: str, what: str, records: int) -> None:
    """Write a command's import or export of student data to the access log."""
    from melior.governance.services import log

    log(user=None, network=network, action=action, what=what, records=records)
