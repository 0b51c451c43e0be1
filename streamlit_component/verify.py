"""Server-side verification of the tokens the browser reports.

Nothing the component sends is trusted: each ID token is checked against the configured
provider (discovery fetched here, its ``issuer`` compared exactly; signature against its JWKS
only, with ``jku``/``x5u``/``jwk``/``x5c`` headers never read), then its claims (``iss``,
``aud``, ``azp``, ``exp``, ``iat``, ``nbf``, ``sub``, ``nonce``). A JWT access token for the
configured API ``audience`` is verified the same way. Failures raise
:class:`VerificationError` with a stable ``code``; messages never contain tokens.

Nonce binding: the caller passes the nonce the login's browser key commits to
(:mod:`streamlit_component.binding`, checked against this Streamlit session's challenge), and
an ID token is accepted only with exactly that nonce. Nothing is kept per process.
"""

from __future__ import annotations

import json
import math
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from jwt.api_jws import PyJWS

from ._http import read_limited
from .config import AuthConfig, is_secure_url

__all__ = ["MAX_TOKEN_BYTES", "TokenVerifier", "VerificationError", "verifier_for"]

#: Longest JWT accepted, in bytes.
MAX_TOKEN_BYTES = 16 * 1024
#: Largest discovery document or JWKS read, in bytes.
MAX_DOCUMENT_BYTES = 256 * 1024
#: Oldest ``iat`` accepted, in seconds.
MAX_TOKEN_AGE_S = 24 * 3600
#: While discovery fails: the first wait before trying again, and the longest (it doubles).
DISCOVERY_BACKOFF_S = (1.0, 60.0)

_KEY_TYPES = {"RS256": ("RSA", None), "PS256": ("RSA", None), "ES256": ("EC", "P-256")}
_ACCESS_TOKEN_TYPES = {"at+jwt", "application/at+jwt"}


class VerificationError(Exception):
    """A token, or what it depends on, failed a check.

    Parameters
    ----------
    code : str
        Stable reason, like the component's codes: ``malformed_token``, ``token_too_large``,
        ``alg_not_allowed``, ``unknown_kid``, ``invalid_signature``, ``invalid_issuer``,
        ``invalid_audience``, ``invalid_azp``, ``expired``, ``not_yet_valid``,
        ``issued_in_future``, ``token_too_old``, ``missing_claim``, ``invalid_nonce``,
        ``wrong_token_type``, ``subject_mismatch``, ``discovery_failed``, ``jwks_unavailable``.
    message : str
        For people; never contains a token.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _get_json(url: str, timeout_s: float, what: str, code: str) -> dict[str, Any]:
    """GETs a JSON object without following redirects, size-limited."""
    try:
        with requests.get(url, timeout=timeout_s, allow_redirects=False, stream=True,
                          headers={"Accept": "application/json"}) as response:
            if response.status_code != 200:
                raise VerificationError(code, f"{what} answered HTTP {response.status_code}")
            body = read_limited(response, MAX_DOCUMENT_BYTES)
    except requests.RequestException as error:
        raise VerificationError(code, f"{what} could not be fetched ({type(error).__name__})") from None
    if len(body) > MAX_DOCUMENT_BYTES:
        raise VerificationError(code, f"{what} is larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise VerificationError(code, f"{what} is not a JSON object")
    return document


@dataclass
class _KeySet:
    keys: dict[str, tuple[dict[str, Any], jwt.PyJWK]]
    fetched_at: float


class _Jwks:
    """The provider's signing keys by ``kid``: cached, refetched when stale, and refetched at
    most once per ``refetch_interval_s`` when a token names an unknown ``kid``."""

    def __init__(self, uri: str, timeout_s: float, refetch_interval_s: float, lifespan_s: float,
                 clock: Callable[[], float]) -> None:
        self.uri, self.timeout_s, self.clock = uri, timeout_s, clock
        self.refetch_interval_s, self.lifespan_s = refetch_interval_s, lifespan_s
        self._set: _KeySet | None = None
        self._last_refetch = float("-inf")
        self._lock = threading.Lock()

    def key(self, kid: str) -> tuple[dict[str, Any], jwt.PyJWK]:
        with self._lock:
            now = self.clock()
            stale = self._set is None or now - self._set.fetched_at > self.lifespan_s
            if stale:
                self._fetch(now)
            assert self._set is not None
            if kid not in self._set.keys and not stale and now - self._last_refetch >= self.refetch_interval_s:
                self._last_refetch = now
                self._fetch(now)
            if kid not in self._set.keys:
                raise VerificationError("unknown_kid", "the token's key is not in the provider's JWKS")
            return self._set.keys[kid]

    def _fetch(self, now: float) -> None:
        """Fetch the keys; on failure keep the ones we have (an unknown kid still refetches)."""
        try:
            document = _get_json(self.uri, self.timeout_s, "the JWKS", "jwks_unavailable")
        except VerificationError:
            if self._set is None:
                raise
            self._set.fetched_at = now
            return
        keys: dict[str, tuple[dict[str, Any], jwt.PyJWK]] = {}
        entries = document.get("keys")
        for raw in entries if isinstance(entries, list) else []:
            if not isinstance(raw, dict) or not isinstance(raw.get("kid"), str):
                continue
            if raw.get("use", "sig") != "sig" or "d" in raw or raw.get("kty") not in ("RSA", "EC"):
                continue
            try:
                keys[raw["kid"]] = (raw, jwt.PyJWK(raw))
            except (jwt.PyJWTError, ValueError, TypeError, KeyError):
                continue
        self._set = _KeySet(keys, now)


def _number(value: Any) -> bool:
    """A JSON number usable as a time: not a bool, not NaN or infinite (Python's JSON parser
    reads `NaN` and `Infinity`, and `exp: Infinity` would never expire)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class TokenVerifier:
    """Verifies ID and access tokens for one :class:`AuthConfig`.

    Parameters
    ----------
    config : AuthConfig
        The provider, client and API.
    clock : callable
        Wall-clock seconds, for ``exp``/``iat``/``nbf``.
    timeout_s : float
        Timeout of each discovery and JWKS request.
    jwks_refetch_interval_s : float
        Least time between two JWKS refetches caused by an unknown ``kid``.
    jwks_lifespan_s : float
        How long fetched keys are used before they are fetched again.
    """

    def __init__(self, config: AuthConfig, *, clock: Callable[[], float] = time.time, timeout_s: float = 5.0,
                 jwks_refetch_interval_s: float = 30.0, jwks_lifespan_s: float = 3600.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.config, self.clock, self.timeout_s = config, clock, timeout_s
        self._refetch_s, self._lifespan_s = jwks_refetch_interval_s, jwks_lifespan_s
        self._jwks: _Jwks | None = None
        self._metadata: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._monotonic = monotonic
        # While the provider cannot be reached: the failure, when to try again, the next wait.
        self._failure: VerificationError | None = None
        self._retry_at = 0.0
        self._backoff_s = DISCOVERY_BACKOFF_S[0]

    @property
    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, checked (fetched on first use)."""
        self._keys()
        return self._metadata

    @property
    def issuer(self) -> str:
        """The issuer, once the discovery document has confirmed it (fetched on first use)."""
        self._keys()
        return self.config.issuer

    def _keys(self) -> _Jwks:
        with self._lock:
            if self._jwks is None:
                now = self._monotonic()
                if self._failure is not None and now < self._retry_at:
                    # The provider is down: say so at once instead of waiting on it again.
                    raise VerificationError(self._failure.code, f"{self._failure.message} (the provider is "
                                            f"unreachable; next try in {self._retry_at - now:.0f} s)")
                try:
                    document = self._discovery()
                except VerificationError as failure:
                    self._failure, self._retry_at = failure, now + self._backoff_s
                    self._backoff_s = min(self._backoff_s * 2, DISCOVERY_BACKOFF_S[1])
                    raise
                self._failure, self._backoff_s = None, DISCOVERY_BACKOFF_S[0]
                self._metadata = document
                jwks_uri = document["jwks_uri"]
                self._jwks = _Jwks(jwks_uri, self.timeout_s, self._refetch_s, self._lifespan_s, time.monotonic)
            return self._jwks

    def _discovery(self) -> dict[str, Any]:
        """The discovery document, checked: the configured issuer and a usable ``jwks_uri``."""
        document = _get_json(self.config.server_metadata_url, self.timeout_s,
                             "the discovery document", "discovery_failed")
        if document.get("issuer") != self.config.issuer:
            raise VerificationError("discovery_failed", "the discovery document's issuer is not the configured one")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not is_secure_url(jwks_uri):
            raise VerificationError("discovery_failed", "the discovery document has no usable jwks_uri")
        return document

    def verify_id_token(self, token: Any, nonce: str) -> dict[str, Any]:
        """The claims of a valid ID token for this client whose ``nonce`` is ``nonce`` (the one
        the login's browser key commits to).

        Raises
        ------
        VerificationError
            On any failed check.
        """
        claims = self._id_claims(token)
        self._check_nonce(claims, nonce)
        return claims

    def verify_refreshed_id_token(self, token: Any, login_token: Any, nonce: str) -> dict[str, Any]:
        """The claims of an ID token from a refresh, which may carry no ``nonce`` (OpenID Connect
        Core §12.2). Without one it is accepted only next to ``login_token``, the login's own ID
        token: valid for this client with the nonce ``nonce`` (its expiry may have passed), issued
        at most ``max_session_s`` ago, with the same ``iss``, ``aud`` and ``sub`` (and ``sid``
        when both carry one).

        Raises
        ------
        VerificationError
            On any failed check; ``session_too_old`` or ``refresh_mismatch`` for the pairing.
        """
        claims = self._id_claims(token)
        if "nonce" in claims:
            self._check_nonce(claims, nonce)
            return claims
        login = self._id_claims(login_token, allow_expired=True, max_age_s=self.config.max_session_s)
        self._check_nonce(login, nonce)
        for claim in ("iss", "aud", "sub"):
            if claims.get(claim) != login.get(claim):
                raise VerificationError("refresh_mismatch", f"the refreshed ID token's `{claim}` differs from the login's")
        if "sid" in claims and "sid" in login and claims["sid"] != login["sid"]:
            raise VerificationError("refresh_mismatch", "the refreshed ID token's `sid` differs from the login's")
        return claims

    def _id_claims(self, token: Any, *, allow_expired: bool = False, max_age_s: float = 0) -> dict[str, Any]:
        header, claims = self._verified(token, allow_expired=allow_expired, max_age_s=max_age_s)
        if str(header.get("typ", "")).lower() in _ACCESS_TOKEN_TYPES:
            raise VerificationError("wrong_token_type", "an access token was offered as the ID token")
        audiences = self._audiences(claims)
        if self.config.client_id not in audiences or any(a != self.config.client_id for a in audiences):
            raise VerificationError("invalid_audience", "the ID token is not (only) for this client")
        self._check_azp(claims)
        return claims

    @staticmethod
    def _check_nonce(claims: Mapping[str, Any], nonce: str) -> None:
        if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(claims["nonce"].encode(), nonce.encode()):
            raise VerificationError("invalid_nonce", "the ID token's nonce does not commit to this browser's key")

    def is_api_token(self, token: Any) -> bool:
        """Whether ``token`` is a JWT whose ``aud`` names the configured API (unverified look)."""
        if self.config.audience is None or not isinstance(token, str) or len(token) > MAX_TOKEN_BYTES:
            return False
        if not token.isascii():
            return False  # not a compact JWS (and PyJWT would fail encoding a lone surrogate)
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return False
        aud = claims.get("aud")
        return self.config.audience == aud or (isinstance(aud, list) and self.config.audience in aud)

    def verify_access_token(self, token: Any, subject: str | None = None) -> dict[str, Any]:
        """The claims of a valid JWT access token for the configured API ``audience``.

        Parameters
        ----------
        token : str
            The access token.
        subject : str or None
            When given, the token's ``sub`` must equal it (the ID token's user).

        Raises
        ------
        VerificationError
            On any failed check.
        """
        _, claims = self._verified(token)
        if self.config.audience is None or self.config.audience not in self._audiences(claims):
            raise VerificationError("invalid_audience", "the access token is not for the configured API")
        self._check_azp(claims)
        if claims.get("client_id", self.config.client_id) != self.config.client_id:
            raise VerificationError("invalid_azp", "the access token was issued to another client")
        if subject is not None and claims["sub"] != subject:
            raise VerificationError("subject_mismatch", "the access token is for another user")
        return claims

    @staticmethod
    def scopes(claims: Mapping[str, Any]) -> list[str]:
        """The scopes of access-token claims: ``scope`` (space-separated) or ``scp`` (a list)."""
        scope, scp = claims.get("scope"), claims.get("scp")
        if isinstance(scope, str):
            return scope.split()
        if isinstance(scp, list):
            return [s for s in scp if isinstance(s, str)]
        return []

    def _verified(self, token: Any, *, allow_expired: bool = False,
                  max_age_s: float = 0) -> tuple[dict[str, Any], dict[str, Any]]:
        """Header and claims of a token with a valid signature and valid common claims
        (``allow_expired``: ``exp`` may have passed; ``max_age_s``: the bound on ``iat``'s age
        instead of :data:`MAX_TOKEN_AGE_S`)."""
        if not isinstance(token, str) or not token:
            raise VerificationError("malformed_token", "the token is not a string")
        if len(token) > MAX_TOKEN_BYTES:
            raise VerificationError("token_too_large", f"the token is longer than {MAX_TOKEN_BYTES} bytes")
        if not token.isascii() or token.count(".") != 2:
            raise VerificationError("malformed_token", "the token is not a compact JWS")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise VerificationError("malformed_token", "the token's header is not valid") from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.config.algorithms:
            raise VerificationError("alg_not_allowed", "the token's algorithm is not allowed")
        if not isinstance(kid, str) or not kid:
            raise VerificationError("unknown_kid", "the token names no key")
        raw, jwk = self._keys().key(kid)
        kty, crv = _KEY_TYPES[alg]
        if raw.get("kty") != kty or (crv and raw.get("crv") != crv) or raw.get("alg", alg) != alg:
            raise VerificationError("alg_not_allowed", "the token's algorithm does not match its key")
        try:
            payload = PyJWS().decode_complete(token, jwk.key, algorithms=[alg])["payload"]
        except jwt.InvalidSignatureError:
            raise VerificationError("invalid_signature", "the token's signature is not valid") from None
        except jwt.PyJWTError:
            raise VerificationError("malformed_token", "the token could not be decoded") from None
        try:
            claims = json.loads(payload)
        except ValueError:
            claims = None
        if not isinstance(claims, dict):
            raise VerificationError("malformed_token", "the token's payload is not a JSON object")
        self._check_common(claims, allow_expired, max_age_s or MAX_TOKEN_AGE_S)
        return header, claims

    def _check_common(self, claims: dict[str, Any], allow_expired: bool = False,
                      max_age_s: float = MAX_TOKEN_AGE_S) -> None:
        if claims.get("iss") != self.config.issuer:
            raise VerificationError("invalid_issuer", "the token is from another issuer")
        for claim in ("exp", "iat"):
            if not _number(claims.get(claim)):
                raise VerificationError("missing_claim", f"the token has no valid `{claim}`")
        now, leeway = self.clock(), self.config.leeway_s
        if claims["exp"] + leeway <= now and not allow_expired:
            raise VerificationError("expired", "the token has expired")
        if claims["iat"] - leeway > now:
            raise VerificationError("issued_in_future", "the token is issued in the future")
        if now - claims["iat"] > max_age_s + leeway:
            code = "session_too_old" if allow_expired else "token_too_old"
            raise VerificationError(code, "the token was issued too long ago")
        if "nbf" in claims and (not _number(claims["nbf"]) or claims["nbf"] - leeway > now):
            raise VerificationError("not_yet_valid", "the token is not valid yet")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise VerificationError("missing_claim", "the token has no `sub`")

    def _audiences(self, claims: Mapping[str, Any]) -> list[str]:
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud
        if not isinstance(audiences, list) or not audiences or not all(isinstance(a, str) for a in audiences):
            raise VerificationError("invalid_audience", "the token has no valid `aud`")
        return audiences

    def _check_azp(self, claims: Mapping[str, Any]) -> None:
        if "azp" in claims and claims["azp"] != self.config.client_id:
            raise VerificationError("invalid_azp", "the token's `azp` is another client")


_VERIFIERS: dict[AuthConfig, TokenVerifier] = {}
_VERIFIERS_LOCK = threading.Lock()


def verifier_for(config: AuthConfig) -> TokenVerifier:
    """The process-wide verifier of ``config`` (shared, so its keys are fetched once)."""
    with _VERIFIERS_LOCK:
        verifier = _VERIFIERS.get(config)
        if verifier is None:
            verifier = _VERIFIERS[config] = TokenVerifier(config)
        return verifier
