"""The JSON API: one NinjaAPI, with a router per domain app, documented at /api/docs."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer, django_auth

from melior import __version__
from melior.core.imports import ImportRefused
from melior.core.imports.render import problems_json
from melior.evaluation.api import router as pilots_router
from melior.fidelity.api import router as fidelity_router
from melior.governance.api import router as students_router
from melior.governance.gaps_api import router as gaps_router
from melior.measures.api import router as measures_router
from melior.networks.api import router as networks_router
from melior.pdsa.api import router as pdsa_router
from melior.progress.api import router as progress_router
from melior.projects.api import router as projects_router
from melior.theory.api import router as theory_router

from .services import user_for_key


class TokenAuth(HttpBearer):
    """`Authorization: Bearer mlr_…` with a token from `melior token create`."""

    def authenticate(self, request, token):
        user = user_for_key(token)
        if user is not None:
            request.user = user
        return user


def for_people_who_use_melior(view):
    """The docs page and the schema are shown to someone signed in or holding a token; a
    visitor is sent to sign in and learns nothing of the API (not even Melior's version)."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.user.is_authenticated or TokenAuth()(request) is not None:
            return view(request, *args, **kwargs)
        return redirect_to_login(request.get_full_path())

    return guarded


api = NinjaAPI(
    title="Melior API",
    version=__version__,
    description=(
        "Networks, sites, measures, observations and improvement projects, with the same "
        "permissions as the app. Authenticate with a personal token "
        "(`Authorization: Bearer mlr_…`, created on your account page or with `melior token "
        "create USER NAME`) or, from the browser, with your session."
    ),
    auth=[TokenAuth(), django_auth],
    docs_decorator=for_people_who_use_melior,
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def refused(request, exc: ValidationError):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(
        request, {"detail": "The data were refused.", "errors": errors}, status=400
    )


@api.exception_handler(ImportRefused)
def import_refused(request, exc: ImportRefused):
    """A refused import: every problem, as the import page and the command line list them."""
    return api.create_response(request, problems_json(exc), status=400)


@api.exception_handler(SchemaValidationError)
def malformed(request, exc: SchemaValidationError):
    return api.create_response(
        request, {"detail": "The request is malformed.", "errors": exc.errors}, status=422
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": "You may not do this."}, status=403)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(
        request, {"detail": "Authenticate with a token or log in."}, status=401
    )


api.add_router("/networks", networks_router)
api.add_router("/networks", measures_router)
api.add_router("/networks", projects_router)
api.add_router("/networks", progress_router)
api.add_router("/networks", fidelity_router)
api.add_router("/networks", students_router)
api.add_router("/networks", gaps_router)
api.add_router("/networks", theory_router)
api.add_router("/networks", pdsa_router)
api.add_router("/networks", pilots_router)
