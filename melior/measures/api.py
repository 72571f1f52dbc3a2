"""API: measures, observations (read and write, same rules as the forms) and site charts."""

import datetime

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from melior import files
from melior.core.imports import ImportRefused, Problem
from melior.core.pagination import Pages
from melior.networks.api import network_or_404, site_or_404
from melior.networks.selectors import site_ids_with, sites_for

from . import selectors, services
from .charts import cached_site_chart, series_fingerprint
from .imports import import_observations
from .models import Observation

router = Router(tags=["measures"])


class MeasureOut(Schema):
    slug: str
    name: str
    kind: str
    description: str
    value_type: str
    unit: str
    numerator_definition: str
    denominator_definition: str
    data_source: str
    frequency: str
    desired_direction: str
    target: float | None
    default_chart: str


class ObservationOut(Schema):
    site: str = Field(..., alias="organization.slug")
    measure: str = Field(..., alias="measure.slug")
    period_start: datetime.date
    value: float | None
    numerator: float | None
    denominator: float | None
    updated_at: datetime.datetime


class ObservationIn(Schema):
    site: str
    measure: str
    period_start: datetime.date
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None


class ObservationFilter(Schema):
    measure: str | None = None
    site: str | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None


class ChartPoint(Schema):
    x: datetime.date
    y: float | None
    cl: float | None
    lcl: float | None
    ucl: float | None
    sigma_signal: bool


class ChartOut(Schema):
    chart: str
    status: str
    signals: list[str]
    notes: list[str]


@router.get("/{slug}/measures", response=list[MeasureOut])
def list_measures(request, slug: str):
    return selectors.measures_for(network_or_404(request, slug))


@router.get("/{slug}/measures/{measure}", response=MeasureOut)
def get_measure(request, slug: str, measure: str):
    return get_object_or_404(selectors.measures_for(network_or_404(request, slug)), slug=measure)


@router.get("/{slug}/observations", response=list[ObservationOut])
@paginate(Pages, page_size=500)
def list_observations(request, slug: str, filters: Query[ObservationFilter]):
    network = network_or_404(request, slug)
    rows = Observation.objects.filter(
        measure__network=network, organization__in=sites_for(request.user, network)
    ).select_related("measure", "organization")
    if filters.measure:
        rows = rows.filter(measure__slug=filters.measure)
    if filters.site:
        rows = rows.filter(organization__slug=filters.site)
    if filters.since:
        rows = rows.filter(period_start__gte=filters.since)
    if filters.until:
        rows = rows.filter(period_start__lte=filters.until)
    return rows.order_by("measure__slug", "organization__slug", "period_start")


def _write(request, slug: str, payload: ObservationIn, *, correct: bool):
    network = network_or_404(request, slug)
    link = site_or_404(request, network, payload.site)
    if not request.user.has_perm("networks.enter_data", link):
        raise PermissionDenied
    measure = get_object_or_404(selectors.measures_for(network), slug=payload.measure)
    existing = None
    if correct:
        existing = (
            selectors.site_series(link, measure).filter(period_start=payload.period_start).first()
        )
    observation = services.record_observation(
        measure=measure,
        organization=link.organization,
        period=payload.period_start,
        user=request.user,
        value=payload.value,
        numerator=payload.numerator,
        denominator=payload.denominator,
        correcting=existing,
    )
    saved = Observation.objects.select_related("measure", "organization").get(pk=observation.pk)
    return Status(200 if existing else 201, saved)


@router.post("/{slug}/observations", response={201: ObservationOut})
def add_observation(request, slug: str, payload: ObservationIn):
    """Add one period's value; a period that already has one is refused (use PUT)."""
    return _write(request, slug, payload, correct=False)


@router.put("/{slug}/observations", response={200: ObservationOut, 201: ObservationOut})
def put_observation(request, slug: str, payload: ObservationIn):
    """Add or correct one period's value (keyed by site, measure and period)."""
    return _write(request, slug, payload, correct=True)


class ImportOut(Schema):
    rows: int
    added: int
    changed: int
    unchanged: int
    dry_run: bool
    summary: str


@router.post("/{slug}/observations/import", response=ImportOut)
def import_observations_file(
    request, slug: str, file: File[UploadedFile], dry_run: Form[bool] = False
):
    """Import a CSV or XLSX file of observations, as the import page does: all or nothing; a
    refused file answers 400 with every problem (row, column, value, message)."""
    network = network_or_404(request, slug)
    allowed = site_ids_with(request.user, network, "enter_data")
    if not allowed:
        raise PermissionDenied
    try:
        files.check_size(file.size or 0)
        data = file.read(files.MAX_FILE_BYTES + 1)
    except files.FileRefused as refused:
        raise ImportRefused([Problem(None, None, str(refused))]) from None
    return import_observations(
        network, data, name=file.name or "", user=request.user, dry_run=dry_run,
        writable_sites=allowed,
    )  # fmt: skip


@router.get("/{slug}/sites/{site}/measures/{measure}/chart", response=ChartOut)
def site_measure_chart(request, slug: str, site: str, measure: str):
    """The site's chart of the measure as the app shows it: chart kind, status and signals."""
    network = network_or_404(request, slug)
    link = site_or_404(request, network, site)
    measure = get_object_or_404(selectors.measures_for(network), slug=measure)
    series = (
        measure,
        list(selectors.site_series(link, measure)),
        list(selectors.site_annotations(link, measure)),
        selectors.chart_setting(link, measure),
    )
    chart = cached_site_chart(series_fingerprint(*series), *series)
    return {
        "chart": chart.kind,
        "status": chart.status,
        "signals": [s.text for s in chart.sentences],
        "notes": chart.notes,
    }
