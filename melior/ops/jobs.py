"""What the operator sees of the task queue: the schedule and the jobs that failed."""

import time
import traceback

from huey.contrib.djhuey import HUEY, signal
from huey.signals import SIGNAL_ERROR

from .models import FailedJob

HEARTBEAT_KEY = "melior:worker-heartbeat"

# task name -> (when it runs, what it does), in words; filled by `tasks.periodic`
SCHEDULE: dict[str, tuple[str, str]] = {}


@signal(SIGNAL_ERROR)
def record_failure(signal_name, task, exc=None):
    """Keep a job that has no retry left, so it does not fail unseen in a worker's log."""
    if task.retries:
        return  # it runs again; only the last failure is the operator's business
    FailedJob.objects.create(
        task=task.name,
        task_id=task.id,
        arguments=repr((task.args, task.kwargs))[:2000],
        error="".join(traceback.format_exception(exc))[-8000:] if exc else "",
    )


def beat(now: float | None = None) -> None:
    """Say the worker is alive (the readiness check reads it from the queue's own storage,
    which every app server shares with the worker)."""
    HUEY.put(HEARTBEAT_KEY, now if now is not None else time.time())


def last_beat() -> float | None:
    return HUEY.get(HEARTBEAT_KEY, peek=True)
