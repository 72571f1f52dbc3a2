"""Panels that apps built on theory add to a node's page: the evidence of the network's PDSA
cycles on a change idea, for one.

Theory knows nothing of those apps. An app registers a provider from its `AppConfig.ready()`:

    node_panels.register(provider)

`provider(user=, network=, node=)` returns a `Panel` (a template of its own and what it shows) or
None when it has nothing to say about that node. The node page includes each panel in turn."""

from melior.core.hooks import Hook, Panel

node_panels = Hook("node panels")


def panels_for(*, user, network, node) -> list[Panel]:
    return node_panels.answers(user=user, network=network, node=node)
