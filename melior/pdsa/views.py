"""PDSA pages: plan, run, study and act on a cycle (in the guided, classic or freeform format,
one data model), find cycles across the network, ramps and evidence per change idea,
calibration, and notifications. Each action on a cycle posts to its own URL with its own form;
a refused form comes back on the cycle page with its errors and nothing saved."""

import datetime
import functools
import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from melior.core.forms import apply_service_errors, submit
from melior.networks.selectors import sites_for
from melior.networks.views import get_network
from melior.projects.selectors import projects_for
from melior.theory import selectors as theory
from melior.theory.models import Node

from . import selectors, services
from .charts import ramp_chart
from .exports import cycles_csv
from .forms import (
    PLAN_STEPS,
    ActForm,
    AttachmentForm,
    AuthorsForm,
    CommentForm,
    DoForm,
    NewCycleForm,
    ObservationForm,
    PlanForm,
    QuestionForm,
    StartForm,
    StudyForm,
)
from .models import Cycle

S = Cycle.Status


def _cycle(request, network, pk):
    network = get_network(request, network)
    cycle = selectors.cycle_for(request.user, network, pk)
    if cycle is None:
        raise Http404("No such PDSA cycle")
    return network, cycle


def _url(cycle, anchor="") -> str:
    url = reverse("pdsa-detail", kwargs={"network": cycle.network.slug, "pk": cycle.pk})
    return url + (f"#{anchor}" if anchor else "")


def _context(request, network, cycle, bound=None, errors=()):
    can_edit = request.user.has_perm("pdsa.edit_cycle", cycle)
    step = request.GET.get("step") or "objective"
    if step not in (*PLAN_STEPS, "questions"):
        step = "objective"
    only = None
    if cycle.format == Cycle.Format.GUIDED:
        only = PLAN_STEPS.get(step, [])
    elif cycle.format == Cycle.Format.FREEFORM:
        only = ["format", "title", "notes", "scale", "planned_start", "due", "measures"]
    forms = {
        "plan": PlanForm(instance=cycle, only=only),
        "question": QuestionForm(),
        "do": DoForm(initial={"what_happened": cycle.what_happened, "surprises": cycle.surprises}),
        "observation": ObservationForm(cycle=cycle),
        "attach": AttachmentForm(),
        "act": ActForm(),
        "comment": CommentForm(),
        "authors": AuthorsForm(
            candidates=selectors.author_candidates(cycle),
            initial={"authors": list(cycle.authors.all())},
        ),
    }
    if bound:
        forms[bound[0]] = bound[1]
    questions = list(cycle.questions.all())
    measure_links = [
        (
            m,
            reverse(
                "site-measure",
                kwargs={
                    "network": network.slug,
                    "site": cycle.project.site.slug,
                    "measure": m.slug,
                },
            ),
        )
        for m in cycle.measures.all()
    ]
    return {
        "network": network,
        "cycle": cycle,
        "project": cycle.project,
        "can_edit": can_edit,
        "can_comment": request.user.has_perm("pdsa.comment", cycle),
        "clone_projects": selectors.plannable_projects(request.user, network),
        "forms": forms,
        "questions": questions,
        "edit_questions": can_edit and cycle.status != S.DONE,
        "step": step,
        "steps": [
            ("objective", "Objective"),
            ("questions", "Questions and predictions"),
            ("logistics", "Who, what, when, where"),
            ("measures", "Measures"),
        ],
        "plan_problems": services.plan_problems(cycle) if cycle.status == S.DRAFT else [],
        "start_default": services.default_start(cycle),
        "study_problems": services.study_problems(cycle) if cycle.status == S.STUDYING else [],
        "ramp": services.ramp_of(cycle),
        "measure_links": measure_links,
        "observations": list(cycle.observations.select_related("measure", "author")),
        "attachments": list(cycle.attachments.all()),
        "comments": list(cycle.comments.select_related("author")),
        "errors": errors,
        "max_upload_mb": services.max_upload_bytes() / 1048576,
    }


def _refused(request, network, cycle, section=None, form=None, errors=()):
    """The cycle page again with the refusal shown: on the form it came from, else at the top.
    The cycle is read afresh, as saved, so nothing half-done shows."""
    cycle = selectors.cycle_for(request.user, network, cycle.pk)
    bound = (section, form) if form is not None else None
    ctx = _context(request, network, cycle, bound=bound, errors=errors)
    return render(request, "pdsa/cycle.html", ctx, status=400)


def cycle_action(permission: str = "pdsa.edit_cycle"):
    """One action on a cycle, posted to its own URL: 404 unless the user sees the cycle, 403
    without the permission; a refusal the view does not put on a form shows at the top of the
    page, with nothing saved."""

    def wrap(view):
        @login_required
        @require_POST
        @functools.wraps(view)
        def action(request, network, pk, **kwargs):
            network, cycle = _cycle(request, network, pk)
            if not request.user.has_perm(permission, cycle):
                raise PermissionDenied
            try:
                return view(request, network, cycle, **kwargs)
            except ValidationError as error:
                return _refused(request, network, cycle, errors=error.messages)

        return action

    return wrap


@cycle_action("pdsa.comment")
def comment(request, network, cycle):
    form = CommentForm(request.POST)

    def change(d):
        return services.add_comment(
            cycle=cycle, user=request.user, text=d["text"], can_see=selectors.can_see
        )

    if not submit(form, change):
        return _refused(request, network, cycle, "comment", form)
    return redirect(_url(cycle, "comments"))


@cycle_action()
def plan(request, network, cycle):
    # a fresh copy for the form to fill, so the service sees the cycle as saved
    instance = selectors.cycle_for(request.user, network, cycle.pk)
    form = PlanForm(request.POST, instance=instance, only=PlanForm.posted_fields(request.POST))

    def change(data):
        data = dict(data)
        services.update_plan(cycle=cycle, measures=data.pop("measures", None), **data)

    if not submit(form, change):
        return _refused(request, network, cycle, "plan", form)
    following = request.POST.get("next_step")
    if following:
        return redirect(_url(cycle) + f"?step={following}#plan")
    return redirect(_url(cycle, "plan"))


@cycle_action()
def question(request, network, cycle, question=None):
    """Add a learning question, or (with its id in the URL) change one."""
    existing = get_object_or_404(cycle.questions, pk=question) if question else None
    form = QuestionForm(request.POST, instance=existing)

    def change(d):
        return services.save_question(
            cycle=cycle,
            question=existing,
            text=d["question"],
            kind=d["kind"],
            prediction=d["prediction"],
            predicted_value=d["predicted_value"],
            predicted_direction=d["predicted_direction"],
            data_to_collect=d["data_to_collect"],
        )

    if not submit(form, change):
        return _refused(request, network, cycle, "question", form)
    if cycle.format == Cycle.Format.GUIDED:
        return redirect(_url(cycle) + "?step=questions#questions")
    return redirect(_url(cycle, "questions"))


@cycle_action()
def delete_question(request, network, cycle, question):
    services.delete_question(question=get_object_or_404(cycle.questions, pk=question))
    return redirect(_url(cycle, "questions"))


@cycle_action()
def advance(request, network, cycle):
    to, started_on = request.POST.get("to", ""), None
    if to == S.RUNNING:
        form = StartForm(request.POST)
        if not form.is_valid():
            raise ValidationError(f"Started on: {form.errors['started_on'][0]}")
        started_on = form.cleaned_data["started_on"]
    services.advance(cycle=cycle, to=to, user=request.user, started_on=started_on)
    return redirect(_url(cycle, "status"))


@cycle_action()
def record_do(request, network, cycle):
    form = DoForm(request.POST)
    form.is_valid()  # both fields are optional text
    services.record_do(
        cycle=cycle,
        what_happened=form.cleaned_data.get("what_happened", ""),
        surprises=form.cleaned_data.get("surprises", ""),
    )
    return redirect(_url(cycle, "do"))


@cycle_action()
def observation(request, network, cycle):
    form = ObservationForm(request.POST, cycle=cycle)

    def change(d):
        return services.add_observation(
            cycle=cycle,
            date=d["date"],
            note=d["note"],
            measure=d["measure"],
            value=d["value"] or None,
            numerator=d["numerator"] or None,
            denominator=d["denominator"] or None,
            user=request.user,
        )

    if not submit(form, change):
        return _refused(request, network, cycle, "observation", form)
    return redirect(_url(cycle, "do"))


@cycle_action()
def attach(request, network, cycle):
    form = AttachmentForm(request.POST, request.FILES)

    def change(d):
        return services.add_attachment(cycle=cycle, upload=d["file"], user=request.user)

    if not submit(form, change):
        return _refused(request, network, cycle, "attach", form)
    return redirect(_url(cycle, "do"))


@cycle_action()
def study(request, network, cycle):
    form = StudyForm(request.POST, questions=list(cycle.questions.all()))
    if not form.is_valid():
        raise ValidationError([m for messages in form.errors.values() for m in messages])
    services.save_study(cycle=cycle, summary=form.summary(), results=form.results())
    return redirect(_url(cycle, "study"))


@cycle_action()
def act(request, network, cycle):
    form = ActForm(request.POST)

    def change(d):
        return services.act(cycle=cycle, decision=d["decision"], reason=d["reason"])

    if not submit(form, change):
        return _refused(request, network, cycle, "act", form)
    if form.cleaned_data["open_next"] and cycle.decision != Cycle.Decision.ABANDON:
        return redirect(_url(services.next_cycle(cycle=cycle, user=request.user)))
    return redirect(_url(cycle, "act"))


@cycle_action()
def next_cycle(request, network, cycle):
    return redirect(_url(services.next_cycle(cycle=cycle, user=request.user)))


@cycle_action()
def authors(request, network, cycle):
    form = AuthorsForm(request.POST, candidates=selectors.author_candidates(cycle))

    def change(d):
        return services.set_authors(cycle=cycle, authors=d["authors"])

    if not submit(form, change):
        return _refused(request, network, cycle, "authors", form)
    return redirect(_url(cycle, "people"))


@login_required
@require_safe
def cycle_detail(request, network, pk):
    network, cycle = _cycle(request, network, pk)
    return render(request, "pdsa/cycle.html", _context(request, network, cycle))


@login_required
@require_http_methods(["GET", "POST"])
def new_cycle(request, network, project):
    network = get_network(request, network)
    project = get_object_or_404(projects_for(request.user, network), pk=project)
    if not request.user.has_perm("pdsa.plan_cycle", project):
        raise PermissionDenied
    form = NewCycleForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.create_cycle(
                project=project,
                user=request.user,
                change_idea=form.cleaned_data["change_idea"],
                title=form.cleaned_data["title"],
                format=form.cleaned_data["format"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(_url(cycle, "plan"))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "pdsa/new.html",
        {"network": network, "project": project, "form": form},
        status=status,
    )


@login_required
@require_POST
def clone(request, network, pk):
    network, source = _cycle(request, network, pk)
    projects = {str(p.pk): p for p in selectors.plannable_projects(request.user, network)}
    project = projects.get(request.POST.get("project", ""))
    if project is None:
        raise PermissionDenied
    try:
        cycle = services.clone_cycle(source=source, project=project, user=request.user)
    except ValidationError as error:
        ctx = _context(request, network, source, errors=error.messages)
        return render(request, "pdsa/cycle.html", ctx, status=400)
    return redirect(_url(cycle, "plan"))


@login_required
def print_view(request, network, pk):
    network, cycle = _cycle(request, network, pk)
    return render(request, "pdsa/print.html", _context(request, network, cycle))


@login_required
def attachment(request, network, pk, file):
    network, cycle = _cycle(request, network, pk)
    item = get_object_or_404(cycle.attachments, pk=file)
    return FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.name, content_type=item.content_type
    )


@login_required
def cycle_list(request, network):
    """Find PDSAs across the network; the same filters export as CSV."""
    network = get_network(request, network)
    params = {k: request.GET.get(k, "").strip() for k in selectors.FILTERS}
    notes = []
    for key in ("idea", "driver"):
        if params[key]:
            try:
                uuid.UUID(params[key])
            except ValueError:
                notes.append(f"Ignored an unknown {key}.")
                params[key] = ""
    for key in ("since", "until"):
        if params[key] and not _is_date(params[key]):
            notes.append(f"Ignored “{params[key]}”: dates are YYYY-MM-DD.")
            params[key] = ""
    cycles = selectors.search(request.user, network, params)
    if request.GET.get("export") == "csv":
        return cycles_csv(network, cycles.prefetch_related("questions"))
    drivers = [Node.Kind.PRIMARY, Node.Kind.SECONDARY, Node.Kind.TERTIARY]
    page = Paginator(cycles, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "pdsa/list.html",
        {
            "network": network,
            "cycles": page,
            "page": page,
            "count": page.paginator.count,
            "params": params,
            "notes": notes,
            "ideas": theory.network_theory_nodes(network, [Node.Kind.CHANGE_IDEA]),
            "drivers": theory.network_theory_nodes(network, drivers),
            "sites": sites_for(request.user, network).order_by("name"),
            "statuses": S.choices,
            "decisions": Cycle.Decision.choices,
            "projects": selectors.plannable_projects(request.user, network),
            "overdue": selectors.overdue(
                selectors.cycles_for(request.user, network).filter(authors=request.user)
            ),
            "query": query.urlencode(),
        },
    )


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


IDEA_PAGE_ROWS = 300  # the rest are one click away in the PDSA search (and its CSV)


@login_required
def idea_page(request, network, key):
    """Every cycle on one change idea across the network: ramps per school and the evidence."""
    network = get_network(request, network)
    node = theory.network_node(network, key, Node.Kind.CHANGE_IDEA)
    if node is None:
        raise Http404("No such change idea")
    cycles, summary = selectors.idea_evidence(request.user, network, node)
    ramps = selectors.ramps(cycles)
    return render(
        request,
        "pdsa/idea.html",
        {
            "network": network,
            "node": node,
            "cycles": cycles[:IDEA_PAGE_ROWS],
            "more": max(len(cycles) - IDEA_PAGE_ROWS, 0),
            "summary": summary,
            "ramps": ramps,
            "ramp_spec": ramp_chart(ramps) if ramps else None,
        },
    )


@login_required
def calibration_page(request, network):
    network = get_network(request, network)
    by = "team" if request.GET.get("by") == "team" else "site"
    result = selectors.calibration(request.user, network, by=by)
    return render(
        request,
        "pdsa/calibration.html",
        {
            "network": network,
            "by": by,
            "result": result,
            "spec": result.chart().to_dict() if result is not None else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("id") if v.isdigit()]
        services.mark_read(user=request.user, notification_ids=ids or None)
        return redirect("notifications")
    items = selectors.notifications_for(request.user)[:100]
    return render(request, "pdsa/notifications.html", {"items": items})
