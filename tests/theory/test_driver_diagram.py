"""Driver diagrams: the rules every saved diagram keeps, versions with plain-language diffs, and
outlines in and out."""

import pytest
from django.core.exceptions import ValidationError

from melior.theory import services
from melior.theory.models import DiagramVersion, Node

OUTLINE = """\
90% of 9th graders on track by June
  Students complete and submit their work
    Teachers know each week who is missing work
      Weekly on-track check-ins in advisory
    Students get help the same day
      Daily exit tickets with next-day re-teaching
  Students attend every day
    Teachers know each week who is missing work
    Students feel they belong
      Attendance success mentors for chronically absent 9th graders
"""


MENTORS = "Attendance success mentors for chronically absent 9th graders"


@pytest.fixture
def diagram(world):
    diagram = services.network_diagram(world.network)
    services.replace_from_outline(diagram=diagram, text=OUTLINE)
    return diagram


def node(diagram, name):
    return diagram.nodes.get(name=name)


def test_outline_builds_the_diagram_with_shared_drivers(diagram):
    assert diagram.nodes.filter(kind=Node.Kind.PRIMARY).count() == 2
    shared = node(diagram, "Teachers know each week who is missing work")
    assert {link.parent.name for link in shared.parent_links.all()} == {
        "Students complete and submit their work", "Students attend every day"
    }  # fmt: skip
    assert diagram.versions.get().summary == "Replaced from an outline"


def test_outline_round_trip(diagram):
    exported = services.export_outline(diagram)
    assert exported == OUTLINE
    before = services.snapshot(diagram)
    services.replace_from_outline(diagram=diagram, text=exported)
    after = services.snapshot(diagram)
    assert services.describe_changes(before, after) == []  # same keys, same links: nothing changed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The outline is empty"),
        ("  Indented aim", "the first line is the aim"),
        ("Aim\n    Too deep at once", "more than one level below"),
        ("Aim\n  Driver\nSecond aim", "only the first line may be the aim"),
        ("Aim\n   Three spaces", "indent by 2 spaces"),
        ("Aim\n  P\n    S\n      T\n        C\n          Sixth level", "too deep"),
    ],
)
def test_bad_outlines_name_the_line_and_change_nothing(diagram, text, message):
    before = services.snapshot(diagram)
    with pytest.raises(ValidationError) as error:
        services.replace_from_outline(diagram=diagram, text=text)
    assert any(message in m for m in error.value.messages), error.value.messages
    assert services.snapshot(diagram) == before
    assert diagram.versions.count() == 1


def test_every_change_is_a_version_with_a_diff(diagram, world):
    user = world.users["network:improvement_coach"]
    driver = node(diagram, "Students feel they belong")
    idea = services.add_node(diagram=diagram, kind="change_idea", name="Ninth-grade buddies",
                             parents=[driver], user=user)  # fmt: skip
    services.rename_node(node=idea, name="Upper-grade buddies", user=user)
    versions = list(diagram.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert (
        versions[1].summary
        == "Added change idea “Ninth-grade buddies” under “Students feel they belong”"
    )
    assert versions[2].author == user
    assert services.describe_changes(versions[0].snapshot, versions[2].snapshot) == [
        "Added change idea “Upper-grade buddies” under “Students feel they belong”."
    ]
    assert services.describe_changes(versions[1].snapshot, versions[2].snapshot) == [
        "Renamed change idea “Ninth-grade buddies” to “Upper-grade buddies”."
    ]


def test_undo_restores_an_earlier_version_as_a_new_one(diagram):
    first = diagram.versions.get()
    services.delete_node(node=node(diagram, "Daily exit tickets with next-day re-teaching"))
    assert not diagram.nodes.filter(name__startswith="Daily exit").exists()
    services.restore_version(version=first)
    assert diagram.nodes.filter(name__startswith="Daily exit").exists()
    latest = diagram.versions.order_by("-number").first()
    assert latest.summary == "Restored version 1" and latest.number == 3
    assert services.describe_changes(first.snapshot, latest.snapshot) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: services.add_node(diagram=d, kind="change_idea", name="Floating idea"),
         "must hang under a secondary driver"),
        (lambda d: services.add_node(diagram=d, kind="secondary", name="  ",
                                     parents=[node(d, "Students attend every day")]),
         "needs a name"),
        (lambda d: services.add_node(diagram=d, kind="primary", name="Students attend every day",
                                     parents=[node(d, "90% of 9th graders on track by June")]),
         "two primary drivers called"),
        (lambda d: services.add_node(diagram=d, kind="aim", name="Another aim"), "exactly one aim"),
        (lambda d: services.link_nodes(parent=node(d, "Students attend every day"),
                                       child=node(d, "Weekly on-track check-ins in advisory")),
         "cannot hang under a primary driver"),
        (lambda d: services.delete_node(node=node(d, "Students feel they belong")),
         "would leave “Attendance success mentors"),
        (lambda d: services.unlink_nodes(parent=node(d, "Students feel they belong"),
                                         child=node(d, MENTORS)),
         "must hang under a secondary driver"),
    ],
)  # fmt: skip
def test_invalid_edits_are_refused_with_a_reason_and_save_nothing(diagram, change, message):
    before = services.snapshot(diagram)
    with pytest.raises(ValidationError) as error:
        change(diagram)
    assert any(message in m for m in error.value.messages), error.value.messages
    assert services.snapshot(diagram) == before
    assert DiagramVersion.objects.filter(diagram=diagram).count() == 1


def test_a_shared_driver_survives_losing_one_parent(diagram):
    shared = node(diagram, "Teachers know each week who is missing work")
    services.unlink_nodes(parent=node(diagram, "Students attend every day"), child=shared)
    assert shared.parent_links.count() == 1


def test_tertiary_drivers_where_a_team_wants_them(diagram):
    outline = (
        "Aim\n"
        "  Students attend\n"
        "    Families hear early\n"
        "      Calls home work\n"  # has lines under it: a tertiary driver
        "        Call on the first absence\n"
        "      Text every Friday\n"  # no lines under it: a change idea
    )
    services.replace_from_outline(diagram=diagram, text=outline)
    kinds = dict(diagram.nodes.values_list("name", "kind"))
    assert kinds["Calls home work"] == "tertiary"
    assert kinds["Call on the first absence"] == "change_idea"
    assert kinds["Text every Friday"] == "change_idea"
    assert services.export_outline(diagram) == outline
    tertiary = diagram.nodes.get(name="Calls home work")
    # a tertiary driver hangs under a secondary driver, never under a primary one
    with pytest.raises(ValidationError, match="cannot hang under a primary driver"):
        services.link_nodes(parent=diagram.nodes.get(name="Students attend"), child=tertiary)
    from melior.theory.svg import diagram_svg

    svg = diagram_svg(diagram)
    assert "Tertiary drivers" in svg and 'viewBox="0 0 1300 ' in svg
    services.delete_node(node=diagram.nodes.get(name="Call on the first absence"))
    services.delete_node(node=tertiary)
    assert "Tertiary drivers" not in diagram_svg(diagram)  # the column goes with them
