import pytest

from melior.projects.services import create_project
from melior.theory import services as theory


@pytest.fixture
def lab(world):
    """The network's theory with two change ideas, a project at each school, and a teacher on
    the first school's team."""
    diagram = theory.network_diagram(world.network)
    theory.replace_from_outline(
        diagram=diagram,
        text="More on track\n  Students attend\n    Families hear early\n"
        "      Call home on day one\n      Attendance mentors\n",
    )
    project = create_project(
        network=world.network,
        site=world.school,
        title="On track",
        team=[world.users["school:team_member"]],
    )
    other = create_project(network=world.network, site=world.sibling_school, title="Parks")
    idea = diagram.nodes.get(name="Call home on day one")
    return diagram, project, other, idea
