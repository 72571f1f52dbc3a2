from django.urls import path

from .views import measures, network, people, schools

# under /n/<network>/settings/
urlpatterns = [
    path("", network.network_settings, name="settings"),
    path("schools/", schools.school_list, name="settings-schools"),
    path("schools/add/", schools.school_add, name="settings-school-add"),
    path("schools/import/", schools.school_import, name="settings-schools-import"),
    path("schools/<slug:site>/", schools.school_edit, name="settings-school"),
    path("schools/<slug:site>/retire/", schools.school_retire, name="settings-school-retire"),
    path("measures/", measures.measure_list, name="settings-measures"),
    path("measures/new/", measures.measure_edit, name="settings-measure-new"),
    path("measures/<slug:measure>/", measures.measure_edit, name="settings-measure"),
    path("people/", people.people, name="settings-people"),
    path("people/invite/", people.invite, name="settings-invite"),
    path("people/<int:pk>/deactivate/", people.person_deactivate, name="settings-deactivate"),
    path(
        "invitations/<int:pk>/resend/", people.invitation_resend, name="settings-invitation-resend"
    ),
    path(
        "invitations/<int:pk>/cancel/", people.invitation_cancel, name="settings-invitation-cancel"
    ),
    path("roles/<int:pk>/", people.role_change, name="settings-role"),
    path("roles/<int:pk>/remove/", people.role_remove, name="settings-role-remove"),
]

# at the top level
top_urlpatterns = [
    path("networks/new/", network.new_network, name="network-new"),
    path("invitations/<str:token>/", people.invitation, name="invitation"),
]
