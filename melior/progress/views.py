from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from melior.core.forms import apply_service_errors
from melior.networks.views import get_network
from melior.projects.selectors import projects_for

from . import selectors, services
from .evidence import suggest
from .forms import AssessmentForm
from .scale import SCALE, label


@login_required
@require_http_methods(["GET", "POST"])
def project_progress(request, network, project):
    """A project's score on the assessment scale: what the evidence suggests, the team's
    confirmation, and the history."""
    network = get_network(request, network)
    project = get_object_or_404(projects_for(request.user, network), pk=project)
    can_assess = request.user.has_perm("progress.assess", project)
    if request.method == "POST" and not can_assess:
        raise PermissionDenied
    suggestion = suggest(selectors.project_evidence(project))
    form = AssessmentForm(request.POST or None, initial={"score": str(suggestion.score)})
    if request.method == "POST" and form.is_valid():
        try:
            services.confirm_progress(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Progress confirmed: {form.cleaned_data['score']}.")
            return redirect("project-progress", network=network.slug, project=project.pk)
    return render(
        request,
        "progress/project_progress.html",
        {
            "network": network,
            "project": project,
            "suggestion": suggestion,
            "suggestion_label": label(suggestion.score),
            "history": selectors.history(project),
            "form": form if can_assess else None,
            "scale": [(score, *words) for score, words in SCALE.items()],
        },
        status=400 if form.errors else 200,
    )


@login_required
def network_progress(request, network):
    """The hub's table: every visible project's latest score, the one before it, and when."""
    network = get_network(request, network)
    rows = selectors.progress_table(request.user, network)
    assessed = [row for row in rows if row["current"]]
    bands = {score: 0 for score in SCALE}
    for row in assessed:
        bands[row["current"].score] += 1
    return render(
        request,
        "progress/network_progress.html",
        {
            "network": network,
            "rows": rows,
            "assessed": len(assessed),
            "bands": [(score, SCALE[score][0], count) for score, count in bands.items()],
        },
    )
