"""The outline and diff rules as pure functions: plain snapshots in, plain data out, no
database."""

import pytest
from django.core.exceptions import ValidationError

from melior.theory.services.diff import diff_snapshots
from melior.theory.services.outline import outline_snapshot, parse_outline, snapshot_outline

OUTLINE = (
    "More on track\n"
    "  Students attend\n"
    "    Families hear early\n"
    "      Call home on day one\n"
    "    Mentors\n"
    "  Students belong\n"
    "    Families hear early\n"
)


def test_an_outline_reads_as_kinds_with_shared_drivers():
    data = outline_snapshot(parse_outline(OUTLINE), existing=[])
    kinds = {n["name"]: n["kind"] for n in data["nodes"]}
    assert kinds == {
        "More on track": "aim",
        "Students attend": "primary",
        "Families hear early": "secondary",
        "Call home on day one": "change_idea",
        "Mentors": "secondary",
        "Students belong": "primary",
    }
    keys = {n["name"]: n["key"] for n in data["nodes"]}
    parents_of_families = {p for p, c in data["links"] if c == keys["Families hear early"]}
    assert parents_of_families == {keys["Students attend"], keys["Students belong"]}
    # written back, it reads the same: the shared driver's children under its first place only
    assert snapshot_outline(data) == OUTLINE


def test_a_fourth_level_with_lines_under_it_is_a_tertiary_driver():
    lines = parse_outline("Aim\n  P\n    S\n      T\n        Idea\n")
    kinds = [n["kind"] for n in outline_snapshot(lines, existing=[])["nodes"]]
    assert kinds == ["aim", "primary", "secondary", "tertiary", "change_idea"]


def test_a_node_named_again_keeps_its_key_and_notes():
    first = outline_snapshot(parse_outline("Aim\n  Attend\n"), existing=[])
    first["nodes"][1]["description"] = "Why attendance"
    again = outline_snapshot(parse_outline("Aim\n  Attend\n  Belong\n"), existing=first["nodes"])
    attend = next(n for n in again["nodes"] if n["name"] == "Attend")
    assert attend["key"] == first["nodes"][1]["key"]
    assert attend["description"] == "Why attendance"


def test_every_problem_of_an_outline_is_said_at_once():
    with pytest.raises(ValidationError) as refused:
        parse_outline("  Aim\n   Odd\nAim two\n" + "  " + "x" * 121 + "\n")
    assert refused.value.messages == [
        "Line 1: the first line is the aim, not indented.",
        "Line 2: indent by 2 spaces or a tab per level.",
        "Line 4: keep names to 120 characters.",  # line 3 became the aim
    ]
    with pytest.raises(ValidationError, match="indented more than one level"):
        parse_outline("Aim\n    Too deep\n")
    with pytest.raises(ValidationError, match="empty"):
        parse_outline("\n \n")
    with pytest.raises(ValidationError, match="only the first line may be the aim"):
        parse_outline("Aim\nAnother aim\n")


def node(key, name, kind="primary", position=0, **extra):
    return {"key": key, "kind": kind, "name": name, "position": position, **extra}


def test_the_diff_says_what_changed_in_plain_sentences():
    old = {
        "nodes": [
            node("a", "Aim", "aim"),
            node("p", "Attend", position=1, measures=[7, 8]),
            node("q", "Belong", position=2),
        ],
        "links": [["a", "p"], ["a", "q"]],
    }
    new = {
        "nodes": [
            node("a", "Aim", "aim"),
            node("p", "Students attend", position=1, measures=[8, 9], hidden=True),
            node("s", "Families hear", "secondary", position=3),
        ],
        "links": [["a", "p"], ["p", "s"]],
    }
    assert diff_snapshots(old, new, {7: "Attendance", 9: "Referrals"}) == [
        "Renamed primary driver “Attend” to “Students attend”.",
        "Hid primary driver “Students attend”.",
        "Linked measure “Referrals” to “Students attend”.",
        "Unlinked measure “Attendance” from “Students attend”.",
        "Added secondary driver “Families hear” under “Students attend”.",
        "Removed primary driver “Belong”.",
    ]
    assert diff_snapshots(new, new) == []


def test_a_change_of_order_alone_is_said_and_a_deleted_measure_is_named_so():
    old = {"nodes": [node("p", "Attend", position=0), node("q", "Belong", position=1)],
           "links": []}  # fmt: skip
    swapped = {"nodes": [node("p", "Attend", position=1), node("q", "Belong", position=0)],
               "links": []}  # fmt: skip
    assert diff_snapshots(old, swapped) == ["Changed the order of “Attend”, “Belong”."]
    linked = {"nodes": [node("p", "Attend", measures=[3]), old["nodes"][1]], "links": []}
    assert diff_snapshots(old, linked) == ["Linked a measure since deleted to “Attend”."]
