"""Ticks first-run checklist steps that are taken by opening a page (the others are read from
what the person made). Costs nothing once a step is ticked: the session remembers it."""

from . import services
from .checklist import PAGE_STEPS

SESSION_KEY = "workspace_steps"


def checklist_steps(get_response):
    def middleware(request):
        response = get_response(request)
        match = getattr(request, "resolver_match", None)
        step = PAGE_STEPS.get(match.url_name) if match is not None else None
        if (
            step is not None
            and request.method == "GET"
            and response.status_code == 200
            and request.user.is_authenticated
        ):
            taken = request.session.get(SESSION_KEY, [])
            if step not in taken:
                services.take_step(user=request.user, step=step)
                request.session[SESSION_KEY] = [*taken, step]
        return response

    return middleware
