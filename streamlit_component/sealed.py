"""The sealed session of confidential mode: what the browser keeps so that a reload, a second
tab or a server restart needs no new login, while the tokens stay readable only by Python.

A sealed session is AES-256-GCM ciphertext under a key derived from ``cookie_secret`` with
HKDF-SHA256; the issuer and client id are its associated data, so a seal made for one
configuration never opens in another. It holds the verified identity, the tokens, the nonce the
login's browser key commits to (a seal opens only next to that key's proof over the Streamlit
session's challenge: :mod:`streamlit_component.binding`) and an expiry (the login's time plus
``max_session_s``).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .verify import VerificationError

__all__ = ["MAX_SEALED_BYTES", "Sealer"]

#: The version prefix of every sealed session.
PREFIX = "sc1."
#: Largest sealed session accepted, in characters.
MAX_SEALED_BYTES = 48 * 1024
_INFO = b"streamlit_component sealed session v1"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Sealer:
    """Seals and opens sessions for one issuer and client.

    Parameters
    ----------
    cookie_secret : str
        The secret the key is derived from (``st.login``'s ``cookie_secret``).
    issuer, client_id : str
        Bound into every seal as associated data.
    clock : callable
        Wall-clock seconds (for tests).
    """

    def __init__(self, cookie_secret: str, issuer: str, client_id: str, clock=time.time) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(cookie_secret.encode())
        self._aead = AESGCM(key)
        self._aad = f"{issuer}\n{client_id}".encode()
        self._clock = clock

    def seal(self, payload: dict[str, Any]) -> str:
        """The sealed form of ``payload`` (which must carry ``exp``, Unix seconds)."""
        nonce = os.urandom(12)
        plaintext = json.dumps(payload, separators=(",", ":")).encode()
        return PREFIX + _b64(nonce + self._aead.encrypt(nonce, plaintext, self._aad))

    def open(self, sealed: Any) -> dict[str, Any]:
        """The payload of a sealed session made here and not expired.

        Raises
        ------
        VerificationError
            ``sealed_invalid`` (not a sealed session, changed, sealed under another
            ``cookie_secret`` or for another provider or client) or ``sealed_expired``.
        """
        invalid = VerificationError("sealed_invalid", "the stored session is not one this app sealed, or it "
                                    "was changed (or the cookie_secret changed)")
        if not isinstance(sealed, str) or not sealed.startswith(PREFIX) or len(sealed) > MAX_SEALED_BYTES:
            raise invalid
        body = sealed[len(PREFIX):]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise invalid from None
        if len(raw) < 12 + 16 or _b64(raw) != body:
            raise invalid
        try:
            plaintext = self._aead.decrypt(raw[:12], raw[12:], self._aad)
        except InvalidTag:
            raise invalid from None
        payload = json.loads(plaintext)
        if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int):
            raise invalid
        if payload["exp"] <= self._clock():
            raise VerificationError("sealed_expired", "the stored session has reached its maximum age: log in again")
        return payload
