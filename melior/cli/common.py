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
    """An import refused whole: list its problems (the first 50) and stop."""
    messages = getattr(error, "messages", [str(error)])
    for problem in messages[:50]:
        console.print(f"[red]✗[/red] {problem}")
    fail(f"{len(messages)} problem(s) found; nothing was written.")


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
