"""The verified login in ``st.session_state``: ``user``, ``email``, ``token`` (``{value,
value_id_token, expiry}``), ``claims``, ``scopes`` and ``access_claims``. All six are ``None``
when nobody is logged in."""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from typing import Any

from .binding import verify_proof
from .verify import TokenVerifier, VerificationError

__all__ = ["SESSION_KEYS", "clear_session", "expire_session", "is_logged_in", "store_session", "verify_session",
           "verify_tokens"]

#: The ``st.session_state`` keys this package owns.
SESSION_KEYS = ("user", "email", "token", "claims", "scopes", "access_claims")


def verify_session(verifier: TokenVerifier, reported: Any, challenge: str) -> dict[str, Any]:
    """The session to store, from the ``session`` an ``onStatusUpdate`` reported.

    The session's ``binding`` proof must be a signature over ``challenge`` (this Streamlit
    session's) by the browser key that the login's ID token nonce commits to
    (:mod:`streamlit_component.binding`).

    Only verified values are used: ``user`` and ``email`` come from the ID token's claims,
    ``scopes`` from the verified JWT access token (empty when the access token is not a JWT for
    the configured ``audience``, which is then passed on as it is), and ``token.expiry`` is the
    verified access token's ``exp`` or else the earlier of the reported expiry and the ID
    token's ``exp``.

    Raises
    ------
    VerificationError
        When the reported session has the wrong shape, its binding proof fails
        (``binding_missing``, ``binding_malformed``, ``binding_signature``, or ``invalid_nonce``
        when the token's nonce commits to another key) or a token fails verification.
    """
    token = reported.get("token") if isinstance(reported, dict) else None
    if not isinstance(token, dict):
        raise VerificationError("malformed_session", "the reported session has no `token` object")
    access, id_token, expiry = token.get("value"), token.get("value_id_token"), token.get("expiry")
    if not isinstance(access, str) or not access or isinstance(expiry, bool) or not isinstance(expiry, int):
        raise VerificationError("malformed_session", "the reported token needs `value` and an integer `expiry`")
    config = verifier.config
    nonce = verify_proof(reported.get("binding"), challenge=challenge, issuer=config.issuer,
                         client_id=config.client_id)
    return verify_tokens(verifier, access, id_token, expiry, nonce, login_token=reported.get("login_id_token"))


def verify_tokens(verifier: TokenVerifier, access: str, id_token: Any, expiry: int, nonce: str, *,
                  login_token: Any = None, claims: dict[str, Any] | None = None) -> dict[str, Any]:
    """The session for tokens from the browser or the token endpoint: the ID token verified
    with ``nonce`` (after a refresh without one, next to ``login_token``; with ``claims`` given,
    already verified), the access token verified when it is a JWT for the configured API.

    Raises
    ------
    VerificationError
        When a token fails verification.
    """
    if claims is None:
        if login_token is None:
            claims = verifier.verify_id_token(id_token, nonce)
        else:
            # After a refresh whose ID token has no nonce: paired with the login's own.
            claims = verifier.verify_refreshed_id_token(id_token, login_token, nonce)
        expiry = min(expiry, int(claims["exp"]))
    scopes: list[str] = []
    access_claims: dict[str, Any] | None = None
    if verifier.is_api_token(access):
        access_claims = verifier.verify_access_token(access, subject=claims["sub"])
        scopes = verifier.scopes(access_claims)
        expiry = int(access_claims["exp"])
    user = next((claims[k] for k in ("name", "preferred_username", "email", "sub") if isinstance(claims.get(k), str)), "")
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    return {
        "user": user,
        "email": email,
        "token": {"value": access, "value_id_token": id_token, "expiry": expiry},
        "claims": claims,
        "scopes": scopes,
        "access_claims": access_claims,
    }


def store_session(state: MutableMapping[str, Any], session: dict[str, Any]) -> None:
    """Put a verified session into ``state``."""
    for key in SESSION_KEYS:
        state[key] = session.get(key)


def clear_session(state: MutableMapping[str, Any]) -> None:
    """Set the session keys to ``None``."""
    for key in SESSION_KEYS:
        state[key] = None


def is_logged_in(state: MutableMapping[str, Any] | None = None) -> bool:
    """Whether ``state`` (``st.session_state`` by default) holds a verified, unexpired login."""
    if state is None:
        import streamlit as st

        state = st.session_state
    token = state.get("token")
    return isinstance(token, dict) and isinstance(token.get("expiry"), int) and token["expiry"] > time.time()


def expire_session(state: MutableMapping[str, Any]) -> bool:
    """Clear a session whose ``token.expiry`` has passed; ``True`` when one was cleared."""
    if state.get("token") is not None and not is_logged_in(state):
        clear_session(state)
        return True
    return False
