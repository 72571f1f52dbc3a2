"""The problem page of the network (the hub's analysis) or of a site project: statement,
fishbone, Pareto chart, process map and empathy interviews. Every form posts here with the
name of its section; a refused form comes back with its fields' errors and nothing saved."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from melior.networks.views import get_network
from melior.projects.selectors import projects_for
from melior.theory.models import Node

from . import selectors, services
from .forms import (
    CategoryForm,
    CauseForm,
    InterviewForm,
    StatementForm,
    StepForm,
    TallyForm,
    TallyImportForm,
)
from .models import CauseTally, ProblemAnalysis
from .svg import fishbone_svg, process_svg


def _owner(request, network, project):
    network = get_network(request, network)
    if project is not None:
        project = get_object_or_404(projects_for(request.user, network), pk=project)
    return network, project


def _page_url(network, project) -> str:
    if project is None:
        return reverse("problem", kwargs={"network": network.slug})
    return reverse("project-problem", kwargs={"network": network.slug, "project": project.pk})


def _forms(analysis: ProblemAnalysis, owner, data=None, files=None) -> dict:
    drivers = Node.objects.filter(pk__in=[d.pk for d in selectors.driver_choices(analysis)])
    return {
        "statement": StatementForm(
            data,
            initial={
                "problem_statement": owner.problem_statement,
                "why_it_matters": owner.why_it_matters,
            },
        ),
        "category": CategoryForm(data),
        "cause": CauseForm(data, analysis=analysis, drivers=drivers),
        "tally": TallyForm(data, analysis=analysis, initial={"observed_on": datetime.date.today()}),
        "import": TallyImportForm(data, files),
        "step": StepForm(data),
        "interview": InterviewForm(data, analysis=analysis),
    }


def _context(request, network, project, analysis, bound=None) -> dict:
    owner = project or network
    shown = analysis or ProblemAnalysis(network=network, project=project)
    forms = _forms(shown, owner)
    if bound:
        forms[bound[0]] = bound[1]
    ctx = {
        "network": network,
        "project": project,
        "owner": owner,
        "analysis": analysis,
        "can_edit": request.user.has_perm("problems.edit_analysis", shown),
        "forms": forms,
        "page_url": _page_url(network, project),
        "theory_url": reverse("theory", kwargs={"network": network.slug})
        if project is None
        else reverse("project-theory", kwargs={"network": network.slug, "project": project.pk}),
    }
    if analysis is None:
        return ctx
    bones = selectors.fishbone(analysis)
    totals = dict(analysis.causes.annotate(t=Sum("tallies__count")).values_list("pk", "t"))
    pareto = selectors.pareto(analysis)
    steps = list(analysis.steps.all())
    ctx.update(
        {
            "bones": [
                (category, [(c, sub, totals.get(c.pk)) for c, sub in causes])
                for category, causes in bones
            ],
            # both drawings are built by us with every text escaped
            "fishbone": mark_safe(fishbone_svg(owner.problem_statement, bones))
            if any(causes for _, causes in bones)
            else "",
            "pareto": pareto,
            "pareto_spec": pareto.chart().to_dict() if pareto else None,
            "recent_tallies": list(
                CauseTally.objects.filter(cause__analysis=analysis).select_related("cause")[:15]
            ),
            "steps": steps,
            "process": mark_safe(process_svg(steps)) if steps else "",
            "interviews": list(analysis.interviews.prefetch_related("causes")),
        }
    )
    return ctx


def _cause(analysis, pk):
    return get_object_or_404(analysis.causes, pk=pk) if str(pk or "").isdigit() else None


def _handle(section, analysis, owner, request):
    """Apply one posted form; returns the anchor to go back to. Raises ValidationError (with the
    bound form attached as .form) when the input is refused."""
    post, user = request.POST, request.user
    forms = _forms(analysis, owner, post, request.FILES)
    simple = {  # sections that name one object and need no form
        "defaults": lambda: services.use_default_categories(analysis=analysis),
        "delete_category": lambda: services.delete_category(
            category=get_object_or_404(analysis.categories, pk=_pk(post, "category"))
        ),
        "delete_cause": lambda: services.delete_cause(
            cause=get_object_or_404(analysis.causes, pk=_pk(post, "cause"))
        ),
        "delete_tally": lambda: get_object_or_404(
            CauseTally, cause__analysis=analysis, pk=_pk(post, "tally")
        ).delete(),
        "move_step": lambda: services.move_step(
            step=get_object_or_404(analysis.steps, pk=_pk(post, "step")),
            step_by=-1 if post.get("direction") == "up" else 1,
        ),
        "delete_step": lambda: get_object_or_404(analysis.steps, pk=_pk(post, "step")).delete(),
        "delete_interview": lambda: get_object_or_404(
            analysis.interviews, pk=_pk(post, "interview")
        ).delete(),
    }
    anchors = {
        "defaults": "fishbone",
        "delete_category": "fishbone",
        "delete_cause": "causes",
        "delete_tally": "pareto",
        "move_step": "process",
        "delete_step": "process",
        "delete_interview": "interviews",
        "statement": "statement",
        "category": "fishbone",
        "cause": "causes",
        "tally": "pareto",
        "import": "pareto",
        "step": "process",
        "interview": "interviews",
    }
    if section in simple:
        simple[section]()
        return anchors[section]
    if section not in forms:
        raise ValidationError(f"Unknown form {section!r}.")
    form = forms[section]
    try:
        if not form.is_valid():
            raise ValidationError("")
        data = form.cleaned_data
        if section == "statement":
            services.update_statement(analysis=analysis, **data)
        elif section == "category":
            if post.get("category"):
                category = get_object_or_404(analysis.categories, pk=_pk(post, "category"))
                services.rename_category(category=category, name=data["name"])
            else:
                services.add_category(analysis=analysis, name=data["name"])
        elif section == "cause":
            services.save_cause(
                analysis=analysis, cause=_cause(analysis, post.get("cause_id")), **data
            )
        elif section == "tally":
            services.add_tally(**data, user=user)
        elif section == "import":
            services.import_tallies(
                analysis=analysis,
                data=data["file"].read(),
                source=data["source"] or data["file"].name,
                user=user,
            )
        elif section == "step":
            step = (
                get_object_or_404(analysis.steps, pk=_pk(post, "step"))
                if post.get("step")
                else None
            )
            services.save_step(analysis=analysis, step=step, **data)
        elif section == "interview":
            services.add_interview(analysis=analysis, user=user, **data)
    except ValidationError as error:
        if error.messages != [""]:
            if hasattr(error, "error_dict"):
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                form.add_error(None, error.messages)
        error.form = (section, form)
        raise
    return anchors[section]


def _pk(post, name) -> int:
    value = post.get(name, "")
    if not value.isdigit():
        raise ValidationError(f"Choose a {name}.")
    return int(value)


@login_required
@require_http_methods(["GET", "POST"])
def problem_page(request, network, project=None):
    network, project = _owner(request, network, project)
    analysis = selectors.analysis_or_none(network, project)
    if request.method == "GET":
        return render(
            request, "problems/problem.html", _context(request, network, project, analysis)
        )
    shown = analysis or ProblemAnalysis(network=network, project=project)
    if not request.user.has_perm("problems.edit_analysis", shown):
        raise PermissionDenied
    section = request.POST.get("form", "")
    try:
        with_analysis = analysis or services.analysis_for(network, project)
        anchor = _handle(section, with_analysis, project or network, request)
    except ValidationError as error:
        bound = getattr(error, "form", None)
        ctx = _context(
            request, network, project, selectors.analysis_or_none(network, project), bound=bound
        )
        if bound is None:
            ctx["errors"] = error.messages
        return render(request, "problems/problem.html", ctx, status=400)
    return redirect(_page_url(network, project) + f"#{anchor}")
