import datetime
from typing import NamedTuple

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods
from django_htmx.http import reswap, retarget

from melior.core.forms import apply_service_errors, submit
from melior.core.imports import ImportRefused, Problem
from melior.core.pagination import page_of
from melior.core.uploads import keep_upload, upload_path
from melior.files import FileRefused
from melior.networks.selectors import current_sites_for, site_ids_with
from melior.networks.views import get_network, get_network_site

from . import exports, selectors, services
from .across_sites.multiples import SCALES, SORTS, small_multiples
from .across_sites.pooled import network_measure_view
from .charts import cached_site_chart, chart_result, series_fingerprint, site_chart
from .forms import AnnotationForm, ChartSettingForm, ImportForm, ObservationForm, mapping_from
from .imports import import_observations
from .markers import markers_for


def _context(request, network_slug: str, site_slug: str, measure_slug: str) -> dict:
    network = get_network(request, network_slug)
    link = get_network_site(request, network, site_slug)
    measure = get_object_or_404(selectors.measures_for(network), slug=measure_slug)
    return {
        "network": network,
        "link": link,
        "site": link.organization,
        "measure": measure,
        "can_enter_data": request.user.has_perm("networks.enter_data", link),
        "theory_nodes": selectors.theory_nodes(measure, site=link.organization),
    }


def _editable_context(request, network_slug: str, site_slug: str, measure_slug: str) -> dict:
    ctx = _context(request, network_slug, site_slug, measure_slug)
    if not ctx["can_enter_data"]:
        raise PermissionDenied
    return ctx


def _panel_context(ctx: dict, **forms) -> dict:
    """Everything the chart-and-data panel shows, read fresh. Forms passed in (bound, with
    errors) replace the blank ones that people who may enter data otherwise get."""
    link, measure = ctx["link"], ctx["measure"]
    observations = list(selectors.site_series(link, measure))
    annotations = list(selectors.site_annotations(link, measure))
    setting = selectors.chart_setting(link, measure)
    markers = markers_for(network=ctx["network"], site=ctx["site"], measure=measure)
    fingerprint = series_fingerprint(measure, observations, annotations, setting, markers)
    blank = {"form": None, "annotation_form": None, "chart_form": None}
    if ctx["can_enter_data"]:
        blank = {
            "form": ObservationForm(measure=measure),
            "annotation_form": AnnotationForm(),
            "chart_form": ChartSettingForm(
                initial={
                    "chart": setting.chart if setting else "",
                    "freeze_points": setting.freeze_points if setting else None,
                },
                split_dates=setting.split_dates if setting else (),
            ),
        }
    return {
        **ctx,
        **blank,
        **{name: form for name, form in forms.items() if form is not None},
        "chart": cached_site_chart(
            fingerprint, measure, observations, annotations, setting, markers
        ),
        "observations": observations[::-1],
        "series_fingerprint": fingerprint,
        "annotations": annotations,
    }


def _render_panel(request, ctx: dict, *, failed: bool = False, **forms):
    """The panel alone for htmx, the whole page otherwise (400 when a form was refused)."""
    panel = _panel_context(ctx, **forms)
    if request.htmx:
        return render(request, "measures/_panel.html", panel)
    return render(request, "measures/site_measure.html", panel, status=400 if failed else 200)


@login_required
def measure_page(request, network, measure):
    """A measure across the network: pooled chart, funnel plot, every site's chart, definition."""
    network = get_network(request, network)
    measure = get_object_or_404(selectors.measures_for(network), slug=measure)
    sites = _listed_sites(request.user, network)
    return render(
        request,
        "measures/measure_page.html",
        {
            "network": network,
            "measure": measure,
            "view": network_measure_view(measure, sites),
            "theory_nodes": selectors.theory_nodes(measure),
            **_multiples_context(request, measure, sites),
        },
    )


MULTIPLES_PER_PAGE = 48  # chart thumbnails: a heavy page


class ListedSite(NamedTuple):
    pk: int
    name: str
    slug: str
    enrolment: int | None


def _listed_sites(user, network) -> list[ListedSite]:
    """The visible sites with only what the measure page shows of them: plain tuples, as a
    network may have thousands."""
    rows = (
        current_sites_for(user, network)
        .order_by("name")
        .values_list("pk", "name", "slug", "enrolment")
    )
    return [ListedSite(*row) for row in rows]


def _multiples_context(request, measure, sites) -> dict:
    sort = request.GET.get("sort", "status")
    if sort not in SORTS:
        sort = "status"
    scale = request.GET.get("scale", "own")
    if scale not in SCALES:
        scale = "own"
    multiples = small_multiples(measure, sites, sort=sort, scale=scale)
    return {
        "multiples": page_of(request, multiples, per_page=MULTIPLES_PER_PAGE),
        "sort": sort,
        "sorts": SORTS,
        "scale": scale,
        "scales": SCALES,
    }


@login_required
def measure_multiples(request, network, measure):
    """More small multiples (the next page, or another order), for htmx."""
    network = get_network(request, network)
    measure = get_object_or_404(selectors.measures_for(network), slug=measure)
    sites = _listed_sites(request.user, network)
    context = {
        "network": network,
        "measure": measure,
        **_multiples_context(request, measure, sites),
    }
    template = (
        "measures/_multiples.html" if request.GET.get("page") else "measures/_multiples_grid.html"
    )
    return render(request, template, context)


@login_required
def site_measure(request, network, site, measure):
    return render(
        request,
        "measures/site_measure.html",
        _panel_context(_context(request, network, site, measure)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_observations_page(request, network):
    """Upload a file, see every problem or what would change, then import it."""
    network = get_network(request, network)
    allowed = site_ids_with(request.user, network, "enter_data")
    if not allowed:
        raise PermissionDenied
    ctx = {
        "network": network,
        "form": ImportForm(),
        "sources": list(network.import_mappings.values_list("source", flat=True)),
    }
    if request.method == "GET":
        return render(request, "measures/import.html", ctx)
    if request.POST.get("commit"):
        path = upload_path(request.user, request.POST.get("upload", ""))
        if path is None:
            ctx["refused"] = ImportRefused(
                [Problem(None, None, "The checked file has expired; upload it again.")]
            )
            return render(request, "measures/import.html", ctx, status=400)
        mapping = mapping_from(request.POST)
        try:
            ctx["report"] = import_observations(
                network, path, user=request.user, mapping=mapping, writable_sites=allowed
            )
            ctx["committed"] = True
            services.remember_mapping(
                network=network,
                source=request.POST.get("source", ""),
                mapping=mapping,
                user=request.user,
            )
        except ImportRefused as refused:  # the data changed since the check
            ctx["refused"] = refused
        finally:
            path.unlink(missing_ok=True)
        return render(request, "measures/import.html", ctx, status=400 if "refused" in ctx else 200)

    form = ImportForm(request.POST, request.FILES)
    ctx["form"] = form
    if not form.is_valid():
        return render(request, "measures/import.html", ctx, status=400)
    try:
        token, path = keep_upload(request.user, form.cleaned_data["file"])
    except FileRefused as refused:
        ctx["refused"] = ImportRefused([Problem(None, None, str(refused))])
        return render(request, "measures/import.html", ctx, status=400)
    mapping = form.mapping() or selectors.remembered_mapping(network, form.cleaned_data["source"])
    waiting = False  # only a file checked and found good waits for its import
    try:
        ctx["report"] = import_observations(
            network, path, mapping=mapping, dry_run=True, writable_sites=allowed
        )
        waiting = True
    except ImportRefused as refused:
        ctx["refused"] = refused
        return render(request, "measures/import.html", ctx, status=400)
    finally:
        if not waiting:
            path.unlink(missing_ok=True)
    ctx.update(upload=token, mapping=mapping, source=form.cleaned_data["source"])
    return render(request, "measures/import.html", ctx)


EXPORT_TYPES = {"csv": "text/csv", "svg": "image/svg+xml", "png": "image/png"}


@login_required
def site_measure_export(request, network, site, measure, fmt):
    """The site's chart as CSV data, SVG or PNG, as the page draws it."""
    if fmt not in EXPORT_TYPES:
        raise Http404("No such format")
    ctx = _context(request, network, site, measure)
    link, measure = ctx["link"], ctx["measure"]
    observations = list(selectors.site_series(link, measure))
    if not observations:
        raise Http404("No data to export yet")
    setting = selectors.chart_setting(link, measure)
    name = f"{link.organization.slug}-{measure.slug}.{fmt}"
    if fmt == "csv":
        result = chart_result(measure, observations, setting)[0]
        body = exports.chart_data_csv(result, measure, link.organization.name)
    else:
        chart = site_chart(
            measure, observations, list(selectors.site_annotations(link, measure)), setting
        )
        body = exports.render(chart.spec, fmt)
    response = HttpResponse(body, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def observation_form(request, network, site, measure):
    ctx = _editable_context(request, network, site, measure)
    measure, link = ctx["measure"], ctx["link"]
    series = selectors.site_series(link, measure)

    if request.method == "GET":
        correcting = None
        if request.GET.get("correct"):
            if not request.GET["correct"].isdigit():
                raise Http404("No such observation")
            correcting = get_object_or_404(series, pk=request.GET["correct"])
        initial = (
            {
                "period_start": correcting.period_start,
                "value": _plain(correcting.value),
                "numerator": _plain(correcting.numerator),
                "denominator": _plain(correcting.denominator),
                "correcting": correcting.pk,
            }
            if correcting
            else None
        )
        form = ObservationForm(initial=initial, measure=measure)
        return render(request, "measures/_observation_form.html", {**ctx, "form": form})

    form = ObservationForm(request.POST, measure=measure)
    if form.is_valid():
        data = form.cleaned_data
        correcting = None
        if data.get("correcting"):
            correcting = get_object_or_404(series, pk=data["correcting"])
        try:
            observation = services.record_observation(
                measure=measure,
                organization=link.organization,
                period=data["period_start"],
                user=request.user,
                value=data.get("value"),
                numerator=data.get("numerator"),
                denominator=data.get("denominator"),
                correcting=correcting,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            verb = "Corrected" if correcting else "Saved"
            ctx["saved"] = f"{verb} the period starting {date_format(observation.period_start)}."
            response = _render_panel(request, ctx)
            # The form targets itself (to show its errors); a saved period refreshes the panel.
            return reswap(retarget(response, "#measure-panel"), "outerHTML")
    if request.htmx:  # htmx swaps only 2xx answers by default
        return render(request, "measures/_observation_form.html", {**ctx, "form": form})
    return _render_panel(request, ctx, failed=True, form=form)


@login_required
@require_http_methods(["POST"])
def annotation_form(request, network, site, measure):
    ctx = _editable_context(request, network, site, measure)
    form = AnnotationForm(request.POST)
    submit(
        form,
        lambda data: services.add_annotation(
            measure=ctx["measure"],
            organization=ctx["site"],
            date=data["date"],
            text=data["text"],
            user=request.user,
        ),
    )
    failed = bool(form.errors)
    return _render_panel(request, ctx, failed=failed, annotation_form=form if failed else None)


@login_required
@require_http_methods(["POST"])
def chart_settings(request, network, site, measure):
    ctx = _editable_context(request, network, site, measure)
    link, measure = ctx["link"], ctx["measure"]
    setting = selectors.chart_setting(link, measure)
    current = list(setting.split_dates) if setting else []
    form = ChartSettingForm(request.POST, split_dates=current)

    def save(data):
        removed = set(data["remove_splits"])
        splits = [d for d in current if d not in removed]
        if data["split_at"]:
            splits.append(data["split_at"].isoformat())
        services.save_chart_setting(
            measure=measure,
            organization=link.organization,
            chart=data["chart"],
            split_dates=[datetime.date.fromisoformat(d) for d in splits],
            freeze_points=data["freeze_points"],
        )

    submit(form, save)
    failed = bool(form.errors)
    return _render_panel(request, ctx, failed=failed, chart_form=form if failed else None)


def _plain(number):
    if number is None:
        return ""
    return f"{number:g}"
