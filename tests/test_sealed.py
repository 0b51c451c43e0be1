"""Confidential mode's pieces without a browser: the sealed session (AES-GCM under a key from
cookie_secret) and the choice of the token endpoint auth method."""

from __future__ import annotations

import base64

import pytest

from streamlit_component.confidential import Held, token_auth_method
from streamlit_component.config import AuthConfig
from streamlit_component.sealed import Sealer
from streamlit_component.verify import VerificationError

ISSUER = "https://idp.example"
NOW = 1_800_000_000


def sealer(secret: str = "cookie-secret", issuer: str = ISSUER, client_id: str = "app") -> Sealer:
    return Sealer(secret, issuer, client_id, clock=lambda: NOW)


def refused(sealed, code: str, opener: Sealer | None = None) -> None:
    with pytest.raises(VerificationError) as error:
        (opener or sealer()).open(sealed)
    assert error.value.code == code
    assert "rt-secret" not in str(error.value)


def test_a_sealed_session_opens_where_it_was_sealed_and_hides_its_content():
    payload = {"rt": "rt-secret", "exp": NOW + 60, "session": {"user": "Alice"}}
    sealed = sealer().seal(payload)
    assert sealed.startswith("sc1.") and "rt-secret" not in sealed and "Alice" not in sealed
    assert sealer().open(sealed) == payload
    assert sealer().seal(payload) != sealed, "a fresh nonce each time"


def test_a_changed_or_foreign_seal_is_refused():
    sealed = sealer().seal({"rt": "rt-secret", "exp": NOW + 60})
    body = bytearray(base64.urlsafe_b64decode(sealed[4:] + "=="))
    for index in (0, 20, len(body) - 1):  # nonce, ciphertext, tag
        changed = bytearray(body)
        changed[index] ^= 1
        refused("sc1." + base64.urlsafe_b64encode(bytes(changed)).rstrip(b"=").decode(), "sealed_invalid")
    refused(sealed, "sealed_invalid", sealer(secret="another-secret"))
    refused(sealed, "sealed_invalid", sealer(issuer="https://other.example"))
    refused(sealed, "sealed_invalid", sealer(client_id="other-app"))
    for bad in (None, 42, "", "sc1.", "sc2." + sealed[4:], sealed + "=", sealed[:-3], "sc1." + "A" * 60_000):
        refused(bad, "sealed_invalid")


def test_an_expired_seal_is_refused():
    refused(sealer().seal({"rt": "rt-secret", "exp": NOW}), "sealed_expired")
    refused(sealer().seal({"rt": "rt-secret"}), "sealed_invalid")


@pytest.mark.parametrize(("listed", "configured", "expected"), [
    (None, None, "client_secret_basic"),  # the discovery default
    (["client_secret_post"], None, "client_secret_post"),
    (["none", "client_secret_post", "client_secret_basic"], None, "client_secret_post"),
    (["client_secret_basic", "client_secret_post"], None, "client_secret_basic"),
    (["client_secret_basic"], "client_secret_post", "client_secret_post"),
])
def test_the_token_endpoint_auth_method_follows_discovery(listed, configured, expected):
    config = AuthConfig.from_dict({"issuer": ISSUER, "client_id": "app", "client_secret": "s", "cookie_secret": "c",
                                   **({"token_endpoint_auth_method": configured} if configured else {})})
    metadata = {} if listed is None else {"token_endpoint_auth_methods_supported": listed}
    assert token_auth_method(config, metadata) == expected


def test_a_provider_without_secret_methods_is_named():
    config = AuthConfig.from_dict({"issuer": ISSUER, "client_id": "app", "client_secret": "s", "cookie_secret": "c"})
    with pytest.raises(VerificationError) as error:
        token_auth_method(config, {"token_endpoint_auth_methods_supported": ["private_key_jwt"]})
    assert error.value.code == "invalid_client"


def test_a_fresh_token_is_not_refreshed_again_at_once():
    held = Held({"token": {"expiry": NOW + 10}}, "rt", "id", "n", NOW + 3600, "sc1.x", obtained_at=NOW)
    assert not held.needs_refresh(NOW, 30), "a 10-second token, just obtained"
    assert held.needs_refresh(NOW + 6, 30)
    long = Held({"token": {"expiry": NOW + 3600}}, "rt", "id", "n", NOW + 7200, "sc1.x", obtained_at=NOW)
    assert not long.needs_refresh(NOW + 3500, 30) and long.needs_refresh(NOW + 3571, 30)


def test_two_streamlit_sessions_refreshing_one_login_at_once_make_one_grant(monkeypatch):
    # Two tabs of one confidential login reach expiry together in one server process: the
    # refresh token (rotated at its first use) goes to the provider once, and both sessions get
    # the new tokens. A second grant would spend a dead refresh token and end the login.
    import threading
    import time as clock
    from types import SimpleNamespace

    from streamlit_component import confidential

    grants = []

    def token_request(config, metadata, grant_type, **form):
        grants.append(form["refresh_token"])
        clock.sleep(0.3)  # the provider's time: the other session arrives meanwhile
        return {"access_token": f"at-{len(grants)}", "refresh_token": f"rt-{len(grants)}", "expires_in": 300}

    def verified(verifier, access_token, id_token, expiry, nonce, **kwargs):
        return {"user": "Alice", "claims": {"sub": "alice"},
                "token": {"value": access_token, "value_id_token": id_token, "expiry": expiry}}

    monkeypatch.setattr(confidential, "_token_request", token_request)
    monkeypatch.setattr(confidential, "verify_tokens", verified)
    verifier = SimpleNamespace(config=AuthConfig.from_dict({"issuer": ISSUER, "client_id": "app"}), metadata={})
    session = {"user": "Alice", "claims": {"sub": "alice"}, "token": {"value": "at-0", "value_id_token": "id", "expiry": NOW}}
    held = Held(session, "rt-0", "id", "nonce", NOW + 3600, "", NOW - 300)
    results = []
    tabs = [threading.Thread(target=lambda: results.append(confidential.refresh_held(verifier, sealer(), held, clock=lambda: NOW)))
            for _ in range(2)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join()
    assert grants == ["rt-0"], "one refresh grant for both sessions"
    assert [r.session["token"]["value"] for r in results] == ["at-1", "at-1"]
    assert {r.refresh_token for r in results} == {"rt-1"}
