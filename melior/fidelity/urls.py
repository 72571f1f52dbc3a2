from django.urls import path

from . import views

urlpatterns = [
    path("fidelity/", views.fidelity_page, name="fidelity"),
    path("fidelity/ideas/<int:idea>/", views.idea_page, name="fidelity-idea"),
    path("fidelity/ideas/<int:idea>/plan/", views.set_plan, name="fidelity-plan"),
    path("fidelity/ideas/<int:idea>/components/", views.add_component, name="fidelity-component"),
    path("fidelity/ideas/<int:idea>/checks/", views.record_check, name="fidelity-check"),
    path(
        "fidelity/ideas/<int:idea>/adaptations/", views.log_adaptation, name="fidelity-adaptation"
    ),
]
