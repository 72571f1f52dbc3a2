"""Each series' status stored in the database (across_sites/stored.py): the status table with
an empty cache reads them instead of every observation, and computes again only the series
written to since — or a measure's whole column after a change to its definition or a bulk
write. A status stored is never older than the data it shows."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from melior.measures.across_sites import summary
from melior.measures.across_sites.status import status_table
from melior.measures.across_sites.stored import ENGINE
from melior.measures.imports import import_observations
from melior.measures.models import Measure, Observation, SeriesStatus
from melior.measures.services import add_annotation, record_observation, save_chart_setting

MONDAY = datetime.date(2025, 9, 1)
WEEK = datetime.timedelta(weeks=1)
RISING = [10 if week < 12 else 30 for week in range(24)]  # out of 40: a shift upwards
STEADY = [19, 21, 20, 22, 18, 21] * 4


@pytest.fixture
def two_schools(world, weekly):
    """Lincoln steady about 20 of 40 for 24 weeks, Parks rising from 10 to 30 of 40; the table
    computed once."""
    weekly(STEADY, denominator=40)
    weekly(RISING, denominator=40, site=world.sibling_school)
    table = status_table(world.network)
    assert table.statuses[(world.school.pk, world.measure.pk)] == "no change"
    assert table.statuses[(world.sibling_school.pk, world.measure.pk)] == "improving"
    return world


@pytest.fixture
def computed(monkeypatch):
    """What the batch engine is asked for: (measure slugs, the sites of each or None for all)."""
    asked = []
    real = summary.compute_columns

    def spy(measures, sites=None):
        asked.append(([m.slug for m in measures], sites))
        return real(measures, sites)

    monkeypatch.setattr(summary, "compute_columns", spy)
    return asked


def _cold_without_computing(world, monkeypatch):
    """The table with an empty cache, failing if anything is computed."""

    def refuse(*args, **kwargs):
        raise AssertionError("computed a status instead of reading it")

    cache.clear()
    with monkeypatch.context() as patch:
        patch.setattr(summary, "compute_columns", refuse)
        return status_table(world.network)


def _status(table, world, site=None):
    row = dict((m.pk, status) for m, status, _ in table.row((site or world.school).pk))
    return row[world.measure.pk]


def test_one_figure_recomputes_that_schools_series_alone(two_schools, computed, monkeypatch):
    world = two_schools
    record_observation(  # Lincoln: 39 of 40, far above its limits
        measure=world.measure,
        organization=world.school,
        period=MONDAY + 24 * WEEK,
        numerator=39,
        denominator=40,
    )
    table = status_table(world.network)
    assert _status(table, world) == "improving"
    assert _status(table, world, world.sibling_school) == "improving"
    assert computed == [(["on-track"], {world.measure.pk: [world.school.pk]})]
    assert _status(_cold_without_computing(world, monkeypatch), world) == "improving"


def test_with_the_cache_empty_the_table_reads_the_stored_statuses(two_schools, monkeypatch):
    world = two_schools
    warm = status_table(world.network)
    with CaptureQueriesContext(connection) as queries:
        cold = _cold_without_computing(world, monkeypatch)
    assert cold.statuses == warm.statuses and cold.standing == warm.standing
    # the network's version, its measures, the stored statuses: nothing of the observations
    assert len(queries) == 3
    assert "observation" not in " ".join(q["sql"] for q in queries.captured_queries)


def test_a_note_or_a_chart_setting_computes_nothing(two_schools, monkeypatch):
    world = two_schools
    add_annotation(measure=world.measure, organization=world.school, date=MONDAY, text="Calls")
    save_chart_setting(measure=world.measure, organization=world.school, chart="run")
    assert _status(_cold_without_computing(world, monkeypatch), world) == "no change"


@pytest.mark.parametrize("change", ["direction", "target"])
def test_a_change_to_the_definition_recomputes_the_whole_column(
    two_schools, computed, monkeypatch, change
):
    world = two_schools
    measure = Measure.objects.get(pk=world.measure.pk)
    if change == "direction":
        measure.desired_direction = "down"
    else:
        measure.target = 90  # far above both schools' limits: reliably missed
    measure.save()
    assert Measure.objects.get(pk=measure.pk).statuses_engine is None
    table = status_table(world.network)
    assert computed == [(["on-track"], None)]
    if change == "direction":
        assert _status(table, world, world.sibling_school) == "worsening"
    else:
        cells = dict((m.pk, a) for m, _, a in table.row(world.sibling_school.pk))
        assert cells[world.measure.pk] == "consistent_fail"
    assert Measure.objects.get(pk=measure.pk).statuses_engine == ENGINE
    assert _cold_without_computing(world, monkeypatch).statuses == table.statuses


def test_a_bulk_import_leaves_the_measure_to_compute_again(
    two_schools, computed, monkeypatch, tmp_path
):
    world = two_schools
    path = tmp_path / "data.csv"
    rows = "".join(
        f"{world.school.slug},on-track,{MONDAY + (24 + w) * WEEK},39,40\n" for w in range(3)
    )
    path.write_text("site,measure,period_start,numerator,denominator\n" + rows)
    import_observations(world.network, path)  # no model signals: the measure is marked
    assert Measure.objects.get(pk=world.measure.pk).statuses_engine is None
    table = status_table(world.network)
    assert computed == [(["on-track"], None)]
    assert _status(table, world) == "improving"
    assert _cold_without_computing(world, monkeypatch).statuses == table.statuses


def test_a_school_whose_figures_are_all_deleted_has_no_data(two_schools, weekly, monkeypatch):
    world = two_schools
    Observation.objects.filter(organization=world.school).delete()
    assert _status(status_table(world.network), world) == "no data"
    assert not SeriesStatus.objects.filter(organization=world.school).exists()
    assert _status(_cold_without_computing(world, monkeypatch), world) == "no data"
    weekly(STEADY, denominator=40)  # entered again
    assert _status(status_table(world.network), world) == "no change"


def test_a_figure_entered_while_a_series_is_computed_keeps_its_mark(two_schools, monkeypatch):
    world = two_schools
    record_observation(
        measure=world.measure,
        organization=world.school,
        period=MONDAY + 24 * WEEK,
        numerator=20,
        denominator=40,
    )
    real = summary.compute_columns

    def figure_meanwhile(measures, sites=None):
        columns = real(measures, sites)  # computed from the data as it was read
        record_observation(  # another figure at Lincoln lands before the status is stored
            measure=world.measure,
            organization=world.school,
            period=MONDAY + 25 * WEEK,
            numerator=39,
            denominator=40,
        )
        return columns

    with monkeypatch.context() as patch:
        patch.setattr(summary, "compute_columns", figure_meanwhile)
        assert _status(status_table(world.network), world) == "no change"  # as it was read
    assert SeriesStatus.objects.get(measure=world.measure, organization=world.school).stale
    assert _status(status_table(world.network), world) == "improving"
    assert _status(_cold_without_computing(world, monkeypatch), world) == "improving"


def test_a_figure_entered_while_a_column_is_computed_leaves_it_to_compute_again(
    two_schools, monkeypatch
):
    world = two_schools
    world.measure.desired_direction = "down"
    world.measure.save()
    real = summary.compute_columns

    def figure_meanwhile(measures, sites=None):
        columns = real(measures, sites)
        record_observation(
            measure=world.measure,
            organization=world.school,
            period=MONDAY + 24 * WEEK,
            numerator=39,
            denominator=40,
        )
        return columns

    with monkeypatch.context() as patch:
        patch.setattr(summary, "compute_columns", figure_meanwhile)
        status_table(world.network)
    assert Measure.objects.get(pk=world.measure.pk).statuses_engine is None
    assert _status(status_table(world.network), world) == "worsening"  # higher is worse now
    assert _status(_cold_without_computing(world, monkeypatch), world) == "worsening"


def test_deleting_a_school_or_a_measure_with_figures_takes_their_statuses(two_schools):
    world = two_schools
    world.sibling_school.delete()
    assert set(SeriesStatus.objects.values_list("organization_id", flat=True)) == {world.school.pk}
    world.measure.delete()
    assert not SeriesStatus.objects.exists()
    connection.check_constraints()  # no row made for a record on its way out


def test_a_new_release_of_the_status_rules_computes_every_column_again(
    two_schools, computed, monkeypatch
):
    from melior.measures.across_sites import stored

    world = two_schools
    monkeypatch.setattr(stored, "ENGINE", ENGINE + 1)
    cache.clear()
    status_table(world.network)
    assert sorted(computed) == [(["on-track", "referrals"], None)]
    assert set(Measure.objects.values_list("statuses_engine", flat=True)) == {ENGINE + 1}


@pytest.mark.django_db(transaction=True)  # flush empties the tables: nothing may be pending
def test_a_restored_archive_computes_its_statuses_again(world, weekly, monkeypatch):
    import io
    import zipfile

    from django.core.management import call_command

    from melior.archive import export_archive, import_archive

    weekly(RISING, denominator=40)
    before = status_table(world.network).statuses
    archive = export_archive(world.network)
    data = zipfile.ZipFile(io.BytesIO(archive)).read("data.json").decode()
    assert "seriesstatus" not in data and "statuses_engine" not in data
    call_command("flush", interactive=False, verbosity=0)
    cache.clear()
    restored = import_archive(archive)
    assert set(Measure.objects.values_list("statuses_engine", flat=True)) == {None}
    assert status_table(restored).statuses == before
    assert _cold_without_computing(world, monkeypatch).statuses == before


def test_many_stale_series_compute_the_whole_column(two_schools, computed, monkeypatch):
    from melior.measures.across_sites import stored

    world = two_schools
    monkeypatch.setattr(stored, "MOST_STALE", 1)
    for site in (world.school, world.sibling_school):
        record_observation(
            measure=world.measure, organization=site, period=MONDAY + 24 * WEEK,
            numerator=39, denominator=40,
        )  # fmt: skip
    table = status_table(world.network)
    assert computed == [(["on-track"], None)]
    assert _status(table, world) == "improving"
    assert not SeriesStatus.objects.filter(stale=True).exists()
