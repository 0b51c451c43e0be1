"""The login configuration: from a dict or a ``st.secrets`` section.

An ``[auth]`` section written for ``st.login`` works as it is: ``server_metadata_url``,
``client_id``, ``client_secret`` and ``cookie_secret`` (confidential mode), ``client_kwargs``
(``scope``, ``prompt``, ``token_endpoint_auth_method``; other Authlib arguments are ignored),
``expose_tokens`` (ignored: the verified tokens are in ``st.session_state`` anyway), and named
providers ``[auth.<name>]`` picked with ``provider="<name>"``. st.login's ``redirect_uri``
(``…/oauth2callback``) belongs to Streamlit's own handler: the component uses its own page as
redirect URI instead. Any other unknown key, and every missing or invalid one, raises
:class:`ConfigError` naming it.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .access import CLAIM_SOURCES, Access
from .login_options import check_login_options

__all__ = ["ALLOWED_ALGORITHMS", "DEFAULT_EVENTS", "AuthConfig", "ConfigError", "load_config"]

#: The events the component may send when the app names none.
DEFAULT_EVENTS: tuple[str, ...] = ("onStatusUpdate", "onActionRequest", "onError")
#: Signature algorithms a verifier may accept: asymmetric only (a public client has no secret).
ALLOWED_ALGORITHMS: tuple[str, ...] = ("RS256", "ES256", "PS256")
#: Where OpenID Connect discovery lives below an issuer.
DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
#: Longest clock leeway accepted, in seconds.
MAX_LEEWAY_S = 60

_IGNORED_NATIVE_KEYS = frozenset({"expose_tokens"})
#: Tables that are keys of a section, not named providers.
_TABLES = frozenset({"client_kwargs", "authorize_params"})
#: How a confidential client authenticates at the token endpoint.
AUTH_METHODS: tuple[str, ...] = ("client_secret_basic", "client_secret_post")


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
    end_session_method : str
        How the popup asks the provider to end it: ``"get"`` (the default) names the client and
        sends no token; ``"post"`` adds the ID token as ``id_token_hint`` in a form POST, for
        providers that need the hint and take POST (Keycloak, Okta, Auth0). Neither puts a
        token in a URL.
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
        from the login (1 minute to 30 days; 24 hours by default); in confidential mode, how
        long a sealed session opens.
    client_secret : str or None
        A confidential client's secret: the code exchange and refresh run in Python and the
        tokens never reach the browser (confidential mode). Never sent to the browser.
    cookie_secret : str or None
        Required with ``client_secret``: the key of the sealed session is derived from it.
    token_endpoint_auth_method : str or None
        ``client_secret_basic`` or ``client_secret_post``; the first of the two the discovery
        document lists when ``None``.
    prompt : str or None
        The authorization request's ``prompt`` (``login``, ``consent``, ``select_account``,
        ``none``, space-separated).
    login_hint, max_age, acr_values, ui_locales : optional
        Login options for every login (``prompt`` above is one too); see
        :mod:`streamlit_component.login_options`.
    authorize_params : tuple of (str, str)
        A provider's own authorization parameters for every login (``kc_idp_hint``,
        ``domain_hint``…), the ``authorize_params`` table Authlib takes.
    allowed_authorize_params : tuple of str
        A provider's own parameters that a page may set per call (``login_options=``).
    required_roles, roles_claim, allowed_domains, allowed_emails, claims_from
        The app's access rules, on every page gated by ``require_login``: see
        :class:`~streamlit_component.access.Access` (``roles``, ``roles_claim``, ``domains``,
        ``emails``, ``claims_from``).
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
    end_session_method: str = "get"
    redirect_uri: str | None = None
    hostname: str = ""
    algorithms: tuple[str, ...] = ALLOWED_ALGORITHMS
    leeway_s: int = 30
    max_session_s: int = 24 * 3600
    client_secret: str | None = field(default=None, repr=False)
    cookie_secret: str | None = field(default=None, repr=False)
    token_endpoint_auth_method: str | None = None
    prompt: str | None = None
    login_hint: str | None = None
    max_age: int | None = None
    acr_values: str | None = None
    ui_locales: str | None = None
    authorize_params: tuple[tuple[str, str], ...] = ()
    allowed_authorize_params: tuple[str, ...] = ()
    required_roles: tuple[str, ...] = ()
    roles_claim: tuple[str, ...] = ("roles",)
    allowed_domains: tuple[str, ...] = ()
    allowed_emails: tuple[str, ...] = ()
    claims_from: str = "id_token"

    @property
    def login_options(self) -> dict[str, str]:
        """The login options of every login, as the component takes them."""
        standard = {"prompt": self.prompt, "login_hint": self.login_hint, "max_age": self.max_age,
                    "acr_values": self.acr_values, "ui_locales": self.ui_locales}
        return check_login_options({**standard, **dict(self.authorize_params)}, self.extra_login_options,
                                   checked=True)

    @property
    def extra_login_options(self) -> frozenset[str]:
        """The provider's own parameters that login options may set."""
        return frozenset(self.allowed_authorize_params) | {name for name, _ in self.authorize_params}

    @property
    def access(self) -> Access:
        """The access rules of the ``[auth]`` section (none by default)."""
        return Access(roles=self.required_roles, roles_claim=self.roles_claim, domains=self.allowed_domains,
                      emails=self.allowed_emails, claims_from=self.claims_from)

    @property
    def confidential(self) -> bool:
        """Whether Python holds the tokens (a ``client_secret`` is configured)."""
        return self.client_secret is not None

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
            # st.login's own callback, served by Streamlit's handler: the component uses its
            # own page, which is what must be registered at the provider.
            redirect_uri = None
        kwargs = values.get("client_kwargs", {})
        if not isinstance(kwargs, Mapping):
            raise ConfigError("client_kwargs", "must be a table")
        native = _Reader(kwargs)
        client_secret = read.text("client_secret")
        cookie_secret = read.text("cookie_secret")
        if client_secret is not None and cookie_secret is None:
            raise ConfigError("cookie_secret", "missing: confidential mode (client_secret) seals the session with it")
        method = read.text("token_endpoint_auth_method") or native.text("token_endpoint_auth_method")
        if method is not None and method not in AUTH_METHODS:
            raise ConfigError("token_endpoint_auth_method", f"must be one of {list(AUTH_METHODS)}")
        end_session_method = read.text("end_session_method") or "get"
        if end_session_method not in ("get", "post"):
            raise ConfigError("end_session_method", 'must be "get" or "post"')
        prompt = read.text("prompt") or native.text("prompt")
        if prompt is not None:
            _checked_options("prompt", {"prompt": prompt})
        allowed_params = read.strings("allowed_authorize_params", ())
        extras = values.get("authorize_params", {})
        if not isinstance(extras, Mapping):
            raise ConfigError("authorize_params", "must be a table of parameter names to values")
        options = _checked_options(None, {k: values.get(k) for k in ("login_hint", "max_age", "acr_values",
                                                                     "ui_locales")})
        extras = _checked_options("authorize_params", extras, set(extras))
        _checked_options("allowed_authorize_params", dict.fromkeys(allowed_params, "allowed"), allowed_params)
        # All together, as every login sends them (at most 16).
        _checked_options("authorize_params", {"prompt": prompt, **options, **extras}, set(extras), checked=True)
        algorithms = read.strings("algorithms", ALLOWED_ALGORITHMS)
        if not algorithms or any(a not in ALLOWED_ALGORITHMS for a in algorithms):
            raise ConfigError("algorithms", f"must be a non-empty subset of {list(ALLOWED_ALGORITHMS)}")
        # One claim (a name, a path or a preset) or a list of them.
        roles_claim = read.strings("roles_claim", ("roles",)) if not isinstance(values.get("roles_claim"), str) \
            else (values["roles_claim"].strip(),)
        if not all(roles_claim):
            raise ConfigError("roles_claim", "must name a claim, a dotted path or a preset")
        claims_from = read.text("claims_from") or "id_token"
        roles, domains, emails = (read.strings(k, ()) for k in ("required_roles", "allowed_domains", "allowed_emails"))
        if claims_from not in CLAIM_SOURCES:
            raise ConfigError("claims_from", f"must be one of {list(CLAIM_SOURCES)}")
        if claims_from == "access_token" and read.text("audience") is None:
            raise ConfigError("claims_from", "access_token needs `audience`: only a JWT access token for the app's "
                                             "API is verified")
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
            scope=read.text("scope") or native.text("scope") or "openid profile email",
            events=read.strings("events", DEFAULT_EVENTS),
            heartbeat_s=read.integer("heartbeat_s", 2, 1, 3600),
            api_origins=tuple(origin_of(o) or "" for o in origins),
            refresh=read.boolean("refresh", True),
            end_session=read.boolean("end_session", False),
            end_session_method=end_session_method,
            redirect_uri=redirect_uri,
            hostname=read.text("hostname", allow_empty=True) or "",
            algorithms=algorithms,
            leeway_s=read.integer("leeway_s", 30, 0, MAX_LEEWAY_S),
            max_session_s=read.integer("max_session_s", 24 * 3600, 60, 30 * 24 * 3600),
            client_secret=client_secret,
            cookie_secret=cookie_secret,
            token_endpoint_auth_method=method,
            prompt=prompt,
            login_hint=options.get("login_hint"),
            max_age=values.get("max_age"),
            acr_values=options.get("acr_values"),
            ui_locales=options.get("ui_locales"),
            authorize_params=tuple(extras.items()),
            allowed_authorize_params=allowed_params,
            required_roles=roles,
            roles_claim=roles_claim,
            allowed_domains=domains,
            allowed_emails=emails,
            claims_from=claims_from,
        )

    @classmethod
    def from_secrets(cls, section: str = "auth", provider: str | None = None) -> AuthConfig:
        """Read the configuration from ``st.secrets[section]``.

        Parameters
        ----------
        section : str
            A top-level section, or a dotted path to a nested one (``"auth.myidp"``).
        provider : str or None
            A named provider of the section, as ``st.login(provider)`` takes it: the keys of
            ``[<section>.<provider>]`` over the section's own (``redirect_uri``,
            ``cookie_secret``).

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
        return cls.from_dict(with_provider(dict(node), provider, section))


def _checked_options(key: str | None, options: Mapping[str, Any], names: Any = (), *,
                     checked: bool = False) -> dict[str, str]:
    """``options`` checked as login options; a ``ConfigError`` names ``key``, or the option
    itself when ``key`` is ``None`` (the options are config keys of their own)."""
    try:
        return check_login_options(options, names, checked=checked)
    except ValueError as error:
        bad = key or next((name for name in options if f"`{name}`" in str(error)), "login_hint")
        raise ConfigError(bad, str(error)) from None


def with_provider(values: dict[str, Any], provider: str | None, section: str = "auth") -> dict[str, Any]:
    """The keys of a named provider table over the section's own, as ``st.login`` reads them."""
    if provider is None:
        if "client_id" not in values and any(isinstance(v, Mapping) and k not in _TABLES for k, v in values.items()):
            names = sorted(k for k, v in values.items() if isinstance(v, Mapping) and k not in _TABLES)
            raise ConfigError(section, f"names providers {names}: pick one with provider=\"<name>\"")
        return values
    table = values.get(provider)
    if not isinstance(table, Mapping):
        raise ConfigError(f"{section}.{provider}", "no such provider table")
    shared = {k: v for k, v in values.items() if not isinstance(v, Mapping) or k in _TABLES}
    return {**shared, **table}


def load_config(config: AuthConfig | Mapping[str, Any] | None = None, section: str = "auth",
                provider: str | None = None) -> AuthConfig:
    """An :class:`AuthConfig` from itself, a mapping, or (``None``) ``st.secrets[section]``; a
    mapping or section with named provider tables takes ``provider``."""
    if isinstance(config, AuthConfig):
        return config
    if config is None:
        return AuthConfig.from_secrets(section, provider)
    return AuthConfig.from_dict(with_provider(dict(config), provider, section))


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
