"""PDSA pages: plan, run, study and act on a cycle (in the guided, classic or freeform format,
one data model), find cycles across the network, ramps and evidence per change idea,
calibration, and notifications. Each form posts with the name of its section; a refused form
comes back with its errors and nothing saved."""

import csv
import datetime
import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from melior.measures.exports import safe_cell
from melior.networks.models import Membership
from melior.networks.permissions import DATA_ENTRY_ROLES
from melior.networks.selectors import sites_for
from melior.networks.views import get_network
from melior.projects.selectors import projects_for
from melior.theory.models import Node

from . import selectors, services
from .charts import ramp_chart
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
)
from .models import Cycle, LearningQuestion, Notification

S = Cycle.Status


def _cycle(request, network, pk):
    network = get_network(request, network)
    cycle = selectors.cycle_for(request.user, network, pk)
    if cycle is None:
        raise Http404("No such PDSA cycle")
    return network, cycle


def _author_candidates(cycle):
    site = cycle.project.site
    members = Membership.objects.filter(role__in=DATA_ENTRY_ROLES).filter(
        Q(network=cycle.network) | Q(organization=site) | Q(organization_id=site.parent_id)
    )
    return {m.user for m in members.select_related("user")}


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
            candidates=_author_candidates(cycle), initial={"authors": list(cycle.authors.all())}
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


def _number(value):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ValidationError(f"“{value}” is not a number.") from None


def _study_results(cycle, post) -> dict:
    results = {}
    for q in cycle.questions.all():
        try:
            value = _number(post.get(f"result_value_{q.pk}"))
        except ValidationError as error:
            raise ValidationError({"result_value": f"{q.question}: {error.messages[0]}"}) from None
        results[q.pk] = {
            "result": post.get(f"result_{q.pk}", ""),
            "result_value": value,
            "held": post.get(f"held_{q.pk}", ""),
            "learned": post.get(f"learned_{q.pk}", ""),
        }
    return results


def _handle(request, network, cycle, section):
    """Apply one posted section; returns (anchor, redirect url or None)."""
    post, user = request.POST, request.user
    if section == "comment":
        if not user.has_perm("pdsa.comment", cycle):
            raise PermissionDenied
        form = CommentForm(post)
        if not form.is_valid():
            raise _bound(ValidationError(""), "comment", form)
        try:
            services.add_comment(
                cycle=cycle, user=user, text=form.cleaned_data["text"], can_see=selectors.can_see
            )
        except ValidationError as error:
            raise _bound(error, "comment", form) from None
        return "comments", None
    if not user.has_perm("pdsa.edit_cycle", cycle):
        raise PermissionDenied
    if section == "plan":
        # the form names the fields it showed, so an unticked box still counts as an answer
        only = [f for f in post.get("fields", "").split(",") if f in PlanForm.Meta.fields]
        form = PlanForm(post, instance=Cycle.objects.get(pk=cycle.pk), only=only)
        if not form.is_valid():
            raise _bound(ValidationError(""), "plan", form)
        data = dict(form.cleaned_data)
        measures = data.pop("measures", None)
        try:
            services.update_plan(cycle=cycle, measures=measures, **data)
        except ValidationError as error:
            raise _bound(error, "plan", form) from None
        following = post.get("next_step")
        if following:
            return "plan", _url(cycle) + f"?step={following}#plan"
        return "plan", None
    if section == "question":
        question = None
        if post.get("question_id"):
            question = get_object_or_404(cycle.questions, pk=_pk(post, "question_id"))
        form = QuestionForm(post, instance=question)
        if not form.is_valid():
            raise _bound(ValidationError(""), "question", form)
        d = form.cleaned_data
        try:
            services.save_question(
                cycle=cycle,
                question=question,
                text=d["question"],
                kind=d["kind"],
                prediction=d["prediction"],
                predicted_value=d["predicted_value"],
                predicted_direction=d["predicted_direction"],
                data_to_collect=d["data_to_collect"],
            )
        except ValidationError as error:
            raise _bound(error, "question", form) from None
        return "questions", (
            _url(cycle) + "?step=questions#questions"
            if cycle.format == Cycle.Format.GUIDED
            else None
        )
    if section == "delete_question":
        services.delete_question(
            question=get_object_or_404(cycle.questions, pk=_pk(post, "question_id"))
        )
        return "questions", None
    if section == "advance":
        started_on = None
        if post.get("to") == S.RUNNING:
            form = StartForm(post)
            if not form.is_valid():
                raise ValidationError(f"Started on: {form.errors['started_on'][0]}")
            started_on = form.cleaned_data["started_on"]
        services.advance(cycle=cycle, to=post.get("to", ""), user=user, started_on=started_on)
        return "status", None
    if section == "do":
        form = DoForm(post)
        form.is_valid()
        services.record_do(
            cycle=cycle,
            what_happened=form.cleaned_data.get("what_happened", ""),
            surprises=form.cleaned_data.get("surprises", ""),
        )
        return "do", None
    if section == "observation":
        form = ObservationForm(post, cycle=cycle)
        if not form.is_valid():
            raise _bound(ValidationError(""), "observation", form)
        d = form.cleaned_data
        try:
            services.add_observation(
                cycle=cycle,
                date=d["date"],
                note=d["note"],
                measure=d["measure"],
                value=d["value"] or None,
                numerator=d["numerator"] or None,
                denominator=d["denominator"] or None,
                user=user,
            )
        except ValidationError as error:
            raise _bound(error, "observation", form) from None
        return "do", None
    if section == "attach":
        form = AttachmentForm(post, request.FILES)
        if not form.is_valid():
            raise _bound(ValidationError(""), "attach", form)
        try:
            services.add_attachment(cycle=cycle, upload=form.cleaned_data["file"], user=user)
        except ValidationError as error:
            raise _bound(error, "attach", form) from None
        return "do", None
    if section == "study":
        services.save_study(
            cycle=cycle, summary=post.get("study_summary", ""), results=_study_results(cycle, post)
        )
        return "study", None
    if section == "act":
        form = ActForm(post)
        if not form.is_valid():
            raise _bound(ValidationError(""), "act", form)
        try:
            services.act(
                cycle=cycle,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            raise _bound(error, "act", form) from None
        if form.cleaned_data["open_next"] and cycle.decision != Cycle.Decision.ABANDON:
            following = services.next_cycle(cycle=cycle, user=user)
            return "plan", _url(following)
        return "act", None
    if section == "next":
        return "plan", _url(services.next_cycle(cycle=cycle, user=user))
    if section == "authors":
        form = AuthorsForm(post, candidates=_author_candidates(cycle))
        if not form.is_valid():
            raise _bound(ValidationError(""), "authors", form)
        services.set_authors(cycle=cycle, authors=form.cleaned_data["authors"])
        return "people", None
    raise ValidationError(f"Unknown section {section!r}.")


def _bound(error: ValidationError, section: str, form) -> ValidationError:
    """Attach a refused service error to the form it came from, for showing back."""
    if error.messages != [""]:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            form.add_error(None, error.messages)
    error.form = (section, form)
    return error


def _pk(post, name) -> int:
    value = post.get(name, "")
    if not value.isdigit():
        raise ValidationError(f"Choose a {name.replace('_id', '')}.")
    return int(value)


@login_required
@require_http_methods(["GET", "POST"])
def cycle_detail(request, network, pk):
    network, cycle = _cycle(request, network, pk)
    if request.method == "GET":
        return render(request, "pdsa/cycle.html", _context(request, network, cycle))
    section = request.POST.get("section", "")
    try:
        anchor, url = _handle(request, network, cycle, section)
    except ValidationError as error:
        cycle = selectors.cycle_for(request.user, network, pk)  # as saved: nothing half-done
        bound = getattr(error, "form", None)
        ctx = _context(request, network, cycle, bound=bound, errors=[] if bound else error.messages)
        return render(request, "pdsa/cycle.html", ctx, status=400)
    return redirect(url or _url(cycle, anchor))


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
            _bound(error, "new", form)
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


CSV_COLUMNS = [
    "id",
    "title",
    "site",
    "project",
    "change idea",
    "status",
    "scale",
    "planned start",
    "due",
    "completed",
    "decision",
    "reason",
    "predictions",
    "held",
]


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
        return _csv(network, cycles.prefetch_related("questions"))
    theory = Node.objects.filter(diagram__network=network, diagram__project=None)
    return render(
        request,
        "pdsa/list.html",
        {
            "network": network,
            "cycles": cycles[:200],
            "count": cycles.count(),
            "params": params,
            "notes": notes,
            "ideas": theory.filter(kind=Node.Kind.CHANGE_IDEA),
            "drivers": theory.filter(
                kind__in=[Node.Kind.PRIMARY, Node.Kind.SECONDARY, Node.Kind.TERTIARY]
            ),
            "sites": sites_for(request.user, network).order_by("name"),
            "statuses": S.choices,
            "decisions": Cycle.Decision.choices,
            "projects": selectors.plannable_projects(request.user, network),
            "overdue": selectors.overdue(
                selectors.cycles_for(request.user, network).filter(authors=request.user)
            ),
            "query": request.GET.urlencode(),
        },
    )


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _csv(network, cycles) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{network.slug}-pdsa-cycles.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for c in cycles.select_related("project__site", "change_idea"):
        questions = list(c.questions.all())
        held = sum(q.held == LearningQuestion.Held.YES for q in questions)
        writer.writerow(
            [
                safe_cell(v)
                for v in (
                    c.pk,
                    c.title,
                    c.project.site.name,
                    c.project.title,
                    c.change_idea.name,
                    c.get_status_display(),
                    c.get_scale_display() if c.scale else "",
                    c.planned_start,
                    c.due,
                    c.completed_on,
                    c.get_decision_display(),
                    c.decision_reason,
                    len(questions),
                    held,
                )
            ]
        )
    return response


IDEA_PAGE_ROWS = 300  # the rest are one click away in the PDSA search (and its CSV)


@login_required
def idea_page(request, network, key):
    """Every cycle on one change idea across the network: ramps per school and the evidence."""
    network = get_network(request, network)
    node = get_object_or_404(
        Node, key=key, kind=Node.Kind.CHANGE_IDEA, diagram__network=network, diagram__project=None
    )
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
    items = Notification.objects.filter(user=request.user).select_related("cycle__network")[:100]
    return render(request, "pdsa/notifications.html", {"items": items})
