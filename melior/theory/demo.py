"""The demo network's theory of improvement (its change ideas are the ones the demo schools
test, by the same names), with its measures linked, two schools' adaptations and a proposal."""

import datetime

from django.contrib.auth import get_user_model

from melior.networks.models import Network
from melior.projects.models import ImprovementProject

from . import services

AIM = "85% of 9th graders on track to graduate by June {year}"
OUTLINE = """\
{aim}
  Students attend every day
    Families hear early when a student starts missing school
      Attendance success mentors for chronically absent 9th graders
    Students feel they belong in 9th grade
      Attendance success mentors for chronically absent 9th graders
  Students complete and submit their work
    Teachers know each week who is missing work
      Weekly on-track check-ins in advisory
    Students get help the same day they struggle
      Daily exit tickets with next-day re-teaching
  Teachers know each week who is struggling
    Teachers know each week who is missing work
    Teams look at grades together every week
      Weekly on-track check-ins in advisory
"""

# measure slug -> the node it watches
MEASURE_NODES = {
    "on-track": AIM,
    "attendance": "Students attend every day",
    "assignment-completion": "Students complete and submit their work",
    "exit-ticket-mastery": "Daily exit tickets with next-day re-teaching",
    "teacher-feedback-hours": "Daily exit tickets with next-day re-teaching",
    "discipline-referrals": "Students feel they belong in 9th grade",
}


def load_demo_theory(network: Network, aim_by: datetime.date) -> bool:
    """Write the network's driver diagram unless it already has one; True when written."""
    diagram = services.network_diagram(network)
    if diagram.nodes.exists():
        return False
    aim = AIM.format(year=aim_by.year)
    services.replace_from_outline(diagram=diagram, text=OUTLINE.format(aim=aim))
    for measure in network.measures.filter(slug__in=MEASURE_NODES):
        node = diagram.nodes.get(name=MEASURE_NODES[measure.slug].format(year=aim_by.year))
        services.link_measure(node=node, measure=measure)
    # two schools have adapted the theory; the first school (the demo accounts') has not yet
    projects = list(ImprovementProject.objects.filter(network=network).order_by("pk")[1:3])
    if len(projects) == 2:
        hides, adds = projects
        services.set_hidden(
            node=services.adapt(project=hides).nodes.get(
                name="Students feel they belong in 9th grade"
            ),
            hidden=True,
        )
        local = services.adapt(project=adds)
        services.add_node(
            diagram=local,
            kind="change_idea",
            name="Lunch-time homework club",
            parents=[local.nodes.get(name="Teachers know each week who is missing work")],
        )
    teacher = get_user_model().objects.filter(username="teacher").first()
    services.propose_change_idea(
        driver=diagram.nodes.get(name="Students get help the same day they struggle"),
        name="Peer tutoring at lunch",
        description="Tenth graders who passed Algebra I tutor 9th graders twice a week.",
        user=teacher,
    )
    return True
