import datetime

import pytest

from melior.fidelity import services
from melior.theory import services as theory

MONDAY = datetime.date(2025, 9, 1)


@pytest.fixture
def idea(world):
    diagram = theory.network_diagram(world.network)
    theory.replace_from_outline(
        diagram=diagram, text="Aim\n  Attend\n    Families hear\n      Call home\n"
    )
    return diagram.nodes.get(name="Call home")


@pytest.fixture
def plan(world, idea):
    """Call home: two essential components and one adaptable, checked on adherence."""
    lead = world.users["network:network_lead"]
    plan = services.define_plan(idea=idea, user=lead, dimensions=["adherence"], rhythm="weekly")
    for name, essential in (("Call within 24 hours", True), ("Script", True), ("Log", False)):
        services.add_component(
            plan=plan, user=lead, name=name, essential=essential,
            ideal="Always", acceptable="Mostly", unacceptable="Rarely",
        )  # fmt: skip
    return plan
