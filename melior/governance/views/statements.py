"""xAPI statements from an EdTech source, authenticated by the source's own key."""

import base64
import json

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .. import xapi


@csrf_exempt
@require_http_methods(["POST"])
def xapi_statements(request):
    """xAPI statements from an EdTech source (its key as Bearer or Basic auth)."""
    version = request.headers.get("X-Experience-API-Version", "")
    if not version.startswith(xapi.VERSIONS):
        return _xapi_error(400, "Send the X-Experience-API-Version header (1.0.3 or 2.0.0).")
    source = xapi.source_for_key(_xapi_key(request))
    if source is None:
        return _xapi_error(401, "Authenticate with the source's key.")
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _xapi_error(400, "The body is not JSON.")
    try:
        outcome = xapi.ingest(source=source, payload=payload)
    except ValidationError as error:
        return JsonResponse(
            {
                "error": "The statements were refused; none was recorded.",
                "problems": error.messages,
            },
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    response = JsonResponse(outcome["ids"], safe=False)
    response["X-Experience-API-Version"] = "2.0.0" if version.startswith("2.") else "1.0.3"
    response["X-Melior-Counted"] = outcome["counted"]
    response["X-Melior-Ignored-Without-Consent"] = outcome["ignored_without_consent"]
    response["X-Melior-Already-Received"] = outcome["already_received"]
    return response


def _xapi_key(request) -> str:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    if header.startswith("Basic "):
        try:
            return base64.b64decode(header[6:]).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            return ""
    return ""


def _xapi_error(status, message):
    return JsonResponse({"error": message}, status=status)
