"""Per-person state of the workspace: when someone last looked at "My work" and how far they
are through their first-run checklist. Per-user state only: it stays out of network archives."""

from django.conf import settings
from django.db import models


class Visit(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workspace_visit"
    )
    # "what changed since my last visit" counts from `since`: the previous visit's last look
    since = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # checklist steps the person has taken by opening a page (the rest are read from their data)
    steps = models.JSONField(default=list, blank=True)
    checklist_dismissed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user}'s workspace"
