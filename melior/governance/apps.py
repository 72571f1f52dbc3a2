from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "melior.governance"
    verbose_name = "Student data governance"

    def ready(self):
        from auditlog.registry import auditlog
        from django.db.models.signals import post_delete, post_save

        from melior.networks.models import Membership

        from . import models, permissions  # noqa: F401 — registers the rules
        from .signals import role_removed, role_saved, student_saved

        for model in (
            models.PrivacySettings,
            models.Purpose,
            models.Consent,
            models.SharingAgreement,
            models.RowAccessGrant,
        ):
            auditlog.register(model)
        post_save.connect(role_saved, sender=Membership, dispatch_uid="melior-audit-role")
        post_delete.connect(role_removed, sender=Membership, dispatch_uid="melior-audit-role-gone")
        post_save.connect(student_saved, sender=models.Student, dispatch_uid="melior-counts")
