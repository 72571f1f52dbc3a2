from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from melior.core.forms import apply_service_errors, submit
from melior.networks.models import NetworkSite
from melior.networks.services import set_retired

from ..forms import SCHOOL_ATTRIBUTES, SchoolForm, SchoolImportForm
from ..services import schools
from .common import nav, settings_network

PERMISSION = "networks.manage_network"


def _links(network):
    return (
        NetworkSite.objects.filter(network=network)
        .select_related("organization__parent")
        .order_by("retired_on", "organization__parent__name", "organization__name")
    )


def _page(request, network, *, form=None, import_form=None, plan=None, status=200):
    context = nav(request, network, "schools") | {
        "links": _links(network),
        "form": form or SchoolForm(network=network),
        "import_form": import_form or SchoolImportForm(),
        "plan": plan,
    }
    return render(request, "administration/schools.html", context, status=status)


@login_required
def school_list(request, network):
    network = settings_network(request, network, PERMISSION)
    return _page(request, network)


@login_required
@require_POST
def school_add(request, network):
    network = settings_network(request, network, PERMISSION)
    form = SchoolForm(request.POST, network=network)
    if submit(form, lambda data: schools.add_school(network=network, **data)):
        messages.success(request, f"Added {form.cleaned_data['name']}.")
        return redirect("settings-schools", network=network.slug)
    return _page(request, network, form=form, status=400)


@login_required
@require_POST
def school_import(request, network):
    """First a dry run that shows what the rows would do; then, confirmed, the import."""
    network = settings_network(request, network, PERMISSION)
    form = SchoolImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, network, import_form=form, status=400)
    text = form.cleaned_data["text"]
    confirm = form.cleaned_data["confirm"]
    try:
        plan = schools.import_schools(network=network, text=text, dry_run=not confirm)
    except ValidationError as error:
        apply_service_errors(form, error)
        return _page(request, network, import_form=form, status=400)
    if confirm:
        messages.success(
            request,
            f"Imported {len(plan.new_schools)} new school(s) and {len(plan.new_districts)} new "
            f"district(s); updated {len(plan.updated_schools)}.",
        )
        return redirect("settings-schools", network=network.slug)
    confirm_form = SchoolImportForm(initial={"text": text, "confirm": True})
    return _page(request, network, import_form=confirm_form, plan=plan)


def _link(network, site: str) -> NetworkSite:
    return get_object_or_404(
        NetworkSite.objects.select_related("organization"), network=network, organization__slug=site
    )


@login_required
@require_http_methods(["GET", "POST"])
def school_edit(request, network, site):
    network = settings_network(request, network, PERMISSION)
    link = _link(network, site)
    school = link.organization
    form = SchoolForm(request.POST or None, instance=school)
    if request.method == "POST":
        change = lambda data: schools.update_school(  # noqa: E731
            school=school, **{k: data[k] for k in SCHOOL_ATTRIBUTES}
        )
        if submit(form, change):
            messages.success(request, f"Saved {school.name}.")
            return redirect("settings-schools", network=network.slug)
        school.refresh_from_db()
    context = nav(request, network, "schools") | {"form": form, "link": link, "school": school}
    return render(
        request, "administration/school_edit.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def school_retire(request, network, site):
    network = settings_network(request, network, PERMISSION)
    link = _link(network, site)
    retire = request.POST.get("retire", "1") != "0"
    set_retired(link=link, retired=retire)
    name = link.organization.name
    messages.success(
        request,
        f"Retired {name}: it leaves the network's lists; its history stays."
        if retire
        else f"{name} is back in the network's lists.",
    )
    return redirect("settings-schools", network=network.slug)
