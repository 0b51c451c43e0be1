"""The login configuration: from a dict or a ``st.secrets`` section.

Key names follow Streamlit's native ``[auth]`` section where they mean the same
(``server_metadata_url``, ``client_id``); the native keys this component has no use for
(``client_secret``, ``cookie_secret``, ``client_kwargs``, ``expose_tokens``) are ignored, and so
are nested tables (``[auth.<provider>]``: pick one with ``section="auth.<provider>"``). Any
other unknown key, and every missing or invalid one, raises :class:`ConfigError` naming it.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ALLOWED_ALGORITHMS", "DEFAULT_EVENTS", "AuthConfig", "ConfigError", "load_config"]

#: The events the component may send when the app names none.
DEFAULT_EVENTS: tuple[str, ...] = ("onStatusUpdate", "onActionRequest", "onError")
#: Signature algorithms a verifier may accept: asymmetric only (a public client has no secret).
ALLOWED_ALGORITHMS: tuple[str, ...] = ("RS256", "ES256", "PS256")
#: Where OpenID Connect discovery lives below an issuer.
DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
#: Longest clock leeway accepted, in seconds.
MAX_LEEWAY_S = 60

_IGNORED_NATIVE_KEYS = frozenset({"client_secret", "cookie_secret", "client_kwargs", "expose_tokens"})


class ConfigError(ValueError):
    """A configuration key is missing or invalid.

    Parameters
    ----------
    key : str
        The offending key.
    message : str
        What is wrong with it.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"auth config `{key}`: {message}")
        self.key = key


def is_secure_url(url: str) -> bool:
    """Whether ``url`` is https, or http on a loopback host (the component's own rule)."""
    parts = urllib.parse.urlsplit(url)
    if not parts.netloc or parts.username is not None or parts.password is not None:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")


def origin_of(url: str) -> str | None:
    """The ``scheme://host:port`` origin of an http(s) URL (default ports made explicit), or
    ``None`` when the URL has no usable origin or carries user info."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}:{port or (443 if parts.scheme == 'https' else 80)}"


@dataclass(frozen=True)
class AuthConfig:
    """Everything the host, the verifier and delegated requests need.

    Attributes
    ----------
    issuer : str
        The provider's issuer, compared exactly with the discovery document and every token.
    server_metadata_url : str
        The discovery document's URL (``<issuer>/.well-known/openid-configuration``).
    client_id : str
        The public client's id; ID tokens must be for it.
    audience : str or None
        The API the access token is for; a JWT access token for it is verified too.
    scope : str
        Space-separated scopes the component asks for.
    events : tuple of str
        Event names the app accepts; others become ``onError``.
    heartbeat_s : int
        How often the component checks its storage (1..3600).
    api_origins : tuple of str
        ``scheme://host:port`` origins that delegated requests may send the token to.
    refresh : bool
        Whether the component refreshes silently at expiry.
    end_session : bool
        Whether logout also ends the provider session.
    redirect_uri : str or None
        The component page's URL registered with the provider; the component's own URL when
        ``None``.
    hostname : str
        Shown in the component's logged-out line.
    algorithms : tuple of str
        Accepted signature algorithms, a subset of :data:`ALLOWED_ALGORITHMS`.
    leeway_s : int
        Clock leeway for ``exp``, ``iat`` and ``nbf``, at most 60 s.
    max_session_s : int
        How long a login lasts through refreshes whose ID tokens carry no ``nonce``, counted
        from the login (1 minute to 30 days; 24 hours by default).
    """

    issuer: str
    server_metadata_url: str
    client_id: str
    audience: str | None = None
    scope: str = "openid profile email"
    events: tuple[str, ...] = DEFAULT_EVENTS
    heartbeat_s: int = 2
    api_origins: tuple[str, ...] = ()
    refresh: bool = True
    end_session: bool = False
    redirect_uri: str | None = None
    hostname: str = ""
    algorithms: tuple[str, ...] = ALLOWED_ALGORITHMS
    leeway_s: int = 30
    max_session_s: int = 24 * 3600

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> AuthConfig:
        """Read and validate a configuration.

        Parameters
        ----------
        values : Mapping
            The keys described in the class; ``issuer`` or ``server_metadata_url`` and
            ``client_id`` are required.

        Returns
        -------
        AuthConfig

        Raises
        ------
        ConfigError
            Naming the first missing, unknown or invalid key.
        """
        if not isinstance(values, Mapping):
            raise ConfigError("auth", "must be a table of keys")
        fields = set(cls.__dataclass_fields__)
        for key, value in values.items():
            if key not in fields and key not in _IGNORED_NATIVE_KEYS and not isinstance(value, Mapping):
                raise ConfigError(str(key), "unknown key")
        read = _Reader(values)
        metadata = read.url("server_metadata_url")
        issuer = read.url("issuer")
        if metadata is None and issuer is None:
            raise ConfigError("server_metadata_url", "missing (or set `issuer`)")
        if issuer is None:
            assert metadata is not None
            if not metadata.endswith(DISCOVERY_SUFFIX):
                raise ConfigError("issuer", f"missing, and server_metadata_url does not end with {DISCOVERY_SUFFIX}")
            issuer = metadata[: -len(DISCOVERY_SUFFIX)]
        redirect_uri = read.url("redirect_uri")
        if redirect_uri is not None and urllib.parse.urlsplit(redirect_uri).path.endswith("/oauth2callback"):
            raise ConfigError("redirect_uri", "is st.login's callback; give the component's page URL instead")
        algorithms = read.strings("algorithms", ALLOWED_ALGORITHMS)
        if not algorithms or any(a not in ALLOWED_ALGORITHMS for a in algorithms):
            raise ConfigError("algorithms", f"must be a non-empty subset of {list(ALLOWED_ALGORITHMS)}")
        origins = read.strings("api_origins", ())
        for origin in origins:
            normal = origin_of(origin)
            if normal is None or urllib.parse.urlsplit(origin).path not in ("", "/"):
                raise ConfigError("api_origins", "entries must be origins like https://api.example.com[:port]")
            if not is_secure_url(origin):
                # The access token goes there as a bearer token: never unencrypted off this machine.
                raise ConfigError("api_origins", f"{origin} must be https (http only on localhost, 127.0.0.1 or [::1])")
        return cls(
            issuer=issuer,
            server_metadata_url=metadata or issuer.rstrip("/") + DISCOVERY_SUFFIX,
            client_id=read.text("client_id", required=True) or "",
            audience=read.text("audience"),
            scope=read.text("scope") or "openid profile email",
            events=read.strings("events", DEFAULT_EVENTS),
            heartbeat_s=read.integer("heartbeat_s", 2, 1, 3600),
            api_origins=tuple(origin_of(o) or "" for o in origins),
            refresh=read.boolean("refresh", True),
            end_session=read.boolean("end_session", False),
            redirect_uri=redirect_uri,
            hostname=read.text("hostname", allow_empty=True) or "",
            algorithms=algorithms,
            leeway_s=read.integer("leeway_s", 30, 0, MAX_LEEWAY_S),
            max_session_s=read.integer("max_session_s", 24 * 3600, 60, 30 * 24 * 3600),
        )

    @classmethod
    def from_secrets(cls, section: str = "auth") -> AuthConfig:
        """Read the configuration from ``st.secrets[section]``.

        Parameters
        ----------
        section : str
            A top-level section, or a dotted path to a nested one (``"auth.myidp"``).

        Raises
        ------
        ConfigError
            When the section is missing, or a key in it is missing or invalid.
        """
        import streamlit as st

        node: Any = st.secrets
        for part in section.split("."):
            try:
                node = node[part] if isinstance(node, Mapping) else None
            except (KeyError, FileNotFoundError):
                node = None
            if node is None:
                raise ConfigError(section, "no such section in st.secrets")
        return cls.from_dict(dict(node))


def load_config(config: AuthConfig | Mapping[str, Any] | None = None, section: str = "auth") -> AuthConfig:
    """An :class:`AuthConfig` from itself, a mapping, or (``None``) ``st.secrets[section]``."""
    if isinstance(config, AuthConfig):
        return config
    if config is None:
        return AuthConfig.from_secrets(section)
    return AuthConfig.from_dict(config)


class _Reader:
    """Typed access to the raw keys; every failure names its key."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values

    def text(self, key: str, *, required: bool = False, allow_empty: bool = False) -> str | None:
        value = self.values.get(key)
        if value is None:
            if required:
                raise ConfigError(key, "missing")
            return None
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            raise ConfigError(key, "must be a non-empty string")
        return value.strip()

    def url(self, key: str) -> str | None:
        value = self.text(key)
        if value is not None and not is_secure_url(value):
            raise ConfigError(key, "must be an https URL (or http on localhost)")
        return value

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.values.get(key)
        if value is None:
            return default
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise ConfigError(key, "must be a list of strings")
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(key, "must be a list of non-empty strings")
        return tuple(v.strip() for v in value)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(key, f"must be a whole number from {low} to {high}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.values.get(key, default)
        if not isinstance(value, bool):
            raise ConfigError(key, "must be true or false")
        return value
