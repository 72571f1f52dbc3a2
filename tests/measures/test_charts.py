"""The site × measure chart: the right chart, signals in words, remembered splits and baselines."""

import datetime

import pytest
from django.urls import reverse

from melior.measures.charts import site_chart
from melior.measures.models import ChartSetting
from melior.measures.selectors import site_series
from melior.measures.services import record_observation, save_chart_setting
from melior.networks.models import NetworkSite

START = datetime.date(2025, 1, 6)


@pytest.fixture
def shifted(world, weekly):
    """20 weeks near 50%, then 20 weeks near 70%: a real improvement."""
    weekly(
        [(50 if week < 20 else 70) + (week % 3) - 1 for week in range(40)],
        denominator=100,
        start=START,
    )
    return world


def chart_for(world, setting=None):
    link = NetworkSite.objects.get(network=world.network, organization=world.school)
    observations = list(site_series(link, world.measure))
    return site_chart(world.measure, observations, [], setting)


def test_improvement_reads_as_improving(shifted):
    chart = chart_for(shifted)
    assert chart.kind == "p"
    assert chart.status == "improving"
    assert any(s.tone == "improving" for s in chart.sentences)
    assert chart.spec["layer"]


def test_worse_is_worse_when_lower_is_better(shifted):
    shifted.measure.desired_direction = "down"
    assert chart_for(shifted).status == "worsening"


def test_split_at_the_change_date_recomputes_each_part(shifted):
    setting = save_chart_setting(
        measure=shifted.measure,
        organization=shifted.school,
        split_dates=[START + datetime.timedelta(weeks=20)],
    )
    chart = chart_for(shifted, setting)
    assert chart.parts == [str(START + datetime.timedelta(weeks=20))]
    assert all(s.text.startswith("Part ") for s in chart.sentences)


def test_split_too_near_the_end_is_explained_not_crashed(shifted):
    setting = save_chart_setting(
        measure=shifted.measure,
        organization=shifted.school,
        split_dates=[START + datetime.timedelta(weeks=39)],
        freeze_points=10,
    )
    chart = chart_for(shifted, setting)
    assert chart.parts == [] and chart.freeze == 10
    assert "too close" in chart.notes[0]


def test_a_count_measure_charts_without_denominators(world):
    for week in range(12):
        record_observation(
            measure=world.count_measure, organization=world.school,
            period=START + datetime.timedelta(weeks=week), value=week % 4,
        )  # fmt: skip
    link = NetworkSite.objects.get(network=world.network, organization=world.school)
    chart = site_chart(world.count_measure, list(site_series(link, world.count_measure)), [], None)
    assert chart.kind == "c" and chart.spec is not None


def chart_settings_url(world):
    kwargs = {"network": world.network.slug, "site": world.school.slug, "measure": "on-track"}
    return reverse("chart-settings", kwargs=kwargs)


def test_chart_choices_are_remembered_through_the_page(client, shifted):
    url = chart_settings_url(shifted)
    client.force_login(shifted.users["school:site_lead"])
    response = client.post(url, {"chart": "run", "split_at": "2025-05-26"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "split at 2025-05-26" in response.text
    setting = ChartSetting.objects.get()
    assert (setting.chart, setting.split_dates) == ("run", ["2025-05-26"])
    page = client.get(
        reverse(
            "site-measure",
            kwargs={
                "network": shifted.network.slug,
                "site": shifted.school.slug,
                "measure": "on-track",
            },
        )
    )
    assert "Run chart" in page.text and "split at 2025-05-26" in page.text
    client.post(
        url,
        {"chart": "run", "remove_splits": ["2025-05-26"], "freeze_points": "1"},
        HTTP_HX_REQUEST="true",
    )
    setting.refresh_from_db()
    assert setting.split_dates == ["2025-05-26"]  # the bad freeze value saved nothing
    client.post(url, {"chart": "run", "remove_splits": ["2025-05-26"]}, HTTP_HX_REQUEST="true")
    setting.refresh_from_db()
    assert setting.split_dates == []


def test_viewer_cannot_change_chart_choices(client, shifted):
    url = chart_settings_url(shifted)
    client.force_login(shifted.users["network:viewer"])
    assert client.post(url, {"chart": "run"}).status_code == 403
    assert not ChartSetting.objects.exists()


def test_latest_signals_at_a_site_and_across_the_network(shifted):
    from melior.measures.spc_status import latest_signals

    measures = [shifted.measure, shifted.count_measure]
    at_site = latest_signals(measures, organization=shifted.school)
    assert at_site == {shifted.measure.pk: "improving", shifted.count_measure.pk: "no data"}
    assert (
        latest_signals(measures, organization=shifted.sibling_school)[shifted.measure.pk]
        == "no data"
    )
    assert latest_signals(measures)[shifted.measure.pk] == "improving"


def test_downloads_of_the_chart_and_its_data(client, shifted):
    client.force_login(shifted.users["school:viewer"])
    kwargs = {"network": shifted.network.slug, "site": shifted.school.slug, "measure": "on-track"}
    csv_response = client.get(reverse("site-measure-export", kwargs={**kwargs, "fmt": "csv"}))
    lines = csv_response.content.decode().splitlines()
    assert lines[0].startswith("site,measure,period_start,y,cl,lcl,ucl")
    assert len(lines) == 41 and lines[1].startswith("Lincoln High,On track,2025-01-06,0.49,")
    svg = client.get(reverse("site-measure-export", kwargs={**kwargs, "fmt": "svg"}))
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<svg")
    png = client.get(reverse("site-measure-export", kwargs={**kwargs, "fmt": "png"}))
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert (
        client.get(reverse("site-measure-export", kwargs={**kwargs, "fmt": "exe"})).status_code
        == 404
    )
    client.force_login(shifted.users["outsider"])
    assert (
        client.get(reverse("site-measure-export", kwargs={**kwargs, "fmt": "csv"})).status_code
        == 404
    )
