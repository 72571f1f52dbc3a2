"""One id per request on every log line it causes (and on the response, as X-Request-ID, so a
user's report can be matched to the logs), and a warning for each slow request naming its view
and how many database queries it made."""

import contextvars
import logging
import re
import time
import uuid

from django.conf import settings
from django.db import connections

logger = logging.getLogger("melior.requests")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# an id handed on by the proxy is kept only when it cannot forge a log line
TRUSTED_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id.get()
        return True


class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.id = given if TRUSTED_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(request.id)
        counter = _QueryCounter()
        started = time.perf_counter()
        try:
            with connections["default"].execute_wrapper(counter):
                response = self.get_response(request)
            elapsed_ms = (time.perf_counter() - started) * 1000
            if elapsed_ms > settings.MELIOR_SLOW_REQUEST_MS:
                match = request.resolver_match
                logger.warning(
                    "slow request",
                    extra={
                        "view": match.view_name if match else "",
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round(elapsed_ms, 1),
                        "queries": counter.count,
                    },
                )
            response["X-Request-ID"] = request.id
            return response
        finally:
            request_id.reset(token)
