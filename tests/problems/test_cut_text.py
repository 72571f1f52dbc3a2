"""Text cut to fit a box shows "…" and can be read whole on hover or focus (the SVG <title>)."""

import re
from types import SimpleNamespace

from melior.problems.svg import fishbone_svg, process_svg

LONG_STEP = (
    "Counselor reviews the weekly attendance list with the grade-level team and the family "
    "liaison before the Friday meeting"
)
LONG_PROBLEM = (
    "Too many 9th graders fail a core course in the first semester, mostly because missing "
    "assignments pile up unnoticed while attendance slips, and families hear about it only "
    "when report cards arrive in January after the winter break has already begun"
)


def drawn_lines(svg: str) -> list[str]:
    return re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)


def test_a_long_process_step_ends_in_an_ellipsis_and_reads_whole_on_hover():
    step = SimpleNamespace(name=LONG_STEP, owner="Counselor", pain_point="")
    svg = process_svg([step])
    lines = drawn_lines(svg)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert f"<title>{LONG_STEP} — Counselor</title>" in svg


def test_a_short_process_step_is_drawn_as_it_is():
    svg = process_svg([SimpleNamespace(name="Family is called", owner="", pain_point="")])
    assert drawn_lines(svg) == ["1. Family is called"]


def test_a_long_problem_at_the_fishbone_head_ends_in_an_ellipsis_and_reads_whole():
    svg = fishbone_svg(LONG_PROBLEM, [])
    lines = drawn_lines(svg)
    assert len(lines) == 6 and lines[-1].endswith("…")
    assert f"<title>{LONG_PROBLEM}</title>" in svg
