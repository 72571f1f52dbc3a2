"""The network's data version: every write to its measures, observations, notes and chart
settings moves it on in the same transaction, so views cached under it are never stale."""

import datetime
import io
import json
import zipfile

import pytest
from django.db import transaction
from django.urls import reverse

from melior.api.services import create_token
from melior.measures.across_sites.keys import data_version
from melior.measures.across_sites.status import status_table
from melior.measures.imports import import_observations
from melior.measures.models import Observation
from melior.measures.services import (
    add_annotation,
    create_measure,
    record_observation,
    save_chart_setting,
)
from melior.networks.models import Network

MONDAY = datetime.date(2025, 9, 1)


@pytest.fixture
def bumped(world):
    """Asserts that the block moves the network's version on and leaves the other's alone."""

    class Check:
        def __init__(self):
            self.before = data_version(world.network.pk)
            self.other = data_version(world.other_network.pk)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            if exc[0] is None:
                assert data_version(world.network.pk) > self.before
                assert data_version(world.other_network.pk) == self.other

    return Check


def test_entering_and_correcting_an_observation(world, weekly, bumped):
    with bumped():
        weekly([20], denominator=40)
    with bumped():
        record_observation(
            measure=world.measure,
            organization=world.school,
            period=MONDAY,
            numerator=25,
            denominator=40,
            correcting=Observation.objects.get(),
        )


def test_deleting_an_observation(world, weekly, bumped):
    weekly([20], denominator=40)
    with bumped():
        Observation.objects.get().delete()


def test_notes_chart_settings_and_measures(world, bumped):
    with bumped():
        add_annotation(
            measure=world.measure, organization=world.school, date=MONDAY, text="Started"
        )
    with bumped():
        save_chart_setting(measure=world.measure, organization=world.school, chart="run")
    with bumped():
        world.measure.desired_direction = "down"
        world.measure.save()
    with bumped():
        create_measure(
            network=world.network,
            name="Attendance",
            slug="attendance",
            kind="process",
            value_type="proportion",
            frequency="weekly",
        )


def test_a_bulk_import_but_not_a_dry_run(world, bumped, tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(
        f"site,measure,period_start,numerator,denominator\n{world.school.slug},on-track,"
        f"{MONDAY},10,40\n"
    )
    before = data_version(world.network.pk)
    import_observations(world.network, path, dry_run=True)
    assert data_version(world.network.pk) == before
    with bumped():
        import_observations(world.network, path)
    unchanged = data_version(world.network.pk)
    import_observations(world.network, path)  # the same file again writes nothing
    assert data_version(world.network.pk) == unchanged


def test_the_api(world, bumped, client):
    key = create_token(user=world.users["network:network_lead"], name="test")[1]
    with bumped():
        response = client.post(
            f"/api/networks/{world.network.slug}/observations",
            json.dumps(
                {
                    "site": world.school.slug,
                    "measure": "on-track",
                    "period_start": str(MONDAY),
                    "numerator": 10,
                    "denominator": 40,
                }
            ),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert response.status_code == 201


def test_the_demo_loader(db):
    from melior.demo.generator import load_demo

    network = load_demo(sites=2).network
    loaded = data_version(network.pk)
    load_demo(sites=3)  # one more school's data
    assert data_version(network.pk) > loaded


def test_a_write_rolled_back_leaves_the_version(world, weekly):
    before = data_version(world.network.pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        weekly([20], denominator=40)
        raise RuntimeError
    assert data_version(world.network.pk) == before


@pytest.mark.django_db(transaction=True)  # flush empties the tables: nothing may be pending
def test_a_restored_network_starts_a_version_of_its_own(world, weekly):
    from django.core.management import call_command

    from melior.archive import export_archive, import_archive

    weekly([20] * 2, denominator=40)
    archived = data_version(world.network.pk)
    archive = export_archive(world.network)
    assert "data_version" not in zipfile.ZipFile(io.BytesIO(archive)).read("data.json").decode()
    call_command("flush", interactive=False, verbosity=0)
    restored = import_archive(archive)
    assert restored.pk == world.network.pk
    assert data_version(restored.pk) != archived  # the old instance's cache entries don't fit


def test_saving_a_network_read_earlier_keeps_the_newer_version(world, weekly):
    stale = Network.objects.get(pk=world.network.pk)
    weekly([20], denominator=40)
    moved = data_version(world.network.pk)
    stale.aim = "A new aim."
    stale.save()
    assert data_version(world.network.pk) == moved
    assert Network.objects.get(pk=world.network.pk).aim == "A new aim."


def test_changing_which_way_is_better_updates_the_status_table(world, weekly):
    weekly([10 if week < 12 else 30 for week in range(24)], denominator=40)
    key = (world.school.pk, world.measure.pk)
    assert status_table(world.network).statuses[key] == "improving"
    world.measure.desired_direction = "down"
    world.measure.save()
    assert status_table(world.network).statuses[key] == "worsening"


def test_the_school_chart_shows_a_new_note_at_once(world, weekly, client):
    weekly([20] * 12, denominator=40)
    client.force_login(world.users["network:network_lead"])
    url = reverse(
        "site-measure",
        kwargs={"network": world.network.slug, "site": world.school.slug, "measure": "on-track"},
    )
    assert "Began peer tutoring" not in client.get(url).content.decode()
    add_annotation(
        measure=world.measure,
        organization=world.school,
        date=MONDAY + datetime.timedelta(weeks=6),
        text="Began peer tutoring",
    )
    page = client.get(url).content.decode()
    start = page.index(">", page.index('id="chart-spec"')) + 1
    spec = json.loads(page[start : page.index("</script>", start)])
    assert "Began peer tutoring" in json.dumps(spec)


def _measure_version(measure) -> int:
    return type(measure).objects.values_list("data_version", flat=True).get(pk=measure.pk)


def test_a_measures_own_version_moves_only_with_its_own_data(world, weekly, tmp_path):
    on_track, referrals = _measure_version(world.measure), _measure_version(world.count_measure)
    weekly([20], denominator=40)
    assert _measure_version(world.measure) > on_track
    assert _measure_version(world.count_measure) == referrals
    on_track = _measure_version(world.measure)
    path = tmp_path / "data.csv"
    path.write_text(f"site,measure,period_start,value\n{world.school.slug},referrals,{MONDAY},3\n")
    import_observations(world.network, path)  # a bulk write: no model signals
    assert _measure_version(world.count_measure) > referrals
    assert _measure_version(world.measure) == on_track
    world.measure.target = 80  # an edit of the definition, read before the import
    world.measure.save()
    assert _measure_version(world.measure) > on_track


def _page(client, world, site) -> str:
    url = reverse(
        "site-measure",
        kwargs={"network": world.network.slug, "site": site.slug, "measure": "on-track"},
    )
    return client.get(url).content.decode()


def test_another_schools_figure_leaves_a_schools_chart_drawn_but_shows_across_the_network(
    world, weekly, client, monkeypatch
):
    from melior.measures import charts

    weekly([20] * 12, denominator=40)
    weekly([10] * 12, denominator=40, site=world.sibling_school)
    client.force_login(world.users["network:network_lead"])
    drawn = []
    real = charts.site_chart
    monkeypatch.setattr(charts, "site_chart", lambda *a, **k: drawn.append(1) or real(*a, **k))
    _page(client, world, world.school)
    assert len(drawn) == 1
    across = reverse("measure", kwargs={"network": world.network.slug, "measure": "on-track"})
    before = client.get(across).content.decode()
    record_observation(  # Parks High enters a week of 39 out of 40
        measure=world.measure,
        organization=world.sibling_school,
        period=MONDAY + datetime.timedelta(weeks=12),
        numerator=39,
        denominator=40,
    )
    _page(client, world, world.school)
    assert len(drawn) == 1  # Lincoln's chart did not change: read from the cache
    assert "Sep 1, 2025" in _page(client, world, world.sibling_school)
    assert len(drawn) == 2  # Parks' did
    after = client.get(across).content.decode()
    assert after != before  # the pooled chart counts the new week at once
    assert "2025-11-24" in after and "2025-11-24" not in before


def test_a_figure_for_one_measure_recomputes_that_measures_column_alone(world, weekly, monkeypatch):
    from melior.measures.across_sites import summary

    weekly([10 if week < 12 else 30 for week in range(24)], denominator=40)
    status_table(world.network)
    computed = []
    real = summary.compute_columns

    def spy(measures, sites=None):
        computed.append(([m.slug for m in measures], sites))
        return real(measures, sites)

    monkeypatch.setattr(summary, "compute_columns", spy)
    record_observation(
        measure=world.count_measure, organization=world.school, period=MONDAY, value=4
    )
    table = status_table(world.network)
    # the one series written to, from its own observations
    assert computed == [(["referrals"], {world.count_measure.pk: [world.school.pk]})]
    assert table.statuses[(world.school.pk, world.measure.pk)] == "improving"  # from its column
