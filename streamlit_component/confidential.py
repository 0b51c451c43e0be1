"""Confidential mode: Python is the OAuth client. The component runs the authorization request
in its popup and checks the callback (state, ``iss``, error); the code, the PKCE verifier and the
browser key's proof come here. Python exchanges the code with the client secret (Authlib, the
token endpoint auth method the discovery document lists), verifies the ID token (browser
binding included), refreshes and revokes. The access and refresh tokens stay on the server; the
browser keeps only a sealed session (:mod:`streamlit_component.sealed`).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from .binding import verify_proof
from .config import AUTH_METHODS, AuthConfig
from .sealed import Sealer
from .session import verify_tokens
from .verify import TokenVerifier, VerificationError

__all__ = ["Held", "exchange_code", "open_sealed", "refresh_held", "revoke", "token_auth_method"]

#: A refresh result is shared with every Streamlit session that asks with the same refresh
#: token within this many seconds (two tabs at expiry refresh once; a rotated token is not
#: spent twice).
REFRESH_SHARE_S = 60.0
_REFRESHES: dict[str, tuple[float, dict[str, Any]]] = {}
_REFRESH_LOCKS: dict[str, threading.Lock] = {}
_LOCK = threading.Lock()


@dataclass
class Held:
    """What the server holds for a confidential login: the verified session for
    ``st.session_state``, the refresh token, the login's ID token (for refreshed ID tokens
    without a nonce), the nonce the browser key commits to, when the login ends, and the sealed
    form the browser keeps."""

    session: dict[str, Any]
    refresh_token: str | None
    login_id_token: str
    nonce: str
    ends_at: int
    sealed: str
    #: When the access token was obtained.
    obtained_at: int = 0

    @property
    def expiry(self) -> int:
        """When the access token expires."""
        return int(self.session["token"]["expiry"])

    def needs_refresh(self, now: float, margin_s: float = 30) -> bool:
        """Whether the access token is near its end: within ``margin_s``, or within half its
        life for short-lived tokens (so a fresh token is never refreshed again at once)."""
        life = max(self.expiry - self.obtained_at, 0)
        return self.expiry - now <= min(margin_s, life / 2)


def token_auth_method(config: AuthConfig, metadata: Mapping[str, Any]) -> str:
    """The configured method, else the first of ``client_secret_basic``/``client_secret_post``
    that the discovery document lists (``client_secret_basic`` when it lists none, its default
    in OpenID Connect Discovery §3)."""
    if config.token_endpoint_auth_method is not None:
        return config.token_endpoint_auth_method
    listed = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    for method in listed if isinstance(listed, list) else []:
        if method in AUTH_METHODS:
            return str(method)
    raise VerificationError("invalid_client", "the provider lists neither client_secret_basic nor "
                            "client_secret_post for its token endpoint")


def _client(config: AuthConfig, metadata: Mapping[str, Any]) -> OAuth2Session:
    return OAuth2Session(config.client_id, config.client_secret,
                         token_endpoint_auth_method=token_auth_method(config, metadata))


def _token_request(config: AuthConfig, metadata: Mapping[str, Any], call: str, **kwargs: Any) -> dict[str, Any]:
    """A token endpoint request (no redirects followed, 10 s timeout); errors named, no tokens in them."""
    endpoint = metadata.get("token_endpoint")
    if not isinstance(endpoint, str):
        raise VerificationError("discovery_failed", "the discovery document has no token_endpoint")
    try:
        with _client(config, metadata) as client:
            token = getattr(client, call)(endpoint, allow_redirects=False, timeout=10, **kwargs)
    except OAuthError as error:
        code = error.error if error.error in ("invalid_grant", "invalid_client") else "token_error"
        raise VerificationError(code, f"the token endpoint refused: {error.error}"
                                + (f" ({error.description})" if error.description else "")) from None
    except (requests.RequestException, ValueError) as error:
        raise VerificationError("token_request_failed", f"the token endpoint could not be reached "
                                f"({type(error).__name__})") from None
    if not isinstance(token, Mapping) or not isinstance(token.get("access_token"), str):
        raise VerificationError("invalid_token_response", "the token endpoint sent no access token")
    return dict(token)


def _expiry(token: Mapping[str, Any], now: float) -> int:
    expires_in = token.get("expires_in")
    if isinstance(expires_in, int) and not isinstance(expires_in, bool) and expires_in > 0:
        return int(now) + expires_in
    return int(now) + 3600


def _sealed_payload(held: Held, access: str) -> dict[str, Any]:
    return {"v": 1, "session": {**held.session, "token": {**held.session["token"], "value": access}},
            "rt": held.refresh_token, "login_id": held.login_id_token, "nonce": held.nonce, "exp": held.ends_at,
            "obtained": held.obtained_at}


def _held(sealer: Sealer, session: dict[str, Any], refresh_token: str | None, login_id_token: str,
          nonce: str, ends_at: int, obtained_at: float) -> Held:
    held = Held(session, refresh_token, login_id_token, nonce, ends_at, "", int(obtained_at))
    held.sealed = sealer.seal(_sealed_payload(held, session["token"]["value"]))
    return held


def exchange_code(verifier: TokenVerifier, sealer: Sealer, answer: Any, challenge: str,
                  clock=time.time) -> Held:
    """The login from a checked callback: ``answer`` is ``{code, code_verifier, redirect_uri,
    binding}`` from the component. The proof is checked before the code is spent.

    Raises
    ------
    VerificationError
        ``invalid_exchange`` for a malformed answer, a binding code, a token endpoint code, or
        a token verification code.
    """
    config = verifier.config
    if not isinstance(answer, Mapping) or not all(isinstance(answer.get(k), str) and answer[k]
                                                  for k in ("code", "code_verifier", "redirect_uri")):
        raise VerificationError("invalid_exchange", "the login answer needs code, code_verifier and redirect_uri")
    nonce = verify_proof(answer.get("binding"), challenge=challenge, issuer=config.issuer, client_id=config.client_id)
    now = clock()
    token = _token_request(config, verifier.metadata, "fetch_token", grant_type="authorization_code",
                           code=answer["code"], code_verifier=answer["code_verifier"],
                           redirect_uri=answer["redirect_uri"])
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise VerificationError("invalid_token_response", "the provider sent no ID token")
    session = verify_tokens(verifier, token["access_token"], id_token, _expiry(token, now), nonce)
    refresh_token = token.get("refresh_token") if isinstance(token.get("refresh_token"), str) else None
    return _held(sealer, session, refresh_token, id_token, nonce, int(now) + config.max_session_s, now)


def open_sealed(verifier: TokenVerifier, sealer: Sealer, reported: Any, challenge: str) -> Held:
    """The login a sealed session holds, opened only next to the proof of the browser key its
    nonce commits to, over this Streamlit session's challenge.

    Raises
    ------
    VerificationError
        ``sealed_invalid``, ``sealed_expired``, a binding code, or ``invalid_nonce`` when the
        proof is another key's.
    """
    config = verifier.config
    if not isinstance(reported, Mapping):
        raise VerificationError("malformed_session", "the reported session is not an object")
    payload = sealer.open(reported.get("sealed"))
    nonce = verify_proof(reported.get("binding"), challenge=challenge, issuer=config.issuer, client_id=config.client_id)
    if nonce != payload.get("nonce"):
        raise VerificationError("invalid_nonce", "the sealed session belongs to another browser key")
    session = payload["session"]
    return Held(session, payload.get("rt"), payload["login_id"], nonce, payload["exp"], reported["sealed"],
                int(payload.get("obtained", 0)))


def _shared_refresh(refresh_token: str, run) -> dict[str, Any]:
    """Runs ``run()`` once per refresh token for all Streamlit sessions of this process."""
    key = hashlib.sha256(refresh_token.encode()).hexdigest()
    with _LOCK:
        lock = _REFRESH_LOCKS.setdefault(key, threading.Lock())
    with lock:
        now = time.monotonic()
        with _LOCK:
            for old in [k for k, (at, _) in _REFRESHES.items() if now - at > REFRESH_SHARE_S and k != key]:
                del _REFRESHES[old]
                _REFRESH_LOCKS.pop(old, None)
            if key in _REFRESHES:
                at, token = _REFRESHES[key]
                # Shared while fresh: a refresh token that is not rotated asks again later.
                life = token.get("expires_in") if isinstance(token.get("expires_in"), int) else 3600
                if now - at < min(REFRESH_SHARE_S, life / 2):
                    return token
        token = run()
        with _LOCK:
            _REFRESHES[key] = (time.monotonic(), token)
        return token


def refresh_held(verifier: TokenVerifier, sealer: Sealer, held: Held, clock=time.time) -> Held:
    """New tokens for ``held`` from its refresh token, verified and sealed again.

    Raises
    ------
    VerificationError
        ``invalid_grant`` (the login is over), ``sealed_expired`` (past its maximum age), or a
        token endpoint or verification code.
    """
    now = clock()
    if held.refresh_token is None:
        raise VerificationError("refresh_failed", "the login has no refresh token")
    if held.ends_at <= now:
        raise VerificationError("sealed_expired", "the login has reached its maximum age: log in again")
    config = verifier.config
    token = _shared_refresh(held.refresh_token, lambda: {**_token_request(
        config, verifier.metadata, "refresh_token", refresh_token=held.refresh_token), "obtained_at": now})
    if token["access_token"] == held.session["token"]["value"]:
        return held  # another Streamlit session's refresh, already held here
    now = token["obtained_at"]
    id_token = token.get("id_token")
    login_token = None if not isinstance(id_token, str) else held.login_id_token
    id_token = id_token if isinstance(id_token, str) else held.session["token"]["value_id_token"]
    if login_token is None:
        # No new ID token: the identity stands; only the access token is new.
        session = verify_tokens(verifier, token["access_token"], id_token, _expiry(token, now), held.nonce,
                                claims=held.session["claims"])
    else:
        session = verify_tokens(verifier, token["access_token"], id_token, _expiry(token, now), held.nonce,
                                login_token=login_token)
    refresh_token = token.get("refresh_token") if isinstance(token.get("refresh_token"), str) else held.refresh_token
    return _held(sealer, session, refresh_token, held.login_id_token, held.nonce, held.ends_at, now)


def revoke(verifier: TokenVerifier, held: Held) -> bool:
    """Revokes the refresh token where the provider has a ``revocation_endpoint`` (RFC 7009);
    whether it was revoked. Failures are not errors: the login ends here either way."""
    endpoint = verifier.metadata.get("revocation_endpoint")
    if held.refresh_token is None or not isinstance(endpoint, str):
        return False
    try:
        with _client(verifier.config, verifier.metadata) as client:
            response = client.revoke_token(endpoint, token=held.refresh_token, token_type_hint="refresh_token",
                                           allow_redirects=False, timeout=10)
        return bool(response.ok)
    except (OAuthError, VerificationError, requests.RequestException):
        return False
