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
