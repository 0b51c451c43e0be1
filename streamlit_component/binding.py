"""The login's binding to its browser (docs/security.md).

At login the component makes a non-extractable ECDSA P-256 key in the browser and sends the
provider ``nonce = base64url(SHA-256(thumbprint ‖ salt))``: the RFC 7638 thumbprint of the
public key (32 bytes), then 32 random salt bytes. In every Streamlit session the host sends a
fresh random challenge; the component answers next to the session with a proof: the public
JWK, the salt and an ECDSA P-256/SHA-256 signature over :func:`signed_message` (the label,
the challenge, the issuer and the client id). :func:`verify_proof` checks the signature and
returns the nonce the key commits to; the ID token must carry exactly that nonce.

An ID token taken from one browser is useless in another: the other browser cannot sign this
session's challenge with the key the token's nonce commits to. Nothing is shared between
Streamlit sessions or server processes: the challenge lives in the session's state.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .verify import VerificationError

__all__ = ["LABEL", "commitment", "new_challenge", "signed_message", "thumbprint", "verify_proof"]

#: The first line of every signed message.
LABEL = "streamlit_component/binding/v1"


def new_challenge() -> str:
    """A fresh random challenge for one Streamlit session (256 bits, base64url)."""
    return secrets.token_urlsafe(32)


def signed_message(challenge: str, issuer: str, client_id: str) -> bytes:
    """What the browser's key signs for one Streamlit session."""
    return f"{LABEL}\n{challenge}\n{issuer}\n{client_id}".encode()


def _b64decode(value: Any, length: int, field: str) -> bytes:
    """Strict unpadded base64url of exactly ``length`` bytes."""
    if not isinstance(value, str) or not value.isascii() or "=" in value:
        raise VerificationError("binding_malformed", f"the binding proof has no valid `{field}`")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != length or base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != value:
        raise VerificationError("binding_malformed", f"the binding proof has no valid `{field}`")
    return raw


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def thumbprint(x: str, y: str) -> bytes:
    """The RFC 7638 SHA-256 thumbprint of a P-256 public key given by its JWK coordinates."""
    members = json.dumps({"crv": "P-256", "kty": "EC", "x": x, "y": y}, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(members.encode()).digest()


def commitment(x: str, y: str, salt: str) -> str:
    """The nonce a login with this key and salt sends: ``base64url(SHA-256(thumbprint ‖ salt))``."""
    return _b64encode(hashlib.sha256(thumbprint(x, y) + _b64decode(salt, 32, "salt")).digest())


def verify_proof(proof: Any, *, challenge: str, issuer: str, client_id: str) -> str:
    """Checks a binding proof against this session's ``challenge``; returns the nonce its key and
    salt commit to (the ID token of the login must carry exactly this nonce).

    Raises
    ------
    VerificationError
        ``binding_missing`` (no proof), ``binding_malformed`` (not a P-256 JWK, a 32-byte salt
        and a 64-byte signature), ``binding_stale`` (the proof names another session's
        challenge: wait for this one's) or ``binding_signature`` (the signature is not this
        key's over this session's challenge).
    """
    if proof is None:
        raise VerificationError("binding_missing", "the login carries no proof of its browser key")
    if not isinstance(proof, dict) or not isinstance(proof.get("jwk"), dict):
        raise VerificationError("binding_malformed", "the binding proof has no `jwk` object")
    signed = proof.get("challenge")
    if signed is not None and signed != challenge:
        # The component names the challenge it signed: this one is another Streamlit
        # session's (the component's last value, sent again after a server restart). Not an
        # error of the login: the component signs this session's challenge once it gets it.
        raise VerificationError("binding_stale", "the proof is for another session's challenge")
    jwk = proof["jwk"]
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise VerificationError("binding_malformed", "the binding key is not an EC P-256 key")
    x, y = jwk.get("x"), jwk.get("y")
    coordinates = [int.from_bytes(_b64decode(v, 32, name), "big") for v, name in ((x, "x"), (y, "y"))]
    signature = _b64decode(proof.get("signature"), 64, "signature")
    nonce = commitment(x, y, proof.get("salt"))
    try:
        key = ec.EllipticCurvePublicNumbers(*coordinates, ec.SECP256R1()).public_key()
    except ValueError:
        raise VerificationError("binding_malformed", "the binding key is not a point on P-256") from None
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        key.verify(der, signed_message(challenge, issuer, client_id), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise VerificationError("binding_signature",
                                "the login's key did not sign this session's challenge (a token from "
                                "another browser or session)") from None
    return nonce
