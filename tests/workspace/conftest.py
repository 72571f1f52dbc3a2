import datetime

import pytest
from django.utils import timezone

from melior.measures.models import period_start


@pytest.fixture
def this_week():
    return period_start("weekly", timezone.localdate())


@pytest.fixture
def cycle_at(world):
    """A PDSA cycle at a school, due on a given day (a network idea to test)."""
    from melior.pdsa import services as pdsa
    from melior.projects.services import create_project
    from melior.theory import services as theory

    diagram = theory.network_diagram(world.network)
    theory.replace_from_outline(diagram=diagram, text="Aim\n  Driver\n    Secondary\n")
    idea = theory.add_node(
        diagram=diagram, kind="change_idea", name="Weekly check-ins",
        parents=[diagram.nodes.get(name="Secondary")],
    )  # fmt: skip

    def make(school, title, due, user=None):
        project = create_project(network=world.network, site=school, title=f"{title} project")
        cycle = pdsa.create_cycle(project=project, change_idea=idea, title=title, user=user)
        cycle.due = due
        cycle.save()
        return cycle

    return make


def weeks_back(monday: datetime.date, n: int) -> datetime.date:
    return monday - datetime.timedelta(weeks=n)
