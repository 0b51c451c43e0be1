"""The local OIDC provider (examples/idp) behaves as the component and the API expect: discovery
the component accepts, the code flow with PKCE required, its own login form for the test users,
RS256 tokens (ID token for the client, JWT access token for the API), rotating refresh tokens."""

from __future__ import annotations

import secrets
import urllib.parse

import jwt
import pytest
import requests

from idp import API_AUDIENCE, CLIENT_ID, authorize_params, exchange, login_code, pkce_pair, refresh, running_idp

REDIRECT_URI = "http://127.0.0.1:1/component/streamlit_component.login/index.html"


@pytest.fixture(scope="module")
def provider():
    with running_idp([REDIRECT_URI]) as provider:
        yield provider


def signed_claims(provider, token: str, audience: str) -> dict:
    keys = jwt.PyJWKClient(provider.discovery()["jwks_uri"])
    key = keys.get_signing_key_from_jwt(token)
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=provider.issuer)


def test_discovery_offers_what_the_component_requires(provider):
    doc = provider.discovery()
    assert doc["issuer"] == provider.issuer
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert "code" in doc["response_types_supported"]
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert doc["end_session_endpoint"] == f"{provider.issuer}/session/end"


def test_the_code_flow_issues_signed_tokens_for_the_user(provider):
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    callback = login_code(provider, "alice", "alice-password", challenge=challenge, state=state, nonce=nonce)
    assert callback["state"] == state
    assert callback["iss"] == provider.issuer
    tokens = exchange(provider, callback["code"], verifier).json()
    assert tokens["token_type"] == "Bearer"
    id_claims = signed_claims(provider, tokens["id_token"], CLIENT_ID)
    assert (id_claims["sub"], id_claims["name"], id_claims["email"]) == ("alice", "Alice Example", "alice@example.com")
    assert id_claims["nonce"] == nonce
    access = signed_claims(provider, tokens["access_token"], API_AUDIENCE)
    assert "read:chart" in access["scope"].split()
    assert tokens["refresh_token"]


def test_refresh_tokens_rotate_and_the_old_one_dies(provider):
    verifier, challenge = pkce_pair()
    callback = login_code(provider, "bob", "bob-password", challenge=challenge, state="s" * 16, nonce="n" * 16)
    first = exchange(provider, callback["code"], verifier).json()["refresh_token"]
    renewed = refresh(provider, first)
    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] != first
    reused = refresh(provider, first)
    assert reused.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("keep_nonce", [True, False])
def test_refreshed_id_tokens_carry_the_nonce_unless_told_to_omit_it(keep_nonce):
    with running_idp([REDIRECT_URI], refresh_nonce=keep_nonce) as provider:
        verifier, challenge = pkce_pair()
        callback = login_code(provider, "bob", "bob-password", challenge=challenge, state="s" * 16, nonce="n" * 16)
        tokens = exchange(provider, callback["code"], verifier).json()
        assert signed_claims(provider, tokens["id_token"], CLIENT_ID)["nonce"] == "n" * 16
        renewed = refresh(provider, tokens["refresh_token"]).json()
        claims = signed_claims(provider, renewed["id_token"], CLIENT_ID)
        assert claims["sub"] == "bob"
        assert claims.get("nonce") == ("n" * 16 if keep_nonce else None)


def test_a_wrong_password_is_refused_on_the_form(provider):
    _, challenge = pkce_pair()
    result = login_code(provider, "alice", "wrong", challenge=challenge, state="s" * 16, nonce="n" * 16)
    assert result["_status"] == "401"
    assert "Invalid username or password." in result["_body"]


def test_pkce_is_required(provider):
    params = authorize_params(REDIRECT_URI, None, "s" * 16, "n" * 16, "openid")
    response = requests.get(f"{provider.issuer}/auth?" + urllib.parse.urlencode(params), allow_redirects=False, timeout=5)
    assert response.status_code in (302, 303)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(response.headers["location"]).query))
    assert query["error"] == "invalid_request"
    assert "PKCE" in query["error_description"]


def test_a_wrong_verifier_cannot_redeem_the_code(provider):
    _, challenge = pkce_pair()
    callback = login_code(provider, "alice", "alice-password", challenge=challenge, state="s" * 16, nonce="n" * 16)
    wrong_verifier, _ = pkce_pair()
    response = exchange(provider, callback["code"], wrong_verifier)
    assert response.json()["error"] == "invalid_grant"


def test_a_rotated_key_signs_from_then_on_and_the_old_one_stays_published():
    with running_idp([REDIRECT_URI]) as provider:
        verifier, challenge = pkce_pair()
        callback = login_code(provider, "bob", "bob-password", challenge=challenge, state="s" * 16, nonce="n" * 16)
        before = exchange(provider, callback["code"], verifier).json()
        old_kid = jwt.get_unverified_header(before["id_token"])["kid"]
        new_kid = provider.rotate_signing_key()
        after = refresh(provider, before["refresh_token"]).json()
        assert new_kid != old_kid
        for token in (after["id_token"], after["access_token"]):
            assert jwt.get_unverified_header(token)["kid"] == new_kid
        published = [key["kid"] for key in requests.get(provider.discovery()["jwks_uri"], timeout=5).json()["keys"]]
        assert published == [new_kid, old_kid]
        signed_claims(provider, before["id_token"], CLIENT_ID)
        signed_claims(provider, after["id_token"], CLIENT_ID)
