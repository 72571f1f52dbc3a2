"""The aim checker says what an aim is missing, in words a team can act on."""

import datetime

from melior.projects.aims import aim_gaps
from melior.projects.services import create_project

TODAY = datetime.date(2025, 9, 1)


def test_an_empty_aim_lists_every_missing_part(world):
    project = create_project(network=world.network, site=world.school, title="On track")
    assert aim_gaps(project, TODAY) == [
        "No aim statement: say what will improve.",
        "No “for whom”: name the students or people the aim is for.",
        "No measure: choose the measure that will show the aim is met.",
        "No baseline: where does the measure stand now?",
        "No target value: how much improvement is the aim?",
        "No target date: by when?",
    ]


def test_a_complete_aim_passes_and_a_backwards_target_is_caught(world):
    project = create_project(
        network=world.network,
        site=world.school,
        title="On track",
        aim_statement="Raise on-track from 62% to 75% by June 2026",
        population="All 9th graders",
        aim_measure=world.measure,
        baseline_value=62,
        target_value=75,
        target_date=datetime.date(2026, 6, 5),
    )
    assert aim_gaps(project, TODAY) == []
    project.target_value = 55
    assert aim_gaps(project, TODAY) == [
        "The target (55) is not above the baseline (62) for a measure where higher is better."
    ]
    project.target_value, project.aim_statement = 75, "Get better at on-track"
    assert aim_gaps(project, datetime.date(2026, 7, 1)) == [
        "The aim statement has no number: say how much.",
        "The target date (Jun 5, 2026) has passed.",
    ]


def test_the_charter_page_shows_what_the_aim_misses(client, world):
    from django.urls import reverse

    project = create_project(network=world.network, site=world.school, title="On track")
    client.force_login(world.users["school:viewer"])
    page = client.get(
        reverse("project", kwargs={"network": world.network.slug, "project": project.pk})
    ).text
    assert "Is the aim specific and measurable?" in page and "No target date: by when?" in page
