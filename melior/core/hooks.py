"""Hooks: an app low in the layers asks, the apps built on it answer.

A lower app must not import the apps above it, yet some of its pages show what they know: the PDSA
cycles on a school's chart (measures), the evidence on a change idea (theory). The lower app
declares a `Hook`; an app above registers a provider in its `AppConfig.ready()`; the lower app calls
`hook.answers(...)` and gets what every provider said, in the order they registered."""

from collections.abc import Callable
from typing import NamedTuple


class Panel(NamedTuple):
    """A section an upper app adds to a lower app's page: its own template and what it shows.
    The page includes it as `{% include panel.template with panel=panel.context %}`."""

    template: str
    context: dict


class Hook:
    def __init__(self, name: str):
        self.name = name
        self._providers: list[Callable] = []

    def register(self, provider: Callable) -> Callable:
        """Add a provider (once, however often `ready()` runs); returns it, so it decorates."""
        if provider not in self._providers:
            self._providers.append(provider)
        return provider

    def answers(self, **question) -> list:
        """Every provider's answer to the keyword arguments, leaving out those that said None."""
        said = (provider(**question) for provider in self._providers)
        return [answer for answer in said if answer is not None]

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._providers)} provider(s)>"
