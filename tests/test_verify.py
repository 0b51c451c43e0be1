"""The Python verifier (SECURITY.md items 17-21 and the adversarial token cases): keys made here,
discovery and JWKS from a local server, plus one real login at the local provider."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from streamlit_component.config import AuthConfig
from streamlit_component.session import verify_session
from streamlit_component.verify import MAX_TOKEN_BYTES, TokenVerifier, VerificationError
from token_kit import API, BrowserKey, CLIENT_ID, FakeProvider, b64, fake_provider, new_key, raw_jwt, serve, shared_keys


@pytest.fixture(scope="module")
def provider():
    with fake_provider() as provider:
        yield provider


#: The nonce the login's browser key commits to, in tests of the verifier alone.
NONCE = "c0mmitment-to-the-browser-key-0123456789ab"


@pytest.fixture
def verifier(provider):
    return TokenVerifier(provider.config())


def refused(verifier, token, code, *, access=False):
    with pytest.raises(VerificationError) as error:
        if access:
            verifier.verify_access_token(token)
        else:
            verifier.verify_id_token(token, NONCE)
    assert error.value.code == code, error.value.message
    if isinstance(token, str) and len(token) > 20:
        assert all(part not in str(error.value) for part in token.split(".") if len(part) > 8), "no token in messages"
    return error.value


# --- good tokens -----------------------------------------------------------------------------

@pytest.mark.parametrize("kid", ["rsa-1", "ec-1", "ps-1"])
def test_a_good_id_token_is_accepted_with_each_allowed_algorithm(provider, verifier, kid):
    nonce = NONCE
    claims = verifier.verify_id_token(provider.mint(provider.id_claims(nonce), kid), NONCE)
    assert (claims["sub"], claims["nonce"], claims["aud"]) == ("alice", nonce, CLIENT_ID)


def test_a_good_access_token_for_the_api_is_verified_with_its_scopes(provider, verifier):
    token = provider.mint(provider.access_claims(), headers={"typ": "at+jwt"})
    assert verifier.is_api_token(token)
    claims = verifier.verify_access_token(token, subject="alice")
    assert verifier.scopes(claims) == ["read:chart", "write:solve"]
    assert verifier.scopes({"scp": ["a", "b"]}) == ["a", "b"]


# --- signature and key (17, 18, 21) ----------------------------------------------------------

def test_alg_none_is_refused(provider, verifier):
    token = raw_jwt({"alg": "none", "kid": "rsa-1"}, provider.id_claims(NONCE))
    refused(verifier, token, "alg_not_allowed")
    refused(verifier, token.replace(b64(b'{"alg": "none"'), b64(b'{"alg": "None"')), "alg_not_allowed")


def test_hs256_signed_with_the_public_key_is_refused(provider, verifier):
    public_pem = provider.keys["rsa-1"].private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header, claims = {"alg": "HS256", "kid": "rsa-1", "typ": "JWT"}, provider.id_claims(NONCE)
    unsigned = raw_jwt(header, claims).rsplit(".", 1)[0]
    signature = hmac.new(public_pem, unsigned.encode(), hashlib.sha256).digest()
    refused(verifier, f"{unsigned}.{b64(signature)}", "alg_not_allowed")


def test_hs_algorithms_cannot_even_be_configured(provider):
    with pytest.raises(Exception, match="algorithms"):
        provider.config(algorithms=["RS256", "HS256"])


def test_a_token_signed_by_an_attacker_key_under_a_published_kid_is_refused(provider, verifier):
    forged = provider.mint(provider.id_claims(NONCE), "rsa-1", key=shared_keys()["attacker"])
    refused(verifier, forged, "invalid_signature")


def test_jku_x5u_and_jwk_headers_are_ignored(provider, verifier):
    attacker = shared_keys()["attacker"]
    with serve(FakeProvider({"attacker": attacker}, ["attacker"])) as evil:
        headers = {"jku": f"{evil.issuer}/jwks", "x5u": f"{evil.issuer}/jwks", "jwk": attacker.public_jwk()}
        forged = provider.mint(provider.id_claims(NONCE), "attacker", headers=headers)
        refused(verifier, forged, "unknown_kid")
        forged_under_good_kid = provider.mint(provider.id_claims(NONCE), "rsa-1", key=attacker, headers=headers)
        refused(verifier, forged_under_good_kid, "invalid_signature")
        assert evil.hits == {"discovery": 0, "jwks": 0}, "nothing is fetched from a token's headers"


@pytest.mark.parametrize("segment", [1, 2])
def test_one_byte_changed_is_refused(provider, verifier, segment):
    token = provider.mint(provider.id_claims(NONCE))
    parts = token.split(".")
    middle = len(parts[segment]) // 2
    flipped = "A" if parts[segment][middle] != "A" else "B"
    parts[segment] = parts[segment][:middle] + flipped + parts[segment][middle + 1:]
    with pytest.raises(VerificationError) as error:
        verifier.verify_id_token(".".join(parts), NONCE)
    assert error.value.code in {"invalid_signature", "malformed_token"}
    if segment == 2:
        assert error.value.code == "invalid_signature"


def test_a_kid_whose_key_has_another_type_or_alg_is_refused(provider, verifier):
    claims = provider.id_claims(NONCE)
    # Signed with the EC key but the header names the RSA key's kid with ES256, and the reverse.
    refused(verifier, provider.mint(claims, "rsa-1", key=provider.keys["ec-1"]), "alg_not_allowed")
    refused(verifier, provider.mint(claims, "ec-1", key=provider.keys["rsa-2"]), "alg_not_allowed")
    # An RS256 token under the kid of a key published for PS256.
    refused(verifier, provider.mint(claims, "ps-1", key=new_key("ps-1", "RS256")), "alg_not_allowed")


def test_a_key_published_without_alg_is_used_only_with_algorithms_of_its_type():
    with fake_provider() as provider:
        provider.publish_alg = False
        verifier = TokenVerifier(provider.config())
        claims = provider.id_claims(NONCE)
        assert verifier.verify_id_token(provider.mint(claims, "ps-1"), NONCE)
        assert verifier.verify_id_token(provider.mint(claims, "ec-1"), NONCE)
        refused(verifier, provider.mint(claims, "rsa-1", key=provider.keys["ec-1"]), "alg_not_allowed")
        refused(verifier, provider.mint(claims, "ec-1", key=provider.keys["rsa-2"]), "alg_not_allowed")


def test_an_algorithm_left_out_of_the_config_is_refused(provider):
    verifier = TokenVerifier(provider.config(algorithms=["RS256"]))
    refused(verifier, provider.mint(provider.id_claims(NONCE), "ec-1"), "alg_not_allowed")


def test_an_unknown_kid_causes_one_refetch_and_a_rotated_key_is_accepted():
    with fake_provider(published=("rsa-1",)) as provider:
        verifier = TokenVerifier(provider.config(), jwks_refetch_interval_s=0)
        verifier.verify_id_token(provider.mint(provider.id_claims(NONCE), "rsa-1"), NONCE)
        assert provider.hits["jwks"] == 1
        verifier.verify_id_token(provider.mint(provider.id_claims(NONCE), "rsa-1"), NONCE)
        assert provider.hits["jwks"] == 1, "known keys are cached"
        provider.published = ["rsa-2"]  # rotation
        claims = verifier.verify_id_token(provider.mint(provider.id_claims(NONCE), "rsa-2"), NONCE)
        assert claims["sub"] == "alice"
        assert provider.hits["jwks"] == 2, "exactly one refetch"
        refused(verifier, provider.mint(provider.id_claims(NONCE), "rsa-1"), "unknown_kid")
        assert provider.hits["jwks"] == 3


def test_unknown_kid_refetches_are_rate_limited():
    with fake_provider(published=("rsa-1",)) as provider:
        verifier = TokenVerifier(provider.config(), jwks_refetch_interval_s=3600)
        verifier.verify_id_token(provider.mint(provider.id_claims(NONCE), "rsa-1"), NONCE)
        for _ in range(5):
            refused(verifier, provider.mint(provider.id_claims(NONCE), "rsa-2"), "unknown_kid")
        assert provider.hits["jwks"] == 2, "one refetch, then none within the interval"
        provider.published = ["rsa-1", "rsa-2"]
        refused(verifier, provider.mint(provider.id_claims(NONCE), "rsa-2"), "unknown_kid")
        assert provider.hits["jwks"] == 2


def test_jwks_entries_for_encryption_or_with_private_parts_are_not_used():
    with fake_provider(published=("rsa-1",)) as provider:
        verifier = TokenVerifier(provider.config(), jwks_refetch_interval_s=0)
        key = provider.keys["rsa-1"]
        private = jwt.algorithms.RSAAlgorithm.to_jwk(key.private, as_dict=True)
        for entry in ({**key.public_jwk(), "use": "enc"}, {**private, "kid": "rsa-1", "alg": "RS256"}):
            provider.jwks = lambda entry=entry: {"keys": [entry]}
            refused(verifier, provider.mint(provider.id_claims(NONCE)), "unknown_kid")


def test_a_jwks_outage_keeps_the_cached_keys_and_fails_cleanly_without_them():
    with fake_provider(published=("rsa-1",)) as provider:
        verifier = TokenVerifier(provider.config(), jwks_lifespan_s=0)
        token = provider.mint(provider.id_claims(NONCE))
        assert verifier.verify_id_token(token, NONCE)
        provider.jwks_down = True
        assert verifier.verify_id_token(token, NONCE), "the keys fetched before still verify"
        assert provider.hits["jwks"] == 2
        refused(TokenVerifier(provider.config()), token, "jwks_unavailable")


def test_a_token_without_kid_is_refused(provider, verifier):
    token = provider.mint(provider.id_claims(NONCE))
    assert verifier.verify_id_token(token, NONCE), "keys are fetched"
    header = b64(b'{"alg":"RS256","typ":"JWT"}')
    refused(verifier, header + token[token.index("."):], "unknown_kid")


# --- claims (19, 20) -------------------------------------------------------------------------

@pytest.mark.parametrize("transform", [lambda i: i + "/", str.upper, lambda i: i.replace("127.0.0.1", "localhost")])
def test_iss_must_match_exactly(provider, verifier, transform):
    token = provider.mint(provider.id_claims(NONCE, iss=transform(provider.issuer)))
    refused(verifier, token, "invalid_issuer")


@pytest.mark.parametrize("aud", ["other-client", [CLIENT_ID, "untrusted"], [], 42, None])
def test_aud_must_be_the_client_and_nothing_else(provider, verifier, aud):
    claims = provider.id_claims(NONCE)
    claims["aud"] = aud
    refused(verifier, provider.mint({k: v for k, v in claims.items() if v is not None}), "invalid_audience")


def test_aud_as_a_list_with_only_the_client_is_accepted(provider, verifier):
    assert verifier.verify_id_token(provider.mint(provider.id_claims(NONCE, aud=[CLIENT_ID])), NONCE)


def test_azp_if_present_must_be_the_client(provider, verifier):
    refused(verifier, provider.mint(provider.id_claims(NONCE, azp="other-client")), "invalid_azp")
    assert verifier.verify_id_token(provider.mint(provider.id_claims(NONCE, azp=CLIENT_ID)), NONCE)


def test_expired_is_refused_and_leeway_is_small(provider, verifier):
    now = int(time.time())
    refused(verifier, provider.mint(provider.id_claims(NONCE, exp=now - 31, iat=now - 300)), "expired")
    assert verifier.verify_id_token(provider.mint(provider.id_claims(NONCE, exp=now - 20, iat=now - 300)), NONCE)
    with pytest.raises(Exception, match="leeway_s"):
        provider.config(leeway_s=61)


def test_the_clock_decides_expiry(provider):
    token = provider.mint(provider.id_claims(NONCE))
    later = TokenVerifier(provider.config(), clock=lambda: time.time() + 3600)
    refused(later, token, "expired")


@pytest.mark.parametrize("overrides, code", [
    ({"exp": None}, "missing_claim"),
    ({"exp": "tomorrow"}, "missing_claim"),
    ({"iat": None}, "missing_claim"),
    ({"iat": int(time.time()) + 3600}, "issued_in_future"),
    ({"iat": int(time.time()) - 3 * 86400}, "token_too_old"),
    ({"nbf": int(time.time()) + 3600}, "not_yet_valid"),
    ({"sub": None}, "missing_claim"),
    ({"sub": ""}, "missing_claim"),
])
def test_time_claims_and_sub_are_checked(provider, verifier, overrides, code):
    refused(verifier, provider.mint(provider.id_claims(NONCE, **overrides)), code)


def test_an_access_token_offered_as_id_token_is_refused(provider, verifier):
    access = provider.access_claims(nonce=NONCE)
    refused(verifier, provider.mint(access, headers={"typ": "at+jwt"}), "wrong_token_type")
    refused(verifier, provider.mint(access), "invalid_audience")


def test_an_id_token_is_not_taken_for_an_api_token(provider, verifier):
    id_token = provider.mint(provider.id_claims(NONCE))
    assert not verifier.is_api_token(id_token)
    assert not verifier.is_api_token("opaque-access-token")
    refused(verifier, id_token, "invalid_audience", access=True)


@pytest.mark.parametrize("overrides, code", [
    ({"iss": "http://evil.example"}, "invalid_issuer"),
    ({"exp": int(time.time()) - 120}, "expired"),
    ({"client_id": "other-client"}, "invalid_azp"),
    ({"sub": None}, "missing_claim"),
])
def test_access_token_claims_are_checked(provider, verifier, overrides, code):
    refused(verifier, provider.mint(provider.access_claims(**overrides)), code, access=True)


def test_an_access_token_for_another_user_is_refused(provider, verifier):
    with pytest.raises(VerificationError) as error:
        verifier.verify_access_token(provider.mint(provider.access_claims(sub="bob")), subject="alice")
    assert error.value.code == "subject_mismatch"


# --- malformed and oversized -------------------------------------------------------------------

@pytest.mark.parametrize("token", [None, 42, "", "abc", "a.b", "a.b.c", "!!.??.**", "a.b.c.d", "é.b.c",
                                   b64(b"[1]") + ".e30.", b64(b"not json") + ".e30."])
def test_malformed_tokens_are_refused(verifier, token):
    refused(verifier, token, "malformed_token")


def test_a_payload_that_is_not_a_json_object_is_refused(provider, verifier):
    signer = provider.keys["rsa-1"]
    token = jwt.api_jws.PyJWS().encode(b"[1, 2]", signer.private, algorithm="RS256", headers={"kid": "rsa-1"})
    refused(verifier, token, "malformed_token")


def test_an_oversized_token_is_refused_before_any_fetch():
    with fake_provider() as provider:
        verifier = TokenVerifier(provider.config())
        huge = provider.mint(provider.id_claims(NONCE, padding="x" * MAX_TOKEN_BYTES))
        refused(verifier, huge, "token_too_large")
        assert provider.hits == {"discovery": 0, "jwks": 0}


# --- nonce binding (4, 20) ---------------------------------------------------------------------

def test_a_missing_nonce_is_refused(provider, verifier):
    refused(verifier, provider.mint(provider.id_claims(None)), "invalid_nonce")


def test_a_nonce_other_than_the_key_commitment_is_refused(provider, verifier):
    refused(verifier, provider.mint(provider.id_claims(secrets.token_urlsafe(24))), "invalid_nonce")
    refused(verifier, provider.mint(provider.id_claims(NONCE + "x")), "invalid_nonce")
    refused(verifier, provider.mint(provider.id_claims(NONCE.upper())), "invalid_nonce")
    refused(verifier, provider.mint(provider.id_claims(["a", NONCE])), "invalid_nonce")


# --- discovery ---------------------------------------------------------------------------------

def test_discovery_issuer_must_equal_the_configured_one():
    with fake_provider() as provider:
        provider.discovery_overrides = {"issuer": provider.issuer + "/"}
        verifier = TokenVerifier(provider.config())
        with pytest.raises(VerificationError) as error:
            verifier.verify_id_token(provider.mint(provider.id_claims(NONCE)), NONCE)
        assert error.value.code == "discovery_failed"
        assert provider.hits["jwks"] == 0


def test_discovery_needs_a_secure_jwks_uri():
    with fake_provider() as provider:
        provider.discovery_overrides = {"jwks_uri": "http://evil.example/jwks"}
        with pytest.raises(VerificationError, match="jwks_uri") as error:
            _ = TokenVerifier(provider.config()).issuer
        assert error.value.code == "discovery_failed"


def test_an_unreachable_provider_is_a_discovery_failure():
    config = AuthConfig.from_dict({"issuer": "http://127.0.0.1:9", "client_id": CLIENT_ID})
    with pytest.raises(VerificationError) as error:
        _ = TokenVerifier(config, timeout_s=1).issuer
    assert error.value.code == "discovery_failed"


# --- the reported session ----------------------------------------------------------------------

CHALLENGE = "this-streamlit-session-challenge-0123456789"


def session(access: str, id_token: str, expiry: int, key: BrowserKey | None = None, issuer: str = "") -> dict:
    """A reported session; with `key`, its binding proof over CHALLENGE."""
    reported = {"user": "Mallory", "email": "mallory@evil.example",
                "token": {"value": access, "value_id_token": id_token, "expiry": expiry}, "scopes": ["admin"]}
    if key is not None:
        reported["binding"] = key.proof(CHALLENGE, issuer)
    return reported


def test_the_stored_session_comes_from_verified_claims_only(provider, verifier):
    key = BrowserKey()
    id_token = provider.mint(provider.id_claims(key.nonce))
    access_exp = int(time.time()) + 120
    access = provider.mint(provider.access_claims(exp=access_exp))
    stored = verify_session(verifier, session(access, id_token, int(time.time()) + 9999, key, provider.issuer),
                            CHALLENGE)
    assert stored["user"] == "Alice Example" and stored["email"] == "alice@example.com"
    assert stored["scopes"] == ["read:chart", "write:solve"]
    assert stored["token"] == {"value": access, "value_id_token": id_token, "expiry": access_exp}
    assert stored["claims"]["sub"] == "alice"


def test_an_opaque_access_token_gets_no_scopes_and_a_bounded_expiry(provider, verifier):
    key = BrowserKey()
    claims = provider.id_claims(key.nonce)
    stored = verify_session(verifier, session("opaque", provider.mint(claims), int(time.time()) + 9999, key,
                                              provider.issuer), CHALLENGE)
    assert stored["scopes"] == [] and stored["token"]["expiry"] == claims["exp"]


def test_a_bad_api_access_token_fails_the_session(provider, verifier):
    key = BrowserKey()
    id_token = provider.mint(provider.id_claims(key.nonce))
    forged = provider.mint(provider.access_claims(), "rsa-1", key=shared_keys()["attacker"])
    with pytest.raises(VerificationError) as error:
        verify_session(verifier, session(forged, id_token, int(time.time()) + 60, key, provider.issuer), CHALLENGE)
    assert error.value.code == "invalid_signature"


@pytest.mark.parametrize("reported", [None, "x", {}, {"token": "x"}, {"token": {"value": "a", "expiry": "soon"}},
                                      {"token": {"value": "", "value_id_token": "b", "expiry": 1}},
                                      {"token": {"value": "a", "value_id_token": "b", "expiry": True}}])
def test_a_malformed_reported_session_is_refused(verifier, reported):
    with pytest.raises(VerificationError) as error:
        verify_session(verifier, reported, CHALLENGE)
    assert error.value.code == "malformed_session"


# --- a real login at the local provider --------------------------------------------------------

def test_real_tokens_from_the_local_provider_are_verified():
    from idp import exchange, login_code, pkce_pair, running_idp

    with running_idp(["http://127.0.0.1:1/component/streamlit_component.login/index.html"]) as idp:
        config = AuthConfig.from_dict({"server_metadata_url": f"{idp.issuer}/.well-known/openid-configuration",
                                       "client_id": CLIENT_ID, "audience": API})
        verifier = TokenVerifier(config)
        verifier_, challenge = pkce_pair()
        key = BrowserKey()
        nonce = key.nonce
        callback = login_code(idp, "alice", "alice-password", challenge=challenge, state=secrets.token_urlsafe(16),
                              nonce=nonce)
        tokens = exchange(idp, callback["code"], verifier_).json()
        claims = verifier.verify_id_token(tokens["id_token"], nonce)
        assert (claims["sub"], claims["nonce"], claims["email"]) == ("alice", nonce, "alice@example.com")
        assert verifier.is_api_token(tokens["access_token"])
        access = verifier.verify_access_token(tokens["access_token"], subject="alice")
        assert "read:chart" in verifier.scopes(access)
        stored = verify_session(verifier, session(tokens["access_token"], tokens["id_token"], int(time.time()) + 300,
                                                  key, idp.issuer), CHALLENGE)
        assert stored["user"] == "Alice Example" and "read:chart" in stored["scopes"]
        # The same tokens with another browser's key: refused.
        thief = BrowserKey()
        with pytest.raises(VerificationError) as error:
            verify_session(verifier, session(tokens["access_token"], tokens["id_token"], int(time.time()) + 300,
                                             thief, idp.issuer), CHALLENGE)
        assert error.value.code == "invalid_nonce"


# --- refreshed ID tokens without a nonce (OpenID Connect Core §12.2) --------------------------

def refresh_pair(provider, nonce, *, login=None, refreshed=None):
    now = int(time.time())
    login_claims = provider.id_claims(nonce, **{"exp": now - 600, "iat": now - 900, "sid": "s-1", **(login or {})})
    refreshed_claims = provider.id_claims(None, **{"sid": "s-1", **(refreshed or {})})
    return provider.mint(refreshed_claims), provider.mint(login_claims)


def test_a_refreshed_id_token_without_a_nonce_is_paired_with_the_login_token(provider, verifier):
    key = BrowserKey()
    token, login = refresh_pair(provider, key.nonce)
    assert verifier.verify_refreshed_id_token(token, login, key.nonce)["sub"] == "alice"
    refused(verifier, token, "invalid_nonce")  # on its own, it is not a login
    session = verify_session(verifier, {"token": {"value": "opaque", "value_id_token": token, "expiry": 2**40},
                                        "login_id_token": login, "binding": key.proof(CHALLENGE, provider.issuer)},
                             CHALLENGE)
    assert session["user"] == "Alice Example" and "login_id_token" not in session


@pytest.mark.parametrize(("login", "refreshed", "code"), [
    ({}, {"sub": "bob"}, "refresh_mismatch"),
    ({}, {"sid": "s-2"}, "refresh_mismatch"),
    ({"aud": "another-client"}, {}, "invalid_audience"),
    ({"iat": int(time.time()) - 2 * 24 * 3600}, {}, "session_too_old"),
])
def test_a_refreshed_token_must_match_a_recent_login(provider, verifier, login, refreshed, code):
    token, login_token = refresh_pair(provider, NONCE, login=login, refreshed=refreshed)
    with pytest.raises(VerificationError) as error:
        verifier.verify_refreshed_id_token(token, login_token, NONCE)
    assert error.value.code == code


def test_the_login_token_needs_the_key_commitment_and_a_valid_signature(provider, verifier):
    token, login = refresh_pair(provider, "not-issued-here-0123456789")
    with pytest.raises(VerificationError) as error:
        verifier.verify_refreshed_id_token(token, login, NONCE)
    assert error.value.code == "invalid_nonce"
    token, login = refresh_pair(provider, NONCE)
    header, payload, signature = login.split(".")
    forged = f"{header}.{payload[:-4]}AAAA.{signature}"
    with pytest.raises(VerificationError) as error:
        verifier.verify_refreshed_id_token(token, forged, NONCE)
    assert error.value.code in ("invalid_signature", "malformed_token")


def test_a_refreshed_token_with_a_nonce_stands_alone(provider, verifier):
    nonce = NONCE
    token = provider.mint(provider.id_claims(nonce))
    assert verifier.verify_refreshed_id_token(token, None, NONCE)["nonce"] == nonce


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", [float("inf"), float("nan"), float("-inf")])
def test_claim_numbers_must_be_finite(provider, verifier, claim, value):
    # Python's JSON parser reads NaN and Infinity: `exp: Infinity` would never expire.
    token = provider.mint(provider.id_claims(NONCE, **{claim: value}))
    assert "Infinity" in token_payload(token) or "NaN" in token_payload(token)
    code = "not_yet_valid" if claim == "nbf" else "missing_claim"
    refused(verifier, token, code)


def token_payload(token: str) -> str:
    import base64

    payload = token.split(".")[1]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()


def test_while_the_provider_is_down_discovery_backs_off(provider):
    import http.server
    import threading

    hits = []

    class Down(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            hits.append(self.path)
            self.send_response(503)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Down)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        now = [1000.0]
        issuer = f"http://127.0.0.1:{server.server_address[1]}"
        verifier = TokenVerifier(AuthConfig.from_dict({"issuer": issuer, "client_id": CLIENT_ID}),
                                 monotonic=lambda: now[0])
        waits = []
        for _ in range(8):
            with pytest.raises(VerificationError) as first:
                verifier.issuer
            assert first.value.code == "discovery_failed" and "503" in first.value.message
            fetched = len(hits)
            with pytest.raises(VerificationError) as again:
                verifier.issuer  # at once: no request, the same failure, and when the next try is
            assert len(hits) == fetched and again.value.code == "discovery_failed"
            assert "the provider is unreachable; next try in" in again.value.message
            waits.append(verifier._retry_at - now[0])
            now[0] = verifier._retry_at
        assert waits == [1, 2, 4, 8, 16, 32, 60, 60], "doubling, at most a minute"
        assert len(hits) == 8, "one request per try"
    finally:
        server.shutdown()
        server.server_close()


def test_after_a_failure_discovery_recovers_once_the_wait_is_over(provider):
    now = [0.0]
    verifier = TokenVerifier(provider.config(), monotonic=lambda: now[0])
    verifier._failure = VerificationError("discovery_failed", "the provider cannot be reached")
    verifier._retry_at = 5.0
    with pytest.raises(VerificationError):
        verifier.issuer
    now[0] = 5.0
    assert verifier.issuer == provider.issuer
    assert verifier._failure is None and verifier._backoff_s == 1.0


def test_an_access_token_with_a_lone_surrogate_is_no_api_token():
    # Found by tests/test_fuzz.py: PyJWT raised UnicodeEncodeError instead of a refusal.
    config = AuthConfig.from_dict({"issuer": "https://idp.example", "client_id": CLIENT_ID, "audience": API})
    assert TokenVerifier(config).is_api_token("eyJhbGciOiJSUzI1NiJ9.\ud800.x") is False
