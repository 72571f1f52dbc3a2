"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit with OIDC
on, in its own process, with its own database, users and signing key.

    python serve.py PORT  (environment: PROVIDER_DB, PROVIDER_RSA_KEY, PROVIDER_CLIENT_ID,
    PROVIDER_CLIENT_SECRET, PROVIDER_REDIRECT_URI, PROVIDER_USERS="email:password,...")

Its cookies have their own names: Melior and the provider share the host 127.0.0.1/localhost.
"""

import os
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

import django
from django.conf import settings
from django.urls import include, path

HERE = os.path.dirname(os.path.abspath(__file__))


def urlpatterns_():
    from django.contrib.auth import views as auth_views

    return [
        path("accounts/login/", auth_views.LoginView.as_view(template_name="login.html")),
        path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    ]


urlpatterns = []


def configure():
    settings.configure(
        DEBUG=False,
        SECRET_KEY="provider-only-" + os.urandom(8).hex(),
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "oauth2_provider",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [HERE],
                "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
            }
        ],
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["PROVIDER_DB"]}
        },
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        SESSION_COOKIE_NAME="provider_session",
        CSRF_COOKIE_NAME="provider_csrf",
        LOGIN_URL="/accounts/login/",
        USE_TZ=True,
        OAUTH2_PROVIDER={
            "OIDC_ENABLED": True,
            "OIDC_RSA_PRIVATE_KEY": os.environ["PROVIDER_RSA_KEY"],
            "OAUTH2_VALIDATOR_CLASS": "validator.Validator",
            "SCOPES": {"openid": "OpenID Connect", "profile": "Profile", "email": "Email"},
            "PKCE_REQUIRED": True,
            "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
        },
    )


def seed():
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    for entry in filter(None, os.environ.get("PROVIDER_USERS", "").split(",")):
        email, password = entry.split(":", 1)
        get_user_model().objects.create_user(username=email, email=email, password=password)
    Application.objects.create(
        name="Melior",
        client_id=os.environ["PROVIDER_CLIENT_ID"],
        client_secret=os.environ["PROVIDER_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=os.environ["PROVIDER_REDIRECT_URI"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main():
    sys.path.insert(0, HERE)
    configure()
    django.setup()
    global urlpatterns
    urlpatterns = urlpatterns_()
    seed()
    from django.core.wsgi import get_wsgi_application

    server = make_server(
        "127.0.0.1", int(sys.argv[1]), get_wsgi_application(), handler_class=QuietHandler
    )
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
