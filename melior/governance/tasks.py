"""The worker's share of student-data work: imports too long for a request."""

from huey.contrib.djhuey import db_task


@db_task(retries=2, retry_delay=30, context=True)
def run_import_job(job_id: int, task=None) -> None:
    from .import_jobs import fail_job, run_job
    from .models import ImportJob

    job = ImportJob.objects.select_related("network", "user").filter(pk=job_id).first()
    if job is None or job.finished:
        return  # deleted, or done by an earlier try: nothing to do again
    try:
        run_job(job)
    except Exception:
        if not task.retries:
            fail_job(job)  # the page says so; the operator sees the error in `melior jobs`
        raise


@db_task(retries=2, retry_delay=60)
def count_subgroups(network_id: int) -> None:
    """After student data changed, count the network page's equity view ("Gaps narrowing")
    again, so its first visitor reads a few thousand counts instead of every record."""
    from melior.networks.models import Network

    from .gaps import BadChoice, choose
    from .subgroup_counts import counts, sources

    network = Network.objects.filter(pk=network_id).first()
    if network is None:
        return  # deleted since: nothing to count
    try:
        choice = choose(network)
    except BadChoice:
        return  # no student outcomes (any more)
    counts(network, choice, sources(choice.purpose_id))
