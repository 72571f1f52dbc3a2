"""Panels that apps built on projects add to a project's page: its PDSA cycles, for one.

Projects knows nothing of those apps. An app registers a provider from its `AppConfig.ready()`:

    project_panels.register(provider)

`provider(user=, network=, project=)` returns a `core.hooks.Panel` (a template of its own and what
it shows) or None. The project page includes each panel after the charter."""

from melior.core.hooks import Hook, Panel

project_panels = Hook("project panels")


def panels_for(*, user, network, project) -> list[Panel]:
    return project_panels.answers(user=user, network=network, project=project)
