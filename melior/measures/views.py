import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods
from django_htmx.http import reswap, retarget

from melior.networks.views import get_network, get_network_site

from . import selectors, services
from .charts import site_chart
from .forms import AnnotationForm, ChartSettingForm, ObservationForm


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
    }


def _panel_context(ctx: dict, chart_form: ChartSettingForm | None = None) -> dict:
    """Everything the chart-and-data panel shows, read fresh."""
    link, measure = ctx["link"], ctx["measure"]
    observations = list(selectors.site_series(link, measure))
    annotations = list(selectors.site_annotations(link, measure))
    setting = selectors.chart_setting(link, measure)
    if chart_form is None and ctx["can_enter_data"]:
        chart_form = ChartSettingForm(
            initial={
                "chart": setting.chart if setting else "",
                "freeze_points": setting.freeze_points if setting else None,
            },
            split_dates=setting.split_dates if setting else (),
        )
    return {
        **ctx,
        "chart": site_chart(measure, observations, annotations, setting),
        "chart_form": chart_form,
        "observations": observations[::-1],
        "annotations": annotations,
    }


@login_required
def measure_definition(request, network, measure):
    network = get_network(request, network)
    measure = get_object_or_404(selectors.measures_for(network), slug=measure)
    return render(
        request, "measures/measure_definition.html", {"network": network, "measure": measure}
    )


@login_required
def site_measure(request, network, site, measure):
    ctx = _panel_context(_context(request, network, site, measure))
    ctx["form"] = ObservationForm(measure=ctx["measure"]) if ctx["can_enter_data"] else None
    ctx["annotation_form"] = AnnotationForm() if ctx["can_enter_data"] else None
    return render(request, "measures/site_measure.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def observation_form(request, network, site, measure):
    ctx = _context(request, network, site, measure)
    if not ctx["can_enter_data"]:
        raise PermissionDenied
    measure, link = ctx["measure"], ctx["link"]
    series = selectors.site_series(link, measure)

    if request.method == "GET":
        correcting = None
        if request.GET.get("correct"):
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
            _add_errors(form, error)
        else:
            panel = _panel_context(ctx)
            panel["form"] = ObservationForm(measure=measure)
            panel["annotation_form"] = AnnotationForm()
            verb = "Corrected" if correcting else "Saved"
            panel["saved"] = f"{verb} the period starting {observation.period_start:%d %b %Y}."
            if not request.htmx:
                return render(request, "measures/site_measure.html", panel)
            # The form targets itself (to show its errors); a saved period refreshes the panel.
            return reswap(
                retarget(render(request, "measures/_panel.html", panel), "#measure-panel"),
                "outerHTML",
            )
    template = "measures/_observation_form.html" if request.htmx else "measures/site_measure.html"
    page = {**ctx, "form": form} if request.htmx else {**_panel_context(ctx), "form": form}
    # htmx swaps only 2xx answers by default; a plain form post gets a proper 400.
    return render(request, template, page, status=200 if request.htmx else 400)


@login_required
@require_http_methods(["POST"])
def annotation_form(request, network, site, measure):
    ctx = _context(request, network, site, measure)
    if not ctx["can_enter_data"]:
        raise PermissionDenied
    form = AnnotationForm(request.POST)
    if form.is_valid():
        try:
            services.add_annotation(
                measure=ctx["measure"],
                organization=ctx["site"],
                date=form.cleaned_data["date"],
                text=form.cleaned_data["text"],
                user=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
    panel = _panel_context(ctx)
    panel["form"] = ObservationForm(measure=ctx["measure"])
    panel["annotation_form"] = AnnotationForm() if not form.errors else form
    template = "measures/_panel.html" if request.htmx else "measures/site_measure.html"
    status = 400 if form.errors and not request.htmx else 200
    return render(request, template, panel, status=status)


@login_required
@require_http_methods(["POST"])
def chart_settings(request, network, site, measure):
    ctx = _context(request, network, site, measure)
    if not ctx["can_enter_data"]:
        raise PermissionDenied
    link, measure = ctx["link"], ctx["measure"]
    setting = selectors.chart_setting(link, measure)
    current = list(setting.split_dates) if setting else []
    form = ChartSettingForm(request.POST, split_dates=current)
    if form.is_valid():
        data = form.cleaned_data
        removed = set(data["remove_splits"])
        splits = [d for d in current if d not in removed]
        if data["split_at"]:
            splits.append(data["split_at"].isoformat())
        try:
            services.save_chart_setting(
                measure=measure,
                organization=link.organization,
                chart=data["chart"],
                split_dates=[datetime.date.fromisoformat(d) for d in splits],
                freeze_points=data["freeze_points"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            form = None
    panel = _panel_context(ctx, chart_form=form)
    panel["form"] = ObservationForm(measure=measure)
    panel["annotation_form"] = AnnotationForm()
    template = "measures/_panel.html" if request.htmx else "measures/site_measure.html"
    status = 400 if form is not None and form.errors and not request.htmx else 200
    return render(request, template, panel, status=status)


def _add_errors(form, error: ValidationError) -> None:
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def _plain(number):
    if number is None:
        return ""
    return f"{number:g}"
