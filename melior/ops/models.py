from django.db import models


class FailedJob(models.Model):
    """A background job that failed after its last retry, kept for the operator to see (the
    admin's Operations section and `melior jobs`)."""

    task = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64, db_index=True)
    arguments = models.TextField(blank=True)
    error = models.TextField()
    failed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-failed_at"]

    def __str__(self):
        return f"{self.task} failed at {self.failed_at:%Y-%m-%d %H:%M}"
