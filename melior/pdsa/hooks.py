"""What PDSA cycles add to the pages of the apps below pdsa, through the hooks those apps offer
(registered in `PdsaConfig.ready()`): the start of each cycle on a school's chart of a measure the
cycle watches, a project's cycles on its page, and the evidence of the network's cycles on a change
idea's page."""

import datetime

from django.urls import reverse

from melior.core.hooks import Panel
from melior.measures.markers import Marker
from melior.theory.models import Node

from .models import Cycle
from .selectors import idea_evidence


def cycle_markers(*, network, site, measure) -> list[Marker]:
    """The start of each PDSA cycle at this school linked to this measure."""
    cycles = Cycle.objects.filter(
        measures=measure, project__site=site, started_on__isnull=False
    ).order_by("started_on")
    return [
        Marker(
            c.started_on,
            f"PDSA: {c.title[:40]}",
            reverse("pdsa-detail", kwargs={"network": network.slug, "pk": c.pk}),
        )
        for c in cycles
    ]


def idea_evidence_panel(*, user, network, node) -> Panel | None:
    """For a change idea (or a site's copy of one): what the network's cycles say of it."""
    if node.kind != Node.Kind.CHANGE_IDEA:
        return None
    target = (node.origin or node) if node.diagram.project_id else node
    cycles, summary = idea_evidence(user, network, target)
    return Panel(
        "pdsa/_idea_evidence.html",
        {"target": target, "summary": summary, "cycles": cycles[:10]},
    )


def project_cycles_panel(*, user, network, project) -> Panel:
    """A project's latest 50 cycles, and the button to plan one for those who may."""
    cycles = project.cycles.select_related("change_idea").order_by("-created_at")[:50]
    return Panel(
        "pdsa/_project_cycles.html",
        {
            "project": project,
            "cycles": cycles,
            "can_plan": user.has_perm("pdsa.plan_cycle", project),
            "today": datetime.date.today(),
        },
    )
