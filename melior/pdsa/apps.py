from django.apps import AppConfig


class PdsaConfig(AppConfig):
    name = "melior.pdsa"
    verbose_name = "PDSA cycles"

    def ready(self):
        from auditlog.registry import auditlog

        from melior.measures.markers import chart_markers
        from melior.projects.panels import project_panels
        from melior.theory.panels import node_panels

        from . import hooks, models, permissions  # noqa: F401 — registers the rules

        chart_markers.register(hooks.cycle_markers)
        node_panels.register(hooks.idea_evidence_panel)
        project_panels.register(hooks.project_cycles_panel)

        for model in (
            models.Cycle,
            models.LearningQuestion,
            models.CycleObservation,
            models.Attachment,
            models.Comment,
        ):
            auditlog.register(model)
