"""Equity over time on the pages, the CSV and the API: each group's mean by month, a school's gap
chart and the network page's panel — scoped to the schools a member sees, with subgroups taken
on each record's date, and small cells suppressed alike everywhere."""

import csv
import datetime
import io

import pytest

from melior.analysis.suppression import LABEL
from melior.governance.models import AccessLog, Consent, Student


def login(client, world, who):
    client.force_login(world.users[who])
    return client


def api(client, world, **query):
    return client.get(f"/api/networks/{world.network.slug}/gaps", query)


@pytest.mark.django_db
def test_lincoln_gap_narrows_by_signal_and_the_network_page_says_so(client, world, equity):
    login(client, world, "network:viewer")
    body = api(client, world).json()
    assert (body["subgroup"], body["group_a"], body["group_b"]) == ("English learner", "Yes", "No")
    lincoln = next(s for s in body["schools"] if s["slug"] == world.school.slug)
    assert lincoln["reading"] == "narrowing by signal"
    # September and October: hidden with Parks' small group (the pooled totals of the two
    # schools would give it away otherwise); November on, shown
    assert [p["suppressed"] for p in lincoln["points"][:3]] == [LABEL, LABEL, ""]
    november = lincoln["points"][2]
    assert november["students_a"] == 12 and november["students_b"] == 20
    assert november["gap"] == pytest.approx(0.84 - 0.95)
    page = client.get(f"/n/{world.network.slug}/students/gaps/{world.school.slug}/")
    assert page.status_code == 200
    assert "Narrowing by signal." in page.text and 'id="gap-spec"' in page.text
    assert "Not charted, suppressed: Sep 2024, Oct 2024." in page.text
    # the network page fetches its panel once shown
    network_page = client.get(f"/n/{world.network.slug}/")
    assert f"/n/{world.network.slug}/students/gaps-panel/" in network_page.text
    panel = client.get(f"/n/{world.network.slug}/students/gaps-panel/")
    assert "Gaps narrowing" in panel.text
    assert f"/students/gaps/{world.school.slug}/" in panel.text


@pytest.mark.django_db
def test_a_student_who_leaves_el_counts_as_el_only_before(client, world, equity):
    login(client, world, "network:viewer")
    lincoln = next(
        s for s in api(client, world).json()["schools"] if s["slug"] == world.school.slug
    )
    by_month = {p["period"]: (p["students_a"], p["students_b"]) for p in lincoln["points"]}
    assert by_month["2025-02-01"] == (12, 20)  # before the exit on March 1
    assert by_month["2025-03-01"] == (11, 21)  # after: with the others


@pytest.mark.django_db
def test_a_small_group_is_hidden_with_its_gap_alike_on_page_csv_and_api(client, world, equity):
    login(client, world, "network:viewer")
    body = api(client, world).json()
    parks = next(s for s in body["schools"] if s["slug"] == world.sibling_school.slug)
    # September and October: the 4 English learners are hidden, and the gap with them
    for p in parks["points"][:2]:
        assert p["suppressed"] == LABEL and p["gap"] is None and p["students_a"] is None
    # later months have no English learner at Parks: no gap to draw, nothing hidden
    assert all(p["students_a"] == 0 and p["gap"] is None for p in parks["points"][2:])
    assert parks["reading"] == "too few periods"
    # over both schools: the API's figures are the CSV's, and the page shows them
    url = f"/n/{world.network.slug}/students/by-date/"

    def csv_figures(**query):
        rows = csv.DictReader(io.StringIO(client.get(url, {"export": "csv", **query}).text))
        return {(r["period"], r["subgroup"]): r["students"] for r in rows}

    pooled_api = {
        (g["period"], g["subgroup"]): LABEL if g["suppressed"] else str(g["students"])
        for g in body["groups"]
    }
    assert csv_figures() == pooled_api
    # at Lincoln: its English learners and the others are hidden in September and October
    # (with Parks' small group), in the CSV as in the API's gap points, and on the page
    lincoln = next(s for s in body["schools"] if s["slug"] == world.school.slug)
    at_lincoln = csv_figures(school=world.school.slug)
    for point in lincoln["points"]:
        for group, students in (("Yes", point["students_a"]), ("No", point["students_b"])):
            shown = LABEL if point["suppressed"] else str(students)
            assert at_lincoln[point["period"], group] == shown
    assert sorted(k for k, v in at_lincoln.items() if v == LABEL) == [
        ("2024-09-01", "No"), ("2024-09-01", "Yes"), ("2024-10-01", "No"), ("2024-10-01", "Yes"),
    ]  # fmt: skip
    page = client.get(url, {"school": world.school.slug})
    assert page.text.count(">suppressed<") == 4
    assert "(4)" not in client.get(url, {"school": world.sibling_school.slug}).text
    logs = AccessLog.objects.filter(action=AccessLog.Action.EXPORT_AGGREGATE)
    assert logs.count() == 2  # one entry per download
    log = logs.get(what__contains="Lincoln High")
    assert "by month" in log.what and log.username == world.users["network:viewer"].username
    # the gap page of Parks High shows no figure of the small group
    parks_page = client.get(f"/n/{world.network.slug}/students/gaps/{world.sibling_school.slug}/")
    assert parks_page.status_code == 200
    assert "Too few periods" in parks_page.text and "0.8 " not in parks_page.text
    assert ">suppressed<" in parks_page.text


@pytest.mark.django_db
def test_a_school_member_sees_only_their_school_and_outsiders_nothing(client, world, equity):
    login(client, world, "school:team_member")
    body = api(client, world).json()
    assert [s["slug"] for s in body["schools"]] == [world.school.slug]
    n = world.network.slug
    assert client.get(f"/n/{n}/students/gaps/{world.sibling_school.slug}/").status_code == 404
    assert api(client, world, site=world.sibling_school.slug).status_code == 400
    client.logout()
    login(client, world, "outsider")
    assert api(client, world).status_code == 404
    assert client.get(f"/n/{n}/students/gaps/{world.school.slug}/").status_code == 404
    assert client.get(f"/n/{n}/students/by-date/").status_code == 404


@pytest.mark.django_db
def test_bad_choices_are_refused_with_a_message(client, world, equity):
    login(client, world, "network:viewer")
    for query, field in (
        ({"outcome": "Reading score"}, "outcome"),
        ({"by": "shoe_size"}, "by"),
        ({"a": "Maybe"}, "a"),
        ({"b": "Perhaps"}, "b"),
        ({"a": "No", "b": "No"}, "b"),
        ({"period": "year"}, "period"),
    ):
        response = api(client, world, **query)
        assert response.status_code == 400, query
        assert field in response.json()["errors"], query


@pytest.mark.django_db
def test_rest_of_students_and_consent(client, world, equity):
    login(client, world, "network:viewer")
    before = api(client, world, b="All other students").json()
    lincoln = next(s for s in before["schools"] if s["slug"] == world.school.slug)
    assert lincoln["points"][2]["students_b"] == 20
    # a refusal takes the student out of the figures at once (the cached figures are not used)
    refuser = Student.objects.get(key=f"{world.school.slug}-100")
    Consent.objects.create(
        student=refuser, purpose=equity, status="refused", given_by="guardian",
        date=datetime.date(2024, 9, 1),
    )  # fmt: skip
    body = api(client, world, b="All other students").json()
    lincoln = next(s for s in body["schools"] if s["slug"] == world.school.slug)
    assert body["group_b"] == "All other students"
    assert lincoln["points"][2]["students_b"] == 19
    assert lincoln["points"][2]["mean_b"] == pytest.approx(0.95)


@pytest.mark.django_db
def test_an_opt_in_purpose_counts_only_students_who_consented(client, world, equity):
    equity.opt_in = True
    equity.save()
    login(client, world, "network:viewer")
    assert api(client, world).json()["schools"] == []  # nobody consented
    granted = Student.objects.get(key=f"{world.school.slug}-100")
    Consent.objects.create(
        student=granted, purpose=equity, status="granted", given_by="guardian",
        date=datetime.date(2024, 9, 1),
    )  # fmt: skip
    body = api(client, world, b="All other students").json()
    assert [s["slug"] for s in body["schools"]] == [world.school.slug]
    # one student: every figure of Lincoln High is suppressed
    assert all(p["suppressed"] for p in body["schools"][0]["points"])


@pytest.mark.django_db
def test_weeks_start_on_monday_on_the_page_and_in_the_api(client, world, equity):
    login(client, world, "network:viewer")
    body = api(client, world, period="week").json()
    periods = {datetime.date.fromisoformat(g["period"]) for g in body["groups"]}
    assert periods and all(p.weekday() == 0 for p in periods)
    page = client.get(f"/n/{world.network.slug}/students/by-date/", {"period": "week"})
    assert page.status_code == 200 and "Week starting" in page.text


@pytest.mark.django_db
def test_a_new_figure_on_a_measure_leaves_the_gaps_as_they_were(world, equity, monkeypatch):
    # a teacher's weekly figure moves the network's data version; gaps are of student records
    # only, and the network page must not work them out again for every figure entered
    from django.contrib.auth import get_user_model

    from melior.governance import gaps
    from melior.measures.services import record_observation

    calls = []
    computed = gaps.engine.gaps_from_counts
    monkeypatch.setattr(
        gaps.engine, "gaps_from_counts", lambda *a, **k: calls.append(1) or computed(*a, **k)
    )
    viewer = get_user_model().objects.get(pk=world.users["network:viewer"].pk)
    assert gaps.narrowing(viewer, world.network)["schools"]
    record_observation(
        measure=world.measure, organization=world.school,
        period=datetime.date(2025, 9, 1), numerator=7, denominator=20,
    )  # fmt: skip
    world.network.refresh_from_db()
    assert gaps.narrowing(viewer, world.network)["schools"]
    assert len(calls) == 1


def lincoln_figures(client, world, **query):
    body = api(client, world, **query).json()
    return next(s for s in body["schools"] if s["slug"] == world.school.slug)["points"]


@pytest.mark.django_db
def test_a_cold_view_reads_the_kept_counts_not_every_record(client, world, equity, monkeypatch):
    from django.core.cache import cache

    from melior.governance import subgroup_counts
    from melior.governance.models import SubgroupCount

    login(client, world, "network:viewer")
    first = lincoln_figures(client, world)
    # 2 schools × 14 months, Lincoln's two groups and Parks' others (its English learners in
    # two months): every count kept, none suppressed yet
    assert SubgroupCount.objects.count() == 14 * 3 + 2
    read = []
    monkeypatch.setattr(
        subgroup_counts, "records", lambda *a, **k: read.append(1) or pytest.fail("read again")
    )
    cache.clear()
    assert lincoln_figures(client, world) == first
    assert lincoln_figures(client, world, b="All other students")[2]["students_b"] == 20
    assert read == []


@pytest.mark.django_db
def test_a_steward_change_removes_the_counts_and_they_are_counted_again(
    client, world, equity, django_capture_on_commit_callbacks
):
    from melior.governance import services
    from melior.governance.models import SubgroupCount, SubgroupCounts

    login(client, world, "network:viewer")
    assert lincoln_figures(client, world, b="All other students")[2]["students_b"] == 20
    refuser = Student.objects.get(key=f"{world.school.slug}-100")
    with django_capture_on_commit_callbacks(execute=True):
        services.record_consent(
            student=refuser, purpose=equity, status="refused", given_by="guardian",
            date=datetime.date(2024, 9, 1), source="form", user=world.users["network:data_steward"],
        )  # fmt: skip
    # the counts of the refuser's records went with the change, and the worker counted again
    # (the network page's view: English learners, Yes against No)
    kept = SubgroupCounts.objects.get(network=world.network)
    assert kept.subgroup == "english_learner_status"
    lincoln_no = SubgroupCount.objects.filter(
        counts=kept, site=world.school, group="No", period=datetime.date(2024, 11, 1)
    )
    assert lincoln_no.get().students == 19
    assert lincoln_figures(client, world, b="All other students")[2]["students_b"] == 19


@pytest.mark.django_db
def test_a_purge_leaves_no_counts_of_what_it_removed(world, equity):
    from melior.governance import gaps, services
    from melior.governance.models import SubgroupCount

    viewer = world.users["network:viewer"]
    assert gaps.narrowing(viewer, world.network)["total"] == 2
    assert SubgroupCount.objects.filter(period__lt=datetime.date(2025, 1, 1)).exists()
    services.purge(network=world.network, today=datetime.date(2026, 1, 1) + datetime.timedelta(
        days=services.privacy_for(world.network).retention_days
    ))  # fmt: skip
    assert not SubgroupCount.objects.exists()


@pytest.mark.django_db
def test_a_student_moved_to_another_group_by_hand_leaves_no_counts_behind(client, world, equity):
    from django.core.cache import cache

    from melior.governance.models import SubgroupCounts

    login(client, world, "network:viewer")
    assert lincoln_figures(client, world)[2]["students_a"] == 12
    learner = Student.objects.get(key=f"{world.school.slug}-1")
    learner.english_learner_status = "No"  # no history: the roster's field is the group
    learner.save()
    assert not SubgroupCounts.objects.exists()
    cache.clear()  # the figures already drawn keep for up to ten minutes
    november = lincoln_figures(client, world)[2]
    assert (november["students_a"], november["students_b"]) == (11, 21)
