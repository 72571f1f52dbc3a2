from allauth.account import views as allauth_views
from django.contrib import admin
from django.urls import include, path

from melior.accounts.views import signin
from melior.administration import urls as administration_urls
from melior.api.api import api
from melior.governance.views.statements import xapi_statements
from melior.pdsa.views.notifications import notifications
from melior.problems import urls as problem_urls
from melior.theory import urls as theory_urls
from melior.web import views as web_views
from melior.workspace import urls as workspace_urls

urlpatterns = [
    path("", include(workspace_urls.urlpatterns)),
    # sign-in by username or email (allauth), under the names Melior's pages always used
    path("accounts/login/", signin.login, name="login"),
    path("accounts/logout/", allauth_views.logout, name="logout"),
    path("", include("melior.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("favicon.ico", web_views.favicon, name="favicon"),
    path("healthz", web_views.healthz, name="healthz"),
    path("health/", include("melior.ops.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("n/<slug:network>/", include("melior.dashboard.urls")),
    path("n/<slug:network>/", include("melior.measures.urls")),
    path("n/<slug:network>/", include("melior.projects.urls")),
    path("n/<slug:network>/", include("melior.progress.urls")),
    path("n/<slug:network>/", include("melior.convening.urls")),
    path("n/<slug:network>/", include("melior.fidelity.urls")),
    path("n/<slug:network>/", include(workspace_urls.network_urlpatterns)),
    path("n/<slug:network>/", include("melior.problems.urls")),
    path("n/<slug:network>/", include("melior.learning.urls")),
    path("n/<slug:network>/", include("melior.governance.urls")),
    path("n/<slug:network>/", include("melior.evaluation.urls")),
    path("n/<slug:network>/settings/", include("melior.administration.urls")),
    path("", include(administration_urls.top_urlpatterns)),
    path("n/<slug:network>/theory/", include("melior.theory.urls")),
    path("n/<slug:network>/pdsa/", include("melior.pdsa.urls")),
    path("notifications/", notifications, name="notifications"),
    path("xapi/statements", xapi_statements, name="xapi-statements"),
    path(
        "n/<slug:network>/projects/<int:project>/theory/",
        include(theory_urls.project_urlpatterns),
    ),
    path(
        "n/<slug:network>/projects/<int:project>/problem/",
        include(problem_urls.project_urlpatterns),
    ),
]

handler403 = "melior.web.views.permission_denied"
handler404 = "melior.web.views.page_not_found"
handler500 = "melior.web.views.server_error"
