"""My work (the signed-in home page), the notification bell and the checklist's dismissal."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from melior.pdsa.selectors import unread_count

from .. import selectors, services


@login_required
@require_GET
def my_work(request):
    visit = services.record_visit(user=request.user)
    work = selectors.my_work(request.user, visit.since)
    return render(
        request,
        "workspace/my_work.html",
        {
            "work": work,
            "since": visit.since,
            "mentions": selectors.mentions(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def bell(request):
    """The bell alone, for htmx to poll: the unread count as it is now."""
    return render(
        request, "workspace/_bell.html", {"unread_notifications": unread_count(request.user)}
    )


@login_required
@require_POST
def dismiss_checklist(request):
    services.dismiss_checklist(user=request.user)
    return redirect("home")
