"""The worker's schedule (docs/operations.md). Each periodic job runs the same code as its
`melior` command, so running it twice, or by hand as well, does no harm; a failure is retried and,
after the last retry, listed by `melior jobs` and in the admin."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .jobs import SCHEDULE, beat

RETRIES = 3
RETRY_DELAY = 300  # seconds: long enough for a database restart or a full disk to be seen to


def periodic(when: str, **cron):
    """Register a daily (or other crontab) job, one run at a time, listed under `when`."""

    def register(function):
        SCHEDULE[function.__name__] = (when, function.__doc__.strip().splitlines()[0])
        return db_periodic_task(
            crontab(**cron), retries=RETRIES, retry_delay=RETRY_DELAY, name=function.__name__
        )(lock_task(function.__name__)(function))

    return register


def run_command(*arguments: str) -> None:
    """Run a `melior` command in this process; a refusal (exit code ≠ 0) fails the job."""
    from melior.cli import app

    code = app(list(arguments), standalone_mode=False)
    if code:
        raise RuntimeError(f"`melior {' '.join(arguments)}` exited with code {code}")


@periodic("daily at 06:00 UTC", hour="6", minute="0")
def notify():
    """Overdue PDSA reminders, then the email digest (`melior notify`)."""
    run_command("notify")


@periodic("daily at 03:00 UTC", hour="3", minute="0")
def purge():
    """Remove student data past retention and stale uploads (`melior purge`)."""
    run_command("purge")


@periodic("daily at 02:30 UTC", hour="2", minute="30")
def backup():
    """Back up the database and keep the newest (`melior backup`)."""
    run_command("backup")


@periodic("daily at 04:00 UTC", hour="4", minute="0")
def aggregate_usage():
    """Turn EdTech usage into weekly measures (`melior usage aggregate --all`)."""
    run_command("usage", "aggregate", "--all")


@periodic("every minute", minute="*")
def heartbeat():
    """Tell the health endpoint the worker is alive."""
    beat()
