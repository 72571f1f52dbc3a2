"""Shared pages: the health check, the favicon and friendly error pages."""

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links; send them to the SVG icon."""
    return HttpResponsePermanentRedirect(static("melior/favicon.svg"))


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: the same page whether or not the account
    exists, so the lockout cannot be used to find out who has one."""
    minutes = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


def permission_denied(request, exception=None):
    return render(
        request, "web/error.html", _error(403, "You don't have access to this page."), status=403
    )


def page_not_found(request, exception=None):
    return render(
        request,
        "web/error.html",
        _error(404, "There is nothing here, or it belongs to a network you are not part of."),
        status=404,
    )


def server_error(request):
    # Rendered without a request context: a broken context processor must not hide the page.
    return render(
        None,
        "web/error.html",
        _error(500, "Something went wrong on our side. It has been logged; please try again."),
        status=500,
    )


def _error(status: int, message: str) -> dict:
    titles = {403: "Not allowed", 404: "Not found", 500: "Server error"}
    return {"status": status, "title": titles[status], "message": message}
