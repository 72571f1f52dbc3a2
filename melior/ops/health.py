"""Liveness and readiness for load balancers and monitoring (django-health-check):

- /health/live   the process answers (no dependency checked: restart it only if this fails);
- /health/ready  it can serve: the database, the cache and free disk under var/ (send traffic);
- /health/       all of that and the worker's heartbeat (alert on it; docs/operations.md).

Each answers 200 when every check passes and 503 with the failing checks named otherwise."""

import dataclasses
import shutil
import time

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from .jobs import last_beat


@dataclasses.dataclass
class FreeDisk(HealthCheck):
    """Enough free space where the database, uploads and backups are written."""

    def run(self):
        free_mb = shutil.disk_usage(settings.VAR_DIR).free / 1e6
        if free_mb < settings.MELIOR_DISK_MIN_FREE_MB:
            raise ServiceUnavailable(
                f"{free_mb:,.0f} MB free, below {settings.MELIOR_DISK_MIN_FREE_MB:,.0f} MB"
            )


@dataclasses.dataclass
class WorkerHeartbeat(HealthCheck):
    """The worker said it was alive recently (it beats every minute)."""

    def run(self):
        beat = last_beat()
        if beat is None:
            raise ServiceUnavailable("No worker has reported; start `melior worker`")
        age = time.time() - beat
        if age > settings.MELIOR_WORKER_STALE_SECONDS:
            raise ServiceUnavailable(f"The worker last reported {age:,.0f} s ago")


class _Checks(HealthCheckView):
    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503  # a dependency is down: "not now", not a bug here
        return response


READY = (Database, Cache, FreeDisk)


@never_cache
def live(request):
    return JsonResponse({"status": "ok"})


ready = _Checks.as_view(checks=READY)
everything = _Checks.as_view(checks=(*READY, WorkerHeartbeat))
