"""Pages as each kind of user meets them."""

import pytest
from django.urls import reverse

from melior.measures.models import Annotation, Observation
from melior.measures.services import record_observation
from melior.projects.services import create_project


@pytest.fixture
def series(world, weekly):
    import datetime

    weekly([40 + week % 5 for week in range(20)], denominator=60, start=datetime.date(2025, 1, 6))
    return world


def login(client, world, key):
    client.force_login(world.users[key])
    return client


def panel_url(world, name):
    """URL of one of the site × measure panel's forms, at the world's school."""
    return reverse(
        name,
        kwargs={
            "network": world.network.slug,
            "site": world.school.slug,
            "measure": world.measure.slug,
        },
    )


def site_measure_url(world, school=None, measure=None):
    return reverse(
        "site-measure",
        kwargs={
            "network": world.network.slug,
            "site": (school or world.school).slug,
            "measure": (measure or world.measure).slug,
        },
    )


def test_anonymous_users_are_sent_to_log_in(client, world):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_login_page_logs_in_with_a_password(client, world):
    response = client.post(
        reverse("login"), {"username": "net-viewer", "password": "pw-melior-1"}, follow=True
    )
    assert response.status_code == 200
    assert world.network.name in response.text


def test_login_with_a_wrong_password_says_so(client, world):
    response = client.post(reverse("login"), {"username": "net-viewer", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.text


def test_home_lists_only_the_users_networks(client, world):
    text = login(client, world, "school:team_member").get(reverse("home")).text
    assert world.network.name in text
    assert world.other_network.name not in text


def test_network_page_lists_sites_and_measures(client, world):
    text = (
        login(client, world, "network:viewer")
        .get(reverse("network", kwargs={"network": world.network.slug}))
        .text
    )
    for expected in (
        world.school.name,
        world.sibling_school.name,
        world.measure.name,
        "Cedar District",
    ):
        assert expected in text


def test_school_member_sees_only_their_school_on_the_network_page(client, world):
    text = (
        login(client, world, "school:site_lead")
        .get(reverse("network", kwargs={"network": world.network.slug}))
        .text
    )
    assert world.school.name in text
    assert world.sibling_school.name not in text


def test_other_networks_pages_are_not_found(client, world):
    c = login(client, world, "outsider")
    assert c.get(reverse("network", kwargs={"network": world.network.slug})).status_code == 404
    assert c.get(site_measure_url(world)).status_code == 404


def test_site_measure_page_shows_chart_data_and_signals(client, series):
    response = login(client, series, "school:team_member").get(site_measure_url(series))
    assert response.status_code == 200
    assert 'data-vega-spec="chart-spec"' in response.text
    assert '<script id="chart-spec" type="application/json">' in response.text
    assert "Add a period" in response.text


def test_viewer_sees_the_chart_but_no_data_entry(client, series):
    response = login(client, series, "network:viewer").get(site_measure_url(series))
    assert response.status_code == 200
    assert "Add a period" not in response.text


def test_viewer_cannot_post_an_observation(client, world, monday):
    url = panel_url(world, "observation-form")
    response = login(client, world, "network:viewer").post(
        url, {"period_start": monday.isoformat(), "numerator": "1", "denominator": "2"}
    )
    assert response.status_code == 403
    assert "Not allowed" in response.text
    assert not Observation.objects.exists()


def test_team_member_adds_an_observation_through_htmx(client, world, monday):
    url = panel_url(world, "observation-form")
    response = login(client, world, "school:team_member").post(
        url,
        {"period_start": monday.isoformat(), "numerator": "30", "denominator": "40"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#measure-panel"
    assert "Saved the period starting Sep 1, 2025" in response.text
    obs = Observation.objects.get()
    assert (obs.numerator, obs.denominator, obs.entered_by.username) == (
        30,
        40,
        "school-team_member",
    )


def test_a_wrong_number_comes_back_on_the_form_with_the_field_named(client, world, monday):
    url = panel_url(world, "observation-form")
    c = login(client, world, "school:team_member")
    response = c.post(
        url,
        {"period_start": monday.isoformat(), "numerator": "50", "denominator": "40"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "cannot be larger than the denominator" in response.text
    assert "has-error" in response.text
    assert "HX-Retarget" not in response
    # without htmx the whole page comes back with a 400
    response = c.post(
        url, {"period_start": monday.isoformat(), "numerator": "50", "denominator": "40"}
    )
    assert response.status_code == 400
    assert "cannot be larger than the denominator" in response.text
    assert not Observation.objects.exists()


def test_correcting_a_period_prefills_the_form(client, world, monday):
    obs = record_observation(
        measure=world.measure, organization=world.school, period=monday, numerator=3, denominator=9
    )
    url = panel_url(world, "observation-form")
    c = login(client, world, "school:site_lead")
    text = c.get(url, {"correct": obs.pk}).text
    assert "Correct a period" in text and 'value="9"' in text
    assert c.get(url, {"correct": "abc"}).status_code == 404  # not a crash
    c.post(
        url,
        {
            "period_start": monday.isoformat(),
            "numerator": "4",
            "denominator": "9",
            "correcting": obs.pk,
        },
    )
    obs.refresh_from_db()
    assert obs.numerator == 4


def test_annotation_is_added_and_validated(client, world):
    url = panel_url(world, "annotation-form")
    c = login(client, world, "school:team_member")
    response = c.post(
        url, {"date": "2025-10-01", "text": "Started exit tickets"}, HTTP_HX_REQUEST="true"
    )
    assert "Started exit tickets" in response.text
    response = c.post(url, {"date": "", "text": "no date"}, HTTP_HX_REQUEST="true")
    assert "This field is required" in response.text
    assert Annotation.objects.count() == 1


def test_project_charter_page_and_edit_rights(client, world):
    project = create_project(
        network=world.network,
        site=world.school,
        title="On-track at Lincoln",
        aim_statement="From 60% to 75% by June.",
        aim_measure=world.measure,
    )
    detail = reverse("project", kwargs={"network": world.network.slug, "project": project.pk})
    edit = reverse("project-edit", kwargs={"network": world.network.slug, "project": project.pk})
    text = login(client, world, "school:viewer").get(detail).text
    assert "From 60% to 75% by June." in text and "Edit charter" not in text
    assert client.get(edit).status_code == 403
    # a team member may edit only once on the project team
    c = login(client, world, "school:team_member")
    assert c.get(edit).status_code == 403
    project.team.add(world.users["school:team_member"])
    response = c.post(
        edit,
        {
            "title": "On-track at Lincoln",
            "aim_statement": "From 60% to 80%.",
            "status": "active",
            "target_value": "lots",
        },
    )
    assert response.status_code == 400 and "Enter a number" in response.text
    response = c.post(
        edit,
        {"title": "On-track at Lincoln", "aim_statement": "From 60% to 80%.", "status": "active"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.aim_statement == "From 60% to 80%."
    # a site lead at the sibling school sees nothing of it
    assert login(client, world, "outsider").get(detail).status_code == 404


def test_unknown_pages_are_friendly(client, world):
    response = login(client, world, "network:viewer").get("/n/no-such-network/")
    assert response.status_code == 404
    assert "Not found" in response.text and "Traceback" not in response.text


def test_server_errors_show_no_stack_trace(client, world, settings, monkeypatch):
    from melior.dashboard import views

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "projects_for", boom)
    client.raise_request_exception = False
    settings.DEBUG = False
    response = login(client, world, "network:viewer").get(
        reverse("network", kwargs={"network": world.network.slug})
    )
    assert response.status_code == 500
    assert "Server error" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text


def test_health_check(client, db):
    assert client.get("/healthz").text == "ok"


def test_network_page_shows_where_each_visible_site_stands(client, series):
    from django.core.cache import cache

    cache.clear()
    url = reverse("network", kwargs={"network": series.network.slug})
    text = login(client, series, "network:viewer").get(url).text
    assert "Where each site stands" in text
    assert 'title="On track at Lincoln High: no change"' in text
    assert 'title="On track at Parks High: no data"' in text
    # a school member sees only their own school's row
    text = login(client, series, "school:viewer").get(url).text
    assert "at Lincoln High" in text and "at Parks High" not in text


def test_status_table_is_recomputed_when_data_change(series):
    import datetime

    from melior.measures.across_sites.status import status_table

    before = status_table(series.network)
    assert before.statuses[(series.school.pk, series.measure.pk)] == "no change"
    for week in range(20, 26):  # six weeks far above the usual level
        record_observation(
            measure=series.measure, organization=series.school,
            period=datetime.date(2025, 1, 6) + datetime.timedelta(weeks=week),
            numerator=58, denominator=60,
        )  # fmt: skip
    after = status_table(series.network)
    assert after.statuses[(series.school.pk, series.measure.pk)] == "improving"


def test_measure_page_shows_the_network_chart_funnel_and_sites(client, series):
    import datetime

    for week in range(20):  # a second school, far above the first
        record_observation(
            measure=series.measure, organization=series.sibling_school,
            period=datetime.date(2025, 1, 6) + datetime.timedelta(weeks=week),
            numerator=58, denominator=60,
        )  # fmt: skip
    url = reverse("measure", kwargs={"network": series.network.slug, "measure": "on-track"})
    text = login(client, series, "network:viewer").get(url).text
    assert 'data-vega-spec="network-chart-spec"' in text
    assert 'data-vega-spec="funnel-spec"' in text
    # two sites this far apart are mostly between-site variation: the funnel allows for it
    assert "differ from each other more than chance alone would explain" in text
    assert "φ" not in text.split("<details")[0]  # the figure is one click away, not in the way
    assert "Every site is within the 99.8% limits." in text
    # every site is named in the list under the funnel, with its rate and size
    assert "Every site on the funnel (2)" in text
    assert "<td>Parks High</td><td>96.7%</td><td>720</td>" in text  # 12 weeks of 60
    assert "Operational definition" in text
    # a school member's network view is their school alone: no funnel of one site
    text = login(client, series, "school:viewer").get(url).text
    assert "Parks High" not in text
    assert "A funnel plot needs at least two sites." in text


def test_small_multiples_one_chart_per_visible_site(client, series):
    from melior.measures.across_sites.multiples import small_multiples

    lines = small_multiples(series.measure, [series.school, series.sibling_school], sort="name")
    assert [line.site.name for line in lines] == ["Lincoln High", "Parks High"]
    assert lines[0].line.count(",") == 20 and lines[1].status == "no data"
    url = reverse(
        "measure-multiples", kwargs={"network": series.network.slug, "measure": "on-track"}
    )
    c = login(client, series, "network:viewer")
    text = c.get(url, {"sort": "name"}, HTTP_HX_REQUEST="true").text
    assert text.index("Lincoln High") < text.index("Parks High")
    assert "<polyline" in text and "Show more" not in text
    assert c.get(url, {"sort": "nonsense"}).status_code == 200  # falls back to the default order
    assert "Parks High" not in login(client, series, "school:viewer").get(url).text


def test_small_multiples_on_one_shared_scale_compare_levels_and_show_their_axes(client, series):
    import datetime

    from melior.measures.across_sites.multiples import small_multiples

    for week in range(20):  # Parks runs near 95%, Lincoln near 70%
        record_observation(
            measure=series.measure, organization=series.sibling_school,
            period=datetime.date(2025, 1, 6) + datetime.timedelta(weeks=week),
            numerator=56 + week % 3, denominator=60,
        )  # fmt: skip
    sites = [series.school, series.sibling_school]
    own = small_multiples(series.measure, sites, sort="name")[0:2]
    shared = small_multiples(series.measure, sites, sort="name", scale="shared")[0:2]
    # on their own scales each chart fills its height; on the shared one the two charts read
    # from the same bottom and top, so Lincoln's line sits low and Parks's high
    assert own[0].high_label != own[1].high_label
    assert shared[0].high_label == shared[1].high_label
    assert shared[0].low_label == shared[1].low_label

    def mean_height(line) -> float:
        return sum(float(p.split(",")[1]) for p in line.line.split()) / 20

    assert mean_height(shared[0]) > mean_height(shared[1]) + 20  # SVG y grows downwards
    assert shared[0].first_period == datetime.date(2025, 1, 6)
    url = reverse(
        "measure-multiples", kwargs={"network": series.network.slug, "measure": "on-track"}
    )
    text = login(client, series, "network:viewer").get(url, {"scale": "shared"}).text
    assert 'value="shared" selected' in text
    assert '<span class="x-axis" aria-hidden="true"><span>Jan 6, 2025</span>' in text


def test_status_table_says_whether_a_target_will_be_met(client, series):
    series.measure.target = 95  # percent; Lincoln runs near 70%
    series.measure.save()
    url = reverse("network", kwargs={"network": series.network.slug})
    text = login(client, series, "network:viewer").get(url).text
    assert "On track at Lincoln High: no change; will reliably miss the target" in text
    series.measure.target = 40
    series.measure.save()
    text = client.get(url).text
    assert "On track at Lincoln High: no change; will reliably meet the target" in text


def test_small_multiples_sort_by_improvement(series):
    import datetime

    from melior.measures.across_sites.multiples import small_multiples

    for week in range(20):  # Parks climbs from 30% to 60%; Lincoln's series is flat-ish
        record_observation(
            measure=series.measure, organization=series.sibling_school,
            period=datetime.date(2025, 1, 6) + datetime.timedelta(weeks=week),
            numerator=18 if week < 10 else 36, denominator=60,
        )  # fmt: skip
    lines = small_multiples(
        series.measure, [series.school, series.sibling_school], sort="improvement"
    )
    assert [line.site.name for line in lines] == ["Parks High", "Lincoln High"]
    assert lines[0].change == pytest.approx(0.3)
