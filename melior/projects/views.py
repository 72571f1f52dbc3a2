from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from melior.core.forms import submit
from melior.networks.views import get_network, get_network_site

from . import services
from .aims import aim_gaps
from .forms import CharterForm
from .models import ImprovementProject
from .panels import panels_for
from .selectors import projects_for


def _project(request, network_slug: str, project_id: int):
    network = get_network(request, network_slug)
    project = get_object_or_404(
        projects_for(request.user, network).prefetch_related("team"), pk=project_id
    )
    return network, project


@login_required
def project_detail(request, network, project):
    network, project = _project(request, network, project)
    return render(
        request,
        "projects/project_detail.html",
        {
            "network": network,
            "project": project,
            "can_edit": request.user.has_perm("projects.edit_charter", project),
            "aim_gaps": aim_gaps(project),
            "panels": panels_for(user=request.user, network=network, project=project),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, network, project):
    network, project = _project(request, network, project)
    if not request.user.has_perm("projects.edit_charter", project):
        raise PermissionDenied
    form = CharterForm(request.POST or None, instance=project)
    if request.method == "POST" and submit(
        form,
        lambda data: services.update_charter(
            project=project, **{f: data[f] for f in form.Meta.fields}
        ),
    ):
        return redirect("project", network=network.slug, project=project.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "projects/project_edit.html",
        {"network": network, "project": project, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_start(request, network, site):
    """A school team's charter, started from the school page by whoever may manage projects
    there (its site lead, or the hub's lead or coaches). The aim checker reads it next."""
    network = get_network(request, network)
    link = get_network_site(request, network, site)
    if link.retired_on is not None or not request.user.has_perm("networks.manage_projects", link):
        raise PermissionDenied
    form = CharterForm(request.POST or None, instance=ImprovementProject(network=network))
    created = {}

    def start(data):
        created["project"] = services.create_project(
            network=network, site=link.organization, user=request.user, team=[request.user],
            **{f: data[f] for f in CharterForm.Meta.fields},
        )  # fmt: skip

    if request.method == "POST" and submit(form, start):
        return redirect("project", network=network.slug, project=created["project"].pk)
    return render(
        request,
        "projects/project_start.html",
        {"network": network, "site": link.organization, "form": form},
        status=400 if form.errors else 200,
    )
