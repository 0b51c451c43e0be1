"""A second, independent OpenID provider for the tests: Django OAuth Toolkit (PyPI), a
Python implementation used by many Django sites, configured the way its documentation says for
a public client with PKCE. Everything Django sends by default stays on, Cross-Origin-Opener-
Policy: same-origin included.

Run: `python tests/providers/dot_idp.py` with
  DOT_PORT            port on 127.0.0.1
  DOT_REDIRECT_URIS   space-separated redirect URIs of the public client `streamlit-demo`
  DOT_ORIGINS         space-separated origins allowed by CORS (the app's)
  DOT_ACCESS_TOKEN_TTL, DOT_ID_TOKEN_TTL   lifetimes in seconds (300)
  DOT_DB              the SQLite file (created and migrated at start)
The issuer is http://localhost:$DOT_PORT/o; users alice and bob as in examples/idp/users.json.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
USERS = json.loads((HERE.parent.parent / "examples" / "idp" / "users.json").read_text())
CLIENT_ID = "streamlit-demo"


def rsa_private_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def configure() -> None:
    from django.conf import settings

    port = int(os.environ["DOT_PORT"])
    settings.configure(
        DEBUG=False,
        SECRET_KEY=os.urandom(32).hex(),
        ALLOWED_HOSTS=["localhost", "127.0.0.1"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
            "corsheaders", "oauth2_provider",
        ],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "corsheaders.middleware.CorsMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["DOT_DB"]}},
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [str(HERE / "templates")],
                    # Django OAuth Toolkit's own pages (the logout confirmation), as in a
                    # project made by startproject.
                    "APP_DIRS": True,
                    "OPTIONS": {"context_processors": ["django.template.context_processors.request"]}}],
        LOGIN_URL="/accounts/login/",
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        CORS_ALLOWED_ORIGINS=os.environ.get("DOT_ORIGINS", "").split(),
        OAUTH2_PROVIDER={
            "OIDC_ENABLED": True,
            "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
            "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
            "OIDC_RSA_PRIVATE_KEY": rsa_private_key(),
            "OIDC_ISS_ENDPOINT": f"http://localhost:{port}/o",
            "PKCE_REQUIRED": True,
            "ROTATE_REFRESH_TOKEN": True,
            "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("DOT_ACCESS_TOKEN_TTL", "300")),
            "ID_TOKEN_EXPIRE_SECONDS": int(os.environ.get("DOT_ID_TOKEN_TTL", "300")),
            "SCOPES": {"openid": "OpenID Connect", "profile": "Your name", "email": "Your email"},
            "OAUTH2_VALIDATOR_CLASS": f"{__name__}.Validator",
        },
    )


def set_up() -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0, interactive=False)
    for user in USERS:
        first, _, last = user["name"].partition(" ")
        account, _ = User.objects.get_or_create(username=user["username"])
        account.first_name, account.last_name, account.email = first, last, user["email"]
        account.set_password(user["password"])
        account.save()
    Application.objects.filter(client_id=CLIENT_ID).delete()
    Application.objects.create(
        client_id=CLIENT_ID, name="Streamlit login component", client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE, skip_authorization=True,
        redirect_uris=os.environ["DOT_REDIRECT_URIS"], post_logout_redirect_uris=os.environ["DOT_REDIRECT_URIS"],
        algorithm=Application.RS256_ALGORITHM, client_secret="", hash_client_secret=False)


if __name__ == "__main__":
    configure()
    import django

    django.setup()

from django.conf import settings as _settings  # noqa: E402

if _settings.configured:
    from django.contrib.auth import views as auth_views
    from django.urls import include, path
    from oauth2_provider.oauth2_validators import OAuth2Validator

    class Validator(OAuth2Validator):
        """The profile and email claims in the ID token, as hosted providers put them."""

        oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "name": "profile",
                            "preferred_username": "profile", "email": "email", "email_verified": "email"}

        def get_additional_claims(self, request):
            user = request.user
            return {"name": user.get_full_name(), "preferred_username": user.username,
                    "email": user.email, "email_verified": True}

    urlpatterns = [
        path("accounts/login/", auth_views.LoginView.as_view()),
        path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    ]

if __name__ == "__main__":
    from django.core.management import call_command

    set_up()
    sys.stdout.write(f"django-oauth-toolkit provider on http://localhost:{os.environ['DOT_PORT']}/o\n")
    sys.stdout.flush()
    call_command("runserver", f"127.0.0.1:{os.environ['DOT_PORT']}", "--noreload")
