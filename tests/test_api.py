"""The demo API (examples/api/app.py): the public endpoint, and protected endpoints that accept
only valid access tokens for the API with the right scope. In-process against a fake provider
(tokens minted with any claims: expired, wrong audience, forged...), then as its own process
against the real local provider with tokens from its code flow."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from typing import Any, Iterator

import pytest
import requests

from conftest import ARTIFACTS, ROOT, free_port, load_script, wait_for_http
from idp import API_AUDIENCE, CLIENT_ID, exchange, login_code, pkce_pair, running_idp
from streamlit_component import AuthConfig
from token_kit import API, FakeProvider, fake_provider, raw_jwt

API_APP = ROOT / "examples" / "api" / "app.py"
APP_ORIGIN = "http://localhost:8501"




demo_api = load_script(API_APP, "demo_api")


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeProvider]:
    with fake_provider() as fake:
        yield fake


@pytest.fixture(scope="module")
def client(provider: FakeProvider) -> Any:
    config = demo_api.ApiConfig(AuthConfig.from_dict({"issuer": provider.issuer, "client_id": CLIENT_ID, "audience": API}),
                                (APP_ORIGIN,))
    return demo_api.create_app(config).test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_ping_is_public(client):
    response = client.get("/api/ping")
    assert response.status_code == 200
    assert response.json["message"].startswith("ping")


def test_a_request_without_a_token_gets_401_and_a_bare_challenge(client):
    for method, path in (("GET", "/api/pong"), ("POST", "/api/solve")):
        response = client.open(path, method=method, json={"a": 1})
        assert response.status_code == 401
        assert response.json["error"] == "missing_token"
        challenge = response.headers["WWW-Authenticate"]
        # RFC 6750 §3.1: no error code when the request had no credentials at all.
        assert challenge.startswith('Bearer realm="') and "error=" not in challenge


def test_a_header_that_is_not_a_bearer_token_gets_401(client, provider):
    token = provider.mint(provider.access_claims())
    for header in (f"Basic {token}", "Bearer", f"Bearer {token} extra"):
        response = client.get("/api/pong", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["error"] == "invalid_token"
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def _invalid_tokens(provider: FakeProvider) -> dict[str, tuple[str, str]]:
    """name -> (token, the verifier's code the API must report)."""
    now = int(time.time())
    claims = provider.access_claims
    return {
        "expired": (provider.mint(claims(exp=now - 120, iat=now - 420)), "expired"),
        "wrong audience": (provider.mint(claims(aud="http://localhost:5000/other-api")), "invalid_audience"),
        "an ID token": (provider.mint(provider.id_claims("n" * 32)), "invalid_audience"),
        "other issuer": (provider.mint(claims(iss="http://127.0.0.1:1")), "invalid_issuer"),
        "other client": (provider.mint(claims(client_id="another-client")), "invalid_azp"),
        "forged signature": (provider.mint(claims(), "rsa-1", key=provider.keys["attacker"]), "invalid_signature"),
        "key not published": (provider.mint(claims(), "rsa-2"), "unknown_kid"),
        "alg none": (raw_jwt({"alg": "none", "kid": "rsa-1"}, claims()), "alg_not_allowed"),
        "not a JWT": ("opaque-token", "malformed_token"),
    }


@pytest.mark.parametrize("case", ["expired", "wrong audience", "an ID token", "other issuer", "other client",
                                  "forged signature", "key not published", "alg none", "not a JWT"])
def test_an_invalid_token_gets_401_with_the_reason(client, provider, case):
    token, code = _invalid_tokens(provider)[case]
    for method, path in (("GET", "/api/pong"), ("POST", "/api/solve")):
        response = client.open(path, method=method, headers=bearer(token), json={"a": 1, "b": -3, "c": 2})
        assert response.status_code == 401
        assert response.json["error"] == "invalid_token"
        assert response.json["code"] == code
        assert f'error="invalid_token", error_description="{code}"' in response.headers["WWW-Authenticate"]
        assert token not in response.get_data(as_text=True)


def test_a_token_without_the_scope_gets_403(client, provider):
    read_only = provider.mint(provider.access_claims(scope="openid read:chart"))
    response = client.post("/api/solve", headers=bearer(read_only), json={"a": 1, "b": -3, "c": 2})
    assert response.status_code == 403
    assert response.json == {"error": "insufficient_scope", "message": "this endpoint needs the scope write:solve",
                             "scope": "write:solve"}
    assert 'error="insufficient_scope", scope="write:solve"' in response.headers["WWW-Authenticate"]

    write_only = provider.mint(provider.access_claims(scope="write:solve"))
    response = client.get("/api/pong", headers=bearer(write_only))
    assert response.status_code == 403 and response.json["scope"] == "read:chart"
    # `scp` (a list) counts like `scope`.
    listed = provider.mint(provider.access_claims(scope=None, scp=["read:chart"]))
    assert client.get("/api/pong", headers=bearer(listed)).status_code == 200


def test_a_valid_token_is_accepted(client, provider):
    token = provider.mint(provider.access_claims(sub="bob", scope="read:chart write:solve"))
    pong = client.get("/api/pong", headers=bearer(token))
    assert pong.status_code == 200
    assert pong.json["sub"] == "bob" and pong.json["scopes"] == ["read:chart", "write:solve"]
    solve = client.post("/api/solve", headers={"Authorization": f"bearer {token}"}, json={"a": 1, "b": -3, "c": 2})
    assert solve.status_code == 200
    assert solve.json["roots"] == [1.0, 2.0] and solve.json["sub"] == "bob"


def test_solve_checks_its_body(client, provider):
    token = bearer(provider.mint(provider.access_claims()))
    for body in ([1, 2, 3], {"a": "1"}, {"a": True}, {"a": 0, "b": 0, "c": 0}):
        response = client.post("/api/solve", headers=token, json=body)
        assert response.status_code == 400, body
        assert response.json["error"] == "invalid_request"
    response = client.post("/api/solve", headers=token, data="not json", content_type="text/plain")
    assert response.status_code == 400


def test_solve_quadratic():
    solve = demo_api.solve_quadratic
    assert solve(1, -3, 2) == [1.0, 2.0]
    assert solve(1, -2, 1) == [1.0]
    assert solve(1, 0, 1) == []
    assert solve(0, 2, -4) == [2.0]
    assert solve(0, 0, 5) == []


def test_cors_answers_only_the_streamlit_origin(client):
    allowed = client.get("/api/ping", headers={"Origin": APP_ORIGIN})
    assert allowed.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "Origin" in allowed.headers["Vary"]
    preflight = client.options("/api/pong", headers={
        "Origin": APP_ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    for origin in ("http://localhost:8502", "http://evil.example", "null"):
        response = client.get("/api/ping", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in response.headers, origin
        response = client.options("/api/pong", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
        assert "Access-Control-Allow-Origin" not in response.headers, origin


def test_errors_are_json(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.json["error"] == "not_found"
    response = client.get("/api/solve")
    assert response.status_code == 405 and response.json["error"] == "method_not_allowed"


def test_a_provider_that_cannot_be_reached_gives_503_not_401(provider):
    down = f"http://127.0.0.1:{free_port()}"
    config = demo_api.ApiConfig(AuthConfig.from_dict({"issuer": down, "client_id": CLIENT_ID, "audience": API}),
                                (APP_ORIGIN,))
    response = demo_api.create_app(config).test_client().get(
        "/api/pong", headers=bearer(provider.mint(provider.access_claims(iss=down))))
    assert response.status_code == 503
    assert response.json["error"] == "temporarily_unavailable" and response.json["code"] == "discovery_failed"


def test_config_from_the_environment():
    config = demo_api.ApiConfig.from_env({
        "API_SERVER_METADATA_URL": "https://idp.example/.well-known/openid-configuration",
        "API_AUDIENCE": "https://api.example", "API_CLIENT_ID": "app", "API_ALLOWED_ORIGINS": "https://a.example, http://localhost:9"})
    assert config.auth.issuer == "https://idp.example" and config.auth.audience == "https://api.example"
    assert config.auth.client_id == "app"
    assert config.allowed_origins == ("https://a.example", "http://localhost:9")
    defaults = demo_api.ApiConfig.from_env({})
    assert defaults.auth.issuer == "http://localhost:9400" and defaults.auth.audience == "http://localhost:5000/api"
    assert defaults.allowed_origins == ("http://localhost:8501",)
    with pytest.raises(ValueError):
        demo_api.create_app(demo_api.ApiConfig(defaults.auth, ("not an origin",)))


# --- the API as its own process, with tokens from the real provider ---------------------------


@pytest.fixture(scope="module")
def real() -> Iterator[tuple[str, Any]]:
    """The local provider and the API (``python examples/api/app.py``) on free ports; yields the
    API's base URL and the provider."""
    app_port = free_port()
    with running_idp([f"http://localhost:{app_port}/component/streamlit_component.login/index.html"]) as idp:
        port = free_port()
        env = dict(os.environ, API_PORT=str(port), API_AUDIENCE=API_AUDIENCE, API_CLIENT_ID=CLIENT_ID,
                   API_SERVER_METADATA_URL=f"{idp.issuer}/.well-known/openid-configuration",
                   API_ALLOWED_ORIGINS=f"http://localhost:{app_port}")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with open(ARTIFACTS / f"api-{port}.log", "wb") as log:
            process = subprocess.Popen([sys.executable, str(API_APP)], env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_for_http(f"http://localhost:{port}/api/ping", 30, process)
                yield f"http://localhost:{port}/api", idp
            finally:
                process.terminate()
                process.wait(timeout=10)


def real_tokens(idp: Any, scope: str, user: str = "alice") -> dict[str, Any]:
    """Tokens from the provider's code flow (its sign-in form driven over HTTP)."""
    verifier, challenge = pkce_pair()
    callback = login_code(idp, user, f"{user}-password", challenge=challenge, state=secrets.token_urlsafe(16),
                          nonce=secrets.token_urlsafe(16), scope=scope)
    response = exchange(idp, callback["code"], verifier)
    assert response.status_code == 200, response.text
    return response.json()


def test_real_tokens_from_the_provider(real):
    api, idp = real
    assert requests.get(f"{api}/ping", timeout=5).status_code == 200
    missing = requests.get(f"{api}/pong", timeout=5)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer ")

    tokens = real_tokens(idp, "openid profile email read:chart")
    pong = requests.get(f"{api}/pong", headers=bearer(tokens["access_token"]), timeout=5)
    assert pong.status_code == 200, pong.text
    assert pong.json()["sub"] == "alice" and "read:chart" in pong.json()["scopes"]
    # Without write:solve in the grant, solving is refused.
    solve = requests.post(f"{api}/solve", headers=bearer(tokens["access_token"]), json={"a": 1, "b": -3, "c": 2},
                          timeout=5)
    assert solve.status_code == 403 and solve.json()["error"] == "insufficient_scope"
    # The ID token is for the client, not the API.
    id_as_access = requests.get(f"{api}/pong", headers=bearer(tokens["id_token"]), timeout=5)
    assert id_as_access.status_code == 401 and id_as_access.json()["code"] == "invalid_audience"


def test_real_token_with_write_scope_solves(real):
    api, idp = real
    tokens = real_tokens(idp, "openid read:chart write:solve", user="bob")
    solve = requests.post(f"{api}/solve", headers=bearer(tokens["access_token"]), json={"a": 2, "b": 0, "c": -8},
                          timeout=5)
    assert solve.status_code == 200, solve.text
    assert solve.json()["roots"] == [-2.0, 2.0] and solve.json()["sub"] == "bob"
