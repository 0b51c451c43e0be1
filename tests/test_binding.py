"""The login's binding to its browser key (streamlit_component.binding; docs/security.md): the
commitment in the nonce and the proof over each Streamlit session's challenge, with a wrong key,
a wrong salt, a replayed challenge and a signature over another challenge."""

from __future__ import annotations

import base64
import hashlib
import time

import pytest

from streamlit_component.binding import commitment, new_challenge, signed_message, thumbprint, verify_proof
from streamlit_component.session import verify_session
from streamlit_component.verify import TokenVerifier, VerificationError
from token_kit import CLIENT_ID, BrowserKey, b64, fake_provider

ISSUER = "https://idp.example"


def check(proof, challenge, *, issuer=ISSUER, client_id=CLIENT_ID):
    return verify_proof(proof, challenge=challenge, issuer=issuer, client_id=client_id)


def refused(proof, challenge, code, **where):
    with pytest.raises(VerificationError) as error:
        check(proof, challenge, **where)
    assert error.value.code == code, error.value.message
    return error.value


def test_a_proof_returns_the_nonce_its_key_and_salt_commit_to():
    key, challenge = BrowserKey(), new_challenge()
    assert check(key.proof(challenge, ISSUER), challenge) == key.nonce
    # The layout, spelled out: SHA-256 over the RFC 7638 thumbprint's 32 bytes, then the salt's.
    members = '{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}' % (key.jwk["x"], key.jwk["y"])
    assert thumbprint(key.jwk["x"], key.jwk["y"]) == hashlib.sha256(members.encode()).digest()
    salt = base64.urlsafe_b64decode(key.salt + "=")
    expected = base64.urlsafe_b64encode(hashlib.sha256(hashlib.sha256(members.encode()).digest() + salt).digest())
    assert commitment(key.jwk["x"], key.jwk["y"], key.salt) == expected.rstrip(b"=").decode()


def test_the_signed_message_names_the_challenge_the_issuer_and_the_client():
    assert signed_message("c", "https://i", "app") == b"streamlit_component/binding/v1\nc\nhttps://i\napp"


def test_challenges_are_fresh_and_long():
    challenges = {new_challenge() for _ in range(100)}
    assert len(challenges) == 100 and all(len(c) >= 43 for c in challenges)


def test_a_replayed_challenge_or_a_signature_over_another_challenge_is_refused():
    key = BrowserKey()
    earlier, now = new_challenge(), new_challenge()
    replayed = key.proof(earlier, ISSUER)  # a proof seen in another Streamlit session
    assert check(replayed, earlier) == key.nonce
    # It names its challenge: another session's, so it is stale (the host waits for a fresh
    # one); made to name this session's, or naming none, its signature fails.
    refused(replayed, now, "binding_stale")
    refused({**replayed, "challenge": now}, now, "binding_signature")
    refused({k: v for k, v in replayed.items() if k != "challenge"}, now, "binding_signature")


@pytest.mark.parametrize("where", [{"issuer": "https://other.example"}, {"client_id": "another-app"}])
def test_a_proof_made_for_another_issuer_or_client_is_refused(where):
    key, challenge = BrowserKey(), new_challenge()
    refused(key.proof(challenge, ISSUER), challenge, "binding_signature", **where)


def test_a_signature_by_another_key_is_refused():
    victim, thief, challenge = BrowserKey(), BrowserKey(), new_challenge()
    # The victim's public key and salt (both public) with the thief's signature.
    forged = {**victim.proof(challenge, ISSUER), "signature": thief.proof(challenge, ISSUER)["signature"]}
    refused(forged, challenge, "binding_signature")


def test_a_wrong_salt_commits_to_another_nonce():
    key, other, challenge = BrowserKey(), BrowserKey(), new_challenge()
    proof = {**key.proof(challenge, ISSUER), "salt": other.salt}
    assert check(proof, challenge) != key.nonce


def test_one_flipped_bit_in_the_signature_is_refused():
    key, challenge = BrowserKey(), new_challenge()
    proof = key.proof(challenge, ISSUER)
    raw = bytearray(base64.urlsafe_b64decode(proof["signature"] + "=="))
    raw[40] ^= 1
    refused({**proof, "signature": b64(bytes(raw))}, challenge, "binding_signature")


def malformed_proofs():
    key = BrowserKey()
    good = key.proof("c" * 43, ISSUER)
    jwk = good["jwk"]
    return [
        "a string", [], {}, {"jwk": "x"},
        {**good, "jwk": {**jwk, "kty": "RSA"}},
        {**good, "jwk": {**jwk, "crv": "P-384"}},
        {**good, "jwk": {**jwk, "x": jwk["x"][:-2]}},
        {**good, "jwk": {**jwk, "y": jwk["y"] + "A"}},
        {**good, "jwk": {**jwk, "x": b64(b"\xff" * 32)}},  # not a point on P-256
        {**good, "salt": good["salt"][:-1]},
        {**good, "salt": good["salt"] + "="},
        {**good, "salt": None},
        {**good, "signature": good["signature"][:40]},
        {**good, "signature": good["signature"].replace("-", "+").replace("_", "/") + "+/"},
        {**good, "signature": "é" * 86},
    ]


@pytest.mark.parametrize("proof", malformed_proofs())
def test_malformed_proofs_are_refused_by_name(proof):
    refused(proof, "c" * 43, "binding_malformed")


def test_no_proof_is_binding_missing():
    refused(None, "c" * 43, "binding_missing")


# --- the whole reported session ----------------------------------------------------------------

@pytest.fixture(scope="module")
def provider():
    with fake_provider() as provider:
        yield provider


def reported(provider, key: BrowserKey, challenge: str, nonce: str | None = None) -> dict:
    id_token = provider.mint(provider.id_claims(key.nonce if nonce is None else nonce))
    return {"token": {"value": "opaque", "value_id_token": id_token, "expiry": int(time.time()) + 60},
            "binding": key.proof(challenge, provider.issuer)}


def session_refused(provider, session, challenge, code):
    with pytest.raises(VerificationError) as error:
        verify_session(TokenVerifier(provider.config()), session, challenge)
    assert error.value.code == code, error.value.message


def test_a_session_with_its_key_is_accepted_in_the_session_whose_challenge_it_signed(provider):
    key, challenge = BrowserKey(), new_challenge()
    stored = verify_session(TokenVerifier(provider.config()), reported(provider, key, challenge), challenge)
    assert stored["claims"]["nonce"] == key.nonce and stored["user"] == "Alice Example"
    # The same session posted into another Streamlit session (another challenge): refused.
    other, replayed = new_challenge(), reported(provider, key, challenge)
    session_refused(provider, replayed, other, "binding_stale")
    replayed["binding"]["challenge"] = other
    session_refused(provider, replayed, other, "binding_signature")


def test_a_stolen_id_token_with_the_thiefs_own_key_is_refused(provider):
    victim, thief, challenge = BrowserKey(), BrowserKey(), new_challenge()
    stolen = reported(provider, victim, challenge)["token"]
    session_refused(provider, {"token": stolen, "binding": thief.proof(challenge, provider.issuer)}, challenge,
                    "invalid_nonce")
    session_refused(provider, {"token": stolen}, challenge, "binding_missing")
    with_wrong_salt = {"token": stolen, "binding": {**victim.proof(challenge, provider.issuer), "salt": thief.salt}}
    session_refused(provider, with_wrong_salt, challenge, "invalid_nonce")
