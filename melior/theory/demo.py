"""The demo network's theory of improvement (its change ideas are the ones the demo schools
test, by the same names)."""

from melior.networks.models import Network

from . import services

OUTLINE = """\
85% of 9th graders on track to graduate by June 2026
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


def load_demo_theory(network: Network) -> bool:
    """Write the network's driver diagram unless it already has one; True when written."""
    diagram = services.network_diagram(network)
    if diagram.nodes.exists():
        return False
    services.replace_from_outline(diagram=diagram, text=OUTLINE)
    return True
