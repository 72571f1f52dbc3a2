from .jobs import SCHEDULE
from .models import FailedJob


def schedule() -> list[tuple[str, str, str]]:
    """Each periodic job: its name, when it runs and what it does."""
    from . import tasks  # noqa: F401 — registers the schedule

    return [(name, when, what) for name, (when, what) in SCHEDULE.items()]


def recent_failures(limit: int = 20) -> list[FailedJob]:
    return list(FailedJob.objects.all()[:limit])
