"""The problem page of the network (the hub's analysis) or of a site project: statement,
fishbone, Pareto chart, process map and empathy interviews. The page is read with GET; each
change posts to its own address (under the network's or the project's problem page), and a
refused change comes back with its form's errors and nothing saved."""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from melior.core.forms import apply_service_errors
from melior.networks.views import get_network
from melior.projects.selectors import projects_for

from . import selectors, services
from .forms import (
    CategoryForm,
    CauseForm,
    EditCauseForm,
    EditStepForm,
    InterviewForm,
    MoveStepForm,
    PickForm,
    RenameCategoryForm,
    StatementForm,
    StepForm,
    TallyForm,
    TallyImportForm,
)
from .models import ProblemAnalysis
from .svg import fishbone_svg, process_svg

# every change on the page: (its address under the problem page, its view's name, the name
# of its URL after "problem-" or "project-problem-")
ACTIONS = [
    ("statement/", "update_statement", "statement"),
    ("categories/defaults/", "use_default_categories", "default-categories"),
    ("categories/", "add_category", "category-add"),
    ("categories/rename/", "rename_category", "category-rename"),
    ("categories/delete/", "delete_category", "category-delete"),
    ("causes/", "add_cause", "cause-add"),
    ("causes/edit/", "edit_cause", "cause-edit"),
    ("causes/delete/", "delete_cause", "cause-delete"),
    ("tallies/", "add_tally", "tally-add"),
    ("tallies/import/", "import_tallies", "tally-import"),
    ("tallies/delete/", "delete_tally", "tally-delete"),
    ("steps/", "add_step", "step-add"),
    ("steps/edit/", "edit_step", "step-edit"),
    ("steps/move/", "move_step", "step-move"),
    ("steps/delete/", "delete_step", "step-delete"),
    ("interviews/", "add_interview", "interview-add"),
    ("interviews/delete/", "delete_interview", "interview-delete"),
]


def _owner(request, network, project):
    network = get_network(request, network)
    if project is not None:
        project = get_object_or_404(projects_for(request.user, network), pk=project)
    return network, project


def _url(name: str, network, project) -> str:
    if project is None:
        return reverse(name, kwargs={"network": network.slug})
    return reverse(f"project-{name}", kwargs={"network": network.slug, "project": project.pk})


def _forms(analysis: ProblemAnalysis, owner) -> dict:
    """The page's forms, unbound: what the team sees before typing."""
    return {
        "statement": StatementForm(
            initial={
                "problem_statement": owner.problem_statement,
                "why_it_matters": owner.why_it_matters,
            },
        ),
        "category": CategoryForm(),
        "cause": CauseForm(analysis=analysis, drivers=selectors.driver_choices(analysis)),
        "tally": TallyForm(analysis=analysis, initial={"observed_on": datetime.date.today()}),
        "import": TallyImportForm(),
        "step": StepForm(),
        "interview": InterviewForm(analysis=analysis),
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
        "actions": {
            name.replace("-", "_"): _url(f"problem-{name}", network, project)
            for _, _, name in ACTIONS
        },
        "theory_url": _url("theory", network, project),
    }
    if analysis is not None:
        ctx.update(_analysis_context(analysis, owner))
    return ctx


def _analysis_context(analysis, owner) -> dict:
    bones = selectors.fishbone(analysis)
    totals = selectors.cause_totals(analysis)
    pareto = selectors.pareto(analysis)
    steps = list(analysis.steps.all())
    return {
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
        "recent_tallies": list(selectors.tallies(analysis)[:15]),
        "steps": steps,
        "process": mark_safe(process_svg(steps)) if steps else "",
        "interviews": list(analysis.interviews.prefetch_related("causes")),
    }


@login_required
@require_GET
def problem_page(request, network, project=None):
    network, project = _owner(request, network, project)
    analysis = selectors.analysis_or_none(network, project)
    return render(request, "problems/problem.html", _context(request, network, project, analysis))


class _Change:
    """One change posted to the page: the owner, and the analysis (made on the first change)
    for those who may edit it (403 for anyone else)."""

    def __init__(self, request, network, project):
        self.request = request
        self.network, self.project = _owner(request, network, project)
        existing = selectors.analysis_or_none(self.network, self.project)
        shown = existing or ProblemAnalysis(network=self.network, project=self.project)
        if not request.user.has_perm("problems.edit_analysis", shown):
            raise PermissionDenied
        self.analysis = existing or services.analysis_for(self.network, self.project)

    def apply(self, form, change, *, anchor: str, shown_as: str | None = None):
        """Make the change if the form parses and the service accepts it, and go back to the
        page at ``anchor``; otherwise show the page again, the form (as the page's form
        ``shown_as``, or its reasons at the top) with every error, status 400."""
        if form.is_valid():
            try:
                change(form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                return redirect(_url("problem", self.network, self.project) + f"#{anchor}")
        analysis = selectors.analysis_or_none(self.network, self.project)
        bound = (shown_as, form) if shown_as else None
        ctx = _context(self.request, self.network, self.project, analysis, bound=bound)
        if bound is None:
            ctx["errors"] = [m for messages in form.errors.values() for m in messages]
        return render(self.request, "problems/problem.html", ctx, status=400)

    def pick(self, field: str, among):
        return PickForm(self.request.POST, field=field, among=among)


@login_required
@require_POST
def update_statement(request, network, project=None):
    at = _Change(request, network, project)
    return at.apply(
        StatementForm(request.POST),
        lambda data: services.update_statement(analysis=at.analysis, **data),
        anchor="statement",
        shown_as="statement",
    )


@login_required
@require_POST
def use_default_categories(request, network, project=None):
    at = _Change(request, network, project)
    return at.apply(
        forms.Form(request.POST),
        lambda data: services.use_default_categories(analysis=at.analysis),
        anchor="fishbone",
    )


@login_required
@require_POST
def add_category(request, network, project=None):
    at = _Change(request, network, project)
    return at.apply(
        CategoryForm(request.POST),
        lambda data: services.add_category(analysis=at.analysis, **data),
        anchor="fishbone",
        shown_as="category",
    )


@login_required
@require_POST
def rename_category(request, network, project=None):
    at = _Change(request, network, project)
    return at.apply(
        RenameCategoryForm(request.POST, analysis=at.analysis),
        lambda data: services.rename_category(**data),
        anchor="fishbone",
        shown_as="category",
    )


@login_required
@require_POST
def delete_category(request, network, project=None):
    at = _Change(request, network, project)
    form = at.pick("category", at.analysis.categories.all())
    return at.apply(
        form, lambda data: services.delete_category(category=form.picked), anchor="fishbone"
    )


@login_required
@require_POST
def add_cause(request, network, project=None):
    at = _Change(request, network, project)
    return at.apply(
        CauseForm(
            request.POST, analysis=at.analysis, drivers=selectors.driver_choices(at.analysis)
        ),
        lambda data: services.save_cause(analysis=at.analysis, **data),
        anchor="causes",
        shown_as="cause",
    )


@login_required
@require_POST
def edit_cause(request, network, project=None):
    at = _Change(request, network, project)
    return at.apply(
        EditCauseForm(
            request.POST, analysis=at.analysis, drivers=selectors.driver_choices(at.analysis)
        ),
        lambda data: services.save_cause(analysis=at.analysis, **data),
        anchor="causes",
        shown_as="cause",
    )


@login_required
@require_POST
def delete_cause(request, network, project=None):
    at = _Change(request, network, project)
    form = at.pick("cause", at.analysis.causes.all())
    return at.apply(form, lambda data: services.delete_cause(cause=form.picked), anchor="causes")


@login_required
@require_POST
def add_tally(request, network, project=None):
    at = _Change(request, network, project)
    return at.apply(
        TallyForm(request.POST, analysis=at.analysis),
        lambda data: services.add_tally(**data, user=request.user),
        anchor="pareto",
        shown_as="tally",
    )


@login_required
@require_POST
def import_tallies(request, network, project=None):
    at = _Change(request, network, project)

    def change(data):
        services.import_tallies(
            analysis=at.analysis,
            data=data["file"].read(),
            source=data["source"] or data["file"].name,
            user=request.user,
        )

    form = TallyImportForm(request.POST, request.FILES)
    return at.apply(form, change, anchor="pareto", shown_as="import")


@login_required
@require_POST
def delete_tally(request, network, project=None):
    at = _Change(request, network, project)
    form = at.pick("tally", selectors.tallies(at.analysis))
    return at.apply(form, lambda data: services.delete_tally(tally=form.picked), anchor="pareto")


@login_required
@require_POST
def add_step(request, network, project=None):
    at = _Change(request, network, project)
    return at.apply(
        StepForm(request.POST),
        lambda data: services.save_step(analysis=at.analysis, **data),
        anchor="process",
        shown_as="step",
    )


@login_required
@require_POST
def edit_step(request, network, project=None):
    at = _Change(request, network, project)
    return at.apply(
        EditStepForm(request.POST, analysis=at.analysis),
        lambda data: services.save_step(analysis=at.analysis, **data),
        anchor="process",
        shown_as="step",
    )


@login_required
@require_POST
def move_step(request, network, project=None):
    at = _Change(request, network, project)

    def change(data):
        services.move_step(step=data["step"], step_by=-1 if data["direction"] == "up" else 1)

    return at.apply(MoveStepForm(request.POST, analysis=at.analysis), change, anchor="process")


@login_required
@require_POST
def delete_step(request, network, project=None):
    at = _Change(request, network, project)
    form = at.pick("step", at.analysis.steps.all())
    return at.apply(form, lambda data: services.delete_step(step=form.picked), anchor="process")


@login_required
@require_POST
def add_interview(request, network, project=None):
    at = _Change(request, network, project)
    return at.apply(
        InterviewForm(request.POST, analysis=at.analysis),
        lambda data: services.add_interview(analysis=at.analysis, user=request.user, **data),
        anchor="interviews",
        shown_as="interview",
    )


@login_required
@require_POST
def delete_interview(request, network, project=None):
    at = _Change(request, network, project)
    form = at.pick("interview", at.analysis.interviews.all())
    return at.apply(
        form, lambda data: services.delete_interview(note=form.picked), anchor="interviews"
    )
