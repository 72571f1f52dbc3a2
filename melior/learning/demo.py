"""The demo hub's tools in use: a phase, an announcement, groups, an activity, resources and
a learning synthesis linked to the evidence."""

import datetime

from melior.networks.models import Organization
from melior.pdsa.models import Cycle
from melior.theory.models import Node

from . import services


def load_demo_hub(network, first_week: datetime.date, today: datetime.date) -> bool:
    """The hub's tools as of `today`, for a network whose data start on `first_week`."""
    if network.phases.exists():
        return False
    services.set_phase(
        network=network, phase="initiation", started_on=datetime.date(first_week.year, 6, 1)
    )
    services.set_phase(
        network=network,
        phase="testing",
        started_on=datetime.date(first_week.year + 1, 1, 8),
        note="Schools test the three change ideas in ramps.",
    )
    convening = today + datetime.timedelta(days=(3 - today.weekday()) % 7, weeks=5)  # a Thursday
    services.announce(
        network=network,
        pinned=True,
        title=f"Next convening: {convening:%A}, {convening:%B} {convening.day}",
        body="Bring one chart and one PDSA ramp you learned from. Bright spots "
        "will share what they did.",
    )
    schools = list(network.sites.filter(kind=Organization.Kind.SCHOOL).order_by("name"))
    high_poverty = [s for s in schools if (s.poverty_share or 0) >= 0.5]
    group = services.create_group(
        network=network,
        name="High-poverty schools",
        kind="structural",
        description="Schools where half or more of students are in poverty.",
        sites=high_poverty,
    )
    services.create_group(
        network=network,
        name="Attendance learning group",
        kind="affinity",
        description="Teams working on first-weeks attendance.",
        sites=schools[::3],
    )
    services.create_activity(
        network=network,
        title="Run two empathy interviews with 9th graders",
        description="Ask about the first weeks of school; tag what you "
        "hear to the fishbone's causes.",
        due=today + datetime.timedelta(days=11),
        group=group,
    )
    ideas = {
        n.name: n
        for n in Node.objects.filter(
            diagram__network=network, diagram__project=None, kind="change_idea"
        )
    }
    exit_tickets = ideas.get("Daily exit tickets with next-day re-teaching")
    services.add_resource(
        network=network,
        title="Exit ticket bank for Algebra I",
        url="https://example.org/exit-ticket-bank",
        kind="tool",
        description="Three-question tickets by unit.",
        change_idea=exit_tickets,
    )
    evidence = list(
        Cycle.objects.filter(network=network, network_idea=exit_tickets, decision="adopt").order_by(
            "-completed_on"
        )[:4]
    )
    services.write_synthesis(
        network=network,
        title="Exit tickets work when re-teaching is the next morning",
        body="Across the schools that adopted daily exit tickets, the ones that kept the ticket "
        "to three questions and re-taught in the first ten minutes of the next lesson saw "
        "mastery and then assignment completion rise. Teacher time went up at first; schools "
        "that shared a ticket bank brought it back down.",
        change_ideas=[exit_tickets] if exit_tickets else [],
        cycles=evidence,
    )
    return True
