from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from melior.core.forms import submit
from melior.measures.services import current_centre
from melior.theory.services import network_diagram

from .. import services
from ..forms import MeasureForm
from .common import nav, settings_network

PERMISSION = "networks.define_measures"


def _nodes(network):
    return list(network_diagram(network).nodes.filter(hidden=False).order_by("kind", "position"))


@login_required
def measure_list(request, network):
    network = settings_network(request, network, PERMISSION)
    measures = network.measures.prefetch_related("theory_nodes").order_by("kind", "name")
    context = nav(request, network, "measures") | {"measures": measures}
    return render(request, "administration/measures.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request, network, measure=None):
    network = settings_network(request, network, PERMISSION)
    instance = get_object_or_404(network.measures, slug=measure) if measure else None
    nodes = _nodes(network)
    initial = {}
    if instance is not None:
        placed = instance.theory_nodes.filter(diagram__project=None).first()
        initial["node"] = str(placed.pk) if placed else ""
    form = MeasureForm(request.POST or None, instance=instance, nodes=nodes, initial=initial)

    def save(data):
        chosen = data.pop("node")
        node = next((n for n in nodes if str(n.pk) == chosen), None)
        if instance is not None:
            instance.refresh_from_db()  # the form wrote onto it; the service compares
        services.define_measure(
            network=network, user=request.user, measure=instance, node=node, **data
        )

    if request.method == "POST" and submit(form, save):
        messages.success(request, f"Saved the measure “{form.cleaned_data['name']}”.")
        return redirect("settings-measures", network=network.slug)
    context = nav(request, network, "measures") | {
        "form": form,
        "measure": instance,
        "centre": current_centre(instance) if instance else None,
    }
    return render(
        request, "administration/measure_edit.html", context, status=400 if form.errors else 200
    )
