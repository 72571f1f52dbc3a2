"""A user's notifications: read them, and mark them read."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("id") if v.isdigit()]
        services.mark_read(user=request.user, notification_ids=ids or None)
        return redirect("notifications")
    items = selectors.notifications_for(request.user)[:100]
    return render(request, "pdsa/notifications.html", {"items": items})
