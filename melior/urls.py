from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from melior.api.api import api
from melior.governance.views.statements import xapi_statements
from melior.pdsa import views as pdsa_views
from melior.problems import urls as problem_urls
from melior.theory import urls as theory_urls
from melior.web import account
from melior.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", account.account, name="account"),
    path("accounts/password/", account.change_password, name="change-password"),
    path("accounts/tokens/", account.create_api_token, name="create-api-token"),
    path("accounts/tokens/<int:pk>/revoke/", account.revoke_api_token, name="revoke-api-token"),
    path("favicon.ico", web_views.favicon, name="favicon"),
    path("healthz", web_views.healthz, name="healthz"),
    path("health/", include("melior.ops.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("n/<slug:network>/", include("melior.dashboard.urls")),
    path("n/<slug:network>/", include("melior.measures.urls")),
    path("n/<slug:network>/", include("melior.projects.urls")),
    path("n/<slug:network>/", include("melior.progress.urls")),
    path("n/<slug:network>/", include("melior.problems.urls")),
    path("n/<slug:network>/", include("melior.learning.urls")),
    path("n/<slug:network>/", include("melior.governance.urls")),
    path("n/<slug:network>/", include("melior.evaluation.urls")),
    path("n/<slug:network>/theory/", include("melior.theory.urls")),
    path("n/<slug:network>/pdsa/", include("melior.pdsa.urls")),
    path("notifications/", pdsa_views.notifications, name="notifications"),
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
