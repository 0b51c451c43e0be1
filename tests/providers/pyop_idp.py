"""A third provider implementation for the tests: pyop (IdentityPython's OpenID Provider
library, the one SATOSA runs on), served by Flask the way pyop's own example does. It differs
from the others where it matters: refreshes return no new ID token (only access and refresh
tokens), the sign-in pages send no Cross-Origin-Opener-Policy, and the provider's session lives
in a cookie of its own.

pyop takes only an https issuer, so it serves TLS with the certificate it is given.

Run: `python tests/providers/pyop_idp.py` with
  PYOP_PORT            port on 127.0.0.1 (the issuer is https://localhost:$PYOP_PORT)
  PYOP_CERT, PYOP_KEY  the TLS certificate and key (PEM) for localhost
  PYOP_REDIRECT_URIS   space-separated redirect URIs of the public client `streamlit-demo`
  PYOP_ORIGINS         space-separated origins allowed by CORS at the token endpoint
  PYOP_ACCESS_TOKEN_TTL, PYOP_ID_TOKEN_TTL   lifetimes in seconds (300, 3600)
Users alice and bob as in examples/idp/users.json.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlencode

from Cryptodome.PublicKey import RSA
from flask import Flask, Response, jsonify, redirect, request, session
from jwkest.jwk import RSAKey
from oic.oic.message import AuthorizationRequest, EndSessionRequest
from pyop.authz_state import AuthorizationState
from pyop.exceptions import InvalidAuthenticationRequest, OAuthError
from pyop.provider import Provider
from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
from pyop.userinfo import Userinfo

CLIENT_ID = "streamlit-demo"
USERS = {u["username"]: u for u in json.loads(
    (Path(__file__).resolve().parents[2] / "examples" / "idp" / "users.json").read_text())}

port = int(os.environ["PYOP_PORT"])
issuer = f"https://localhost:{port}"
redirect_uris = os.environ["PYOP_REDIRECT_URIS"].split()
origins = set(os.environ.get("PYOP_ORIGINS", "").split())

configuration = {
    "issuer": issuer,
    "authorization_endpoint": f"{issuer}/authorize",
    "token_endpoint": f"{issuer}/token",
    "jwks_uri": f"{issuer}/jwks",
    "end_session_endpoint": f"{issuer}/end_session",
    "response_types_supported": ["code"],
    "grant_types_supported": ["authorization_code", "refresh_token"],
    "code_challenge_methods_supported": ["S256"],
    "token_endpoint_auth_methods_supported": ["none"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
    "scopes_supported": ["openid", "profile", "email"],
}
clients = {CLIENT_ID: {
    "redirect_uris": redirect_uris, "post_logout_redirect_uris": redirect_uris,
    "response_types": ["code"], "token_endpoint_auth_method": "none",
}}
userinfo = Userinfo({name: {"sub": name, "name": u["name"], "email": u["email"], "email_verified": True,
                            "preferred_username": name} for name, u in USERS.items()})
provider = Provider(
    RSAKey(key=RSA.generate(2048), alg="RS256", kid="pyop-1"), configuration,
    AuthorizationState(HashBasedSubjectIdentifierFactory(secrets.token_hex(16)),
                       access_token_lifetime=int(os.environ.get("PYOP_ACCESS_TOKEN_TTL", "300")),
                       refresh_token_lifetime=3600, refresh_token_threshold=3600),
    clients, userinfo, id_token_lifetime=int(os.environ.get("PYOP_ID_TOKEN_TTL", "3600")))


def id_claims(user_id: str, client_id: str) -> dict:
    """The profile and email claims in the ID token, as hosted providers put them."""
    claims = userinfo[user_id]
    return {k: claims[k] for k in ("name", "email", "email_verified", "preferred_username")}


app = Flask(__name__)
app.secret_key = secrets.token_bytes(32)
# The provider's session cookie goes with cross-site POSTs too (as Keycloak's and Okta's do), so
# that an RP-initiated logout by form POST reaches it.
app.config.update(SESSION_COOKIE_SAMESITE="None", SESSION_COOKIE_SECURE=True)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in (pyop)</title></head>
<body><h1>Sign in to the pyop provider</h1>{error}<form method="post" action="/login">
<label for="u">Username</label><input id="u" name="username" required autofocus>
<label for="p">Password</label><input id="p" name="password" type="password" required>
<button type="submit">Sign in</button></form></body></html>"""


def finish(user: str) -> Response:
    auth_request = AuthorizationRequest().deserialize(session.pop("auth_request"), "json")
    response = provider.authorize(auth_request, user, extra_id_token_claims=id_claims)
    return redirect(response.request(auth_request["redirect_uri"], False), 303)


@app.get("/.well-known/openid-configuration")
def discovery():
    response = jsonify(provider.provider_configuration.to_dict())
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@app.get("/jwks")
def jwks():
    response = jsonify(provider.jwks)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@app.get("/authorize")
def authorize():
    try:
        auth_request = provider.parse_authentication_request(urlencode(request.args))
    except InvalidAuthenticationRequest as error:
        return Response(f"invalid authentication request: {error}", 400)
    session["auth_request"] = auth_request.to_json()
    if session.get("user") in USERS:  # the provider's own session: no form again
        return finish(session["user"])
    return PAGE.format(error="")


@app.post("/login")
def login():
    name, password = request.form.get("username", ""), request.form.get("password", "")
    if "auth_request" not in session:
        return Response("no sign-in in progress", 400)
    if USERS.get(name, {}).get("password") != password:
        return Response(PAGE.format(error='<p role="alert">Invalid username or password.</p>'), 401)
    session["user"] = name
    return finish(name)


@app.post("/token")
def token():
    try:
        response = provider.handle_token_request(request.get_data().decode(), request.headers,
                                                 extra_id_token_claims=id_claims)
        reply = jsonify(response.to_dict())
    except OAuthError as error:
        reply = jsonify({"error": error.oauth_error, "error_description": str(error)})
        reply.status_code = 400
    if request.headers.get("Origin") in origins:
        reply.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
    reply.headers["Cache-Control"] = "no-store"
    return reply


@app.route("/end_session", methods=["GET", "POST"])
def end_session():
    # RP-Initiated Logout 1.0 §2: GET and POST. Without id_token_hint pyop cannot tell the
    # client, so it signs the user out without the redirect back.
    end_request = EndSessionRequest().deserialize(urlencode(request.form if request.method == "POST" else request.args))
    session.pop("user", None)
    provider.logout_user(end_session_request=end_request)
    target = provider.do_post_logout_redirect(end_request)
    return redirect(target, 303) if target else "Signed out."


if __name__ == "__main__":
    print(f"pyop provider {issuer}; redirect URIs {' '.join(redirect_uris)}", flush=True)
    app.run("127.0.0.1", port, threaded=True, ssl_context=(os.environ["PYOP_CERT"], os.environ["PYOP_KEY"]))
