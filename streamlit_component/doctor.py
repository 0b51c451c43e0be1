"""``python -m streamlit_component doctor``: checks a login configuration against the real
provider and says how to fix what fails.

The checks: the discovery document is reachable and valid, its issuer is exactly the
configured one, the code flow with PKCE S256 is offered, the JWKS is reachable with a key for an
allowed algorithm, the browser may read discovery and (public mode) call the token endpoint
from the app's origin (CORS), whether logout can end the provider session, the clock against the
provider's ``Date`` header, and the redirect URI to register for the app's URL (accepted by the
provider's authorization endpoint, or not). No secret and no token is printed or sent (the
token endpoint gets a made-up code, which it refuses).
"""

from __future__ import annotations

import argparse
import base64
import email.utils
import hashlib
import secrets
import sys
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import requests

from .config import AuthConfig, ConfigError, origin_of, with_provider

__all__ = ["Finding", "diagnose", "main", "redirect_uri_for"]

COMPONENT_PATH = "/component/streamlit_component.login/index.html"
TIMEOUT_S = 5.0
#: Key types of the algorithms a verifier may accept.
_ALG_KEYS = {"RS256": ("RSA", None), "PS256": ("RSA", None), "ES256": ("EC", "P-256")}


@dataclass(frozen=True)
class Finding:
    """One check: ``PASS``, ``FAIL``, ``INFO`` (nothing to fix) or ``SKIP`` (could not be
    checked, and why); a failure names its ``fix``."""

    status: str
    check: str
    detail: str
    fix: str = ""


def redirect_uri_for(app_url: str) -> str:
    """The redirect URI the component uses for an app served at ``app_url`` (with its
    ``baseUrlPath``, without a trailing slash or query)."""
    parts = urllib.parse.urlsplit(app_url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + COMPONENT_PATH, "", ""))


def _get(url: str, origin: str | None = None) -> requests.Response:
    headers = {"Origin": origin} if origin else {}
    return requests.get(url, headers=headers, timeout=TIMEOUT_S, allow_redirects=False)


def _cors_allows(response: requests.Response, origin: str) -> bool:
    allowed = response.headers.get("Access-Control-Allow-Origin")
    return allowed == "*" or allowed == origin


def _browser_origin(app_url: str) -> str:
    parts = urllib.parse.urlsplit(app_url)
    return f"{parts.scheme}://{parts.netloc}"


def diagnose(config: AuthConfig, app_url: str | None = None, clock: Callable[[], float] = time.time) -> list[Finding]:
    """Every check's finding, in order; checks that need an earlier one's answer are skipped
    when it failed."""
    found: list[Finding] = []
    url = config.server_metadata_url
    origin = _browser_origin(app_url) if app_url else None
    try:
        response = _get(url, origin)
    except requests.RequestException as error:
        return [Finding("FAIL", "discovery", f"{url} cannot be reached ({type(error).__name__})",
                        "check server_metadata_url (or issuer) and that this machine can reach the provider")]
    if response.status_code != 200:
        where = f" (redirects to {response.headers.get('Location')})" if response.is_redirect else ""
        return [Finding("FAIL", "discovery", f"{url} answered HTTP {response.status_code}{where}",
                        "set server_metadata_url to the provider's /.well-known/openid-configuration "
                        "(Keycloak: <host>/realms/<realm>/…, Entra: login.microsoftonline.com/<tenant>/v2.0/…)")]
    try:
        doc = response.json()
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or not isinstance(doc.get("issuer"), str):
        return [Finding("FAIL", "discovery", f"{url} is not a discovery document (no JSON object with an issuer)",
                        "set server_metadata_url to the provider's /.well-known/openid-configuration")]
    found.append(Finding("PASS", "discovery", f"{url} answered with a discovery document"))
    found.append(_clock(response, clock, config.leeway_s))
    if doc["issuer"] == config.issuer:
        found.append(Finding("PASS", "issuer", f"{config.issuer} exactly"))
    else:
        found.append(Finding("FAIL", "issuer", f"the provider says {doc['issuer']!r}, the config {config.issuer!r}",
                             f'set issuer = "{doc["issuer"]}" (every token must name it exactly)'))
    methods = doc.get("code_challenge_methods_supported") or []
    if "code" in (doc.get("response_types_supported") or []) and "S256" in methods:
        found.append(Finding("PASS", "pkce", "the code flow with PKCE S256"))
    else:
        found.append(Finding("FAIL", "pkce", f"code_challenge_methods_supported is {methods or 'missing'}",
                             "turn on PKCE with S256 for this client at the provider (the component uses nothing "
                             "weaker), or use a provider that advertises it"))
    found.append(_jwks(doc, config))
    if origin is None:
        found.append(Finding("SKIP", "cors", "no --app-url: the app's origin is unknown"))
        found.append(Finding("SKIP", "redirect_uri", "no --app-url: give the URL the app is served at"))
    else:
        found.append(_cors(response, doc, config, origin))
        found.append(_redirect_uri(doc, config, app_url or ""))
    end = doc.get("end_session_endpoint")
    if isinstance(end, str):
        found.append(Finding("INFO", "end_session", f"{end}: logout can end the provider session "
                                                    f"(end_session = {str(config.end_session).lower()})"))
    elif config.end_session:
        found.append(Finding("FAIL", "end_session", "the provider has no end_session_endpoint",
                             "set end_session = false: logout then ends the login in the app only"))
    else:
        found.append(Finding("INFO", "end_session", "no end_session_endpoint: logout ends the login in the app only"))
    return found


def _clock(response: requests.Response, clock: Callable[[], float], leeway_s: int) -> Finding:
    date = response.headers.get("Date")
    try:
        parsed = email.utils.parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        return Finding("SKIP", "clock", "the provider sent no usable Date header")
    skew = parsed.timestamp() - clock()
    if abs(skew) <= max(leeway_s, 5):
        return Finding("PASS", "clock", f"{skew:+.0f} s against the provider's Date header")
    return Finding("FAIL", "clock", f"this machine's clock is {abs(skew):.0f} s "
                                    f"{'behind' if skew > 0 else 'ahead of'} the provider's",
                   f"synchronise the clock (NTP): beyond {leeway_s} s (leeway_s) fresh tokens are refused as "
                   "expired or not yet valid")


def _jwks(doc: Mapping[str, Any], config: AuthConfig) -> Finding:
    uri = doc.get("jwks_uri")
    if not isinstance(uri, str):
        return Finding("FAIL", "jwks", "the discovery document has no jwks_uri", "use a provider that publishes its keys")
    try:
        response = _get(uri)
        keys = response.json().get("keys") if response.status_code == 200 else None
    except (requests.RequestException, ValueError, AttributeError):
        keys = None
    if not isinstance(keys, list):
        return Finding("FAIL", "jwks", f"{uri} gave no key set", "check that the provider's JWKS is reachable from here")
    usable = sorted({alg for key in keys if isinstance(key, dict) and key.get("use", "sig") == "sig"
                     for alg, (kty, crv) in _ALG_KEYS.items()
                     if alg in config.algorithms and key.get("kty") == kty and (crv is None or key.get("crv") == crv)
                     and key.get("alg") in (None, alg)})
    signs = doc.get("id_token_signing_alg_values_supported") or []
    common = [alg for alg in config.algorithms if alg in signs and alg in usable]
    if common:
        return Finding("PASS", "jwks", f"{len(keys)} key(s); ID tokens signed with {', '.join(common)} can be verified")
    return Finding("FAIL", "jwks", f"the provider signs ID tokens with {signs or 'unknown algorithms'}; keys for "
                                   f"{usable or 'none of'} the allowed {list(config.algorithms)}",
                   "have the provider sign ID tokens with RS256, ES256 or PS256 (never HS256), and list it in "
                   "algorithms")


def _cors(discovery: requests.Response, doc: Mapping[str, Any], config: AuthConfig, origin: str) -> Finding:
    if not _cors_allows(discovery, origin):
        return Finding("FAIL", "cors", f"the browser at {origin} may not read the discovery document (no "
                                       "Access-Control-Allow-Origin for it)",
                       f"allow {origin} as a web origin (CORS) at the provider")
    if config.confidential:
        return Finding("PASS", "cors", f"{origin} may read discovery; tokens are fetched by Python (confidential)")
    token = doc.get("token_endpoint")
    if not isinstance(token, str):
        return Finding("FAIL", "cors", "the discovery document has no token_endpoint", "use a provider with the code flow")
    verifier = secrets.token_urlsafe(32)
    form = {"grant_type": "authorization_code", "code": "streamlit-component-doctor", "client_id": config.client_id,
            "redirect_uri": config.redirect_uri or "https://doctor.invalid/", "code_verifier": verifier}
    try:
        answer = requests.post(token, data=form, headers={"Origin": origin}, timeout=TIMEOUT_S, allow_redirects=False)
    except requests.RequestException as error:
        return Finding("FAIL", "cors", f"{token} cannot be reached ({type(error).__name__})",
                       "check that the token endpoint is reachable")
    if _cors_allows(answer, origin):
        return Finding("PASS", "cors", f"the browser at {origin} may call the token endpoint")
    return Finding("FAIL", "cors", f"the token endpoint sends no Access-Control-Allow-Origin for {origin}: the "
                                   "browser cannot exchange the code",
                   f"allow {origin} as a web origin (CORS) for client {config.client_id} at the provider (Keycloak: "
                   "Web origins; Okta: Trusted Origins; Entra: a single-page application platform), or use "
                   "confidential mode (client_secret)")


def _redirect_uri(doc: Mapping[str, Any], config: AuthConfig, app_url: str) -> Finding:
    uri = config.redirect_uri or redirect_uri_for(app_url)
    endpoint = doc.get("authorization_endpoint")
    if not isinstance(endpoint, str):
        return Finding("FAIL", "redirect_uri", "the discovery document has no authorization_endpoint",
                       "use a provider with the code flow")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(secrets.token_bytes(32)).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": config.client_id, "redirect_uri": uri, "scope": "openid",
        "state": secrets.token_urlsafe(16), "nonce": secrets.token_urlsafe(16), "code_challenge": challenge,
        "code_challenge_method": "S256"})
    try:
        answer = _get(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}")
    except requests.RequestException as error:
        return Finding("FAIL", "redirect_uri", f"{endpoint} cannot be reached ({type(error).__name__})",
                       "check that the authorization endpoint is reachable")
    location = answer.headers.get("Location", "")
    if answer.is_redirect and location.startswith(uri) and "error=" not in location:
        return Finding("PASS", "redirect_uri", f"{uri} is accepted by the provider")
    if answer.is_redirect and location.startswith(uri):
        return Finding("INFO", "redirect_uri", f"{uri} is accepted; the provider answered "
                                               f"{urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).get('error')}")
    if answer.is_redirect:
        # On to the provider's sign-in page: providers check the client and its redirect URI
        # before they show it.
        return Finding("PASS", "redirect_uri", f"{uri} is accepted by the provider (it asks the user to sign in)")
    if answer.status_code >= 400:
        return Finding("FAIL", "redirect_uri", f"the provider refuses the login request for {uri} "
                                               f"(HTTP {answer.status_code})",
                       f"register this redirect URI for client {config.client_id} at the provider: {uri} "
                       "(and check that the client_id is right)")
    return Finding("INFO", "redirect_uri", f"the provider answered with a page (HTTP {answer.status_code}), which "
                                           "may be its sign-in page or an error page: open the app and log in to "
                                           f"be sure; register {uri} if it names the redirect URI")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # Python 3.10: the backport, a dependency there
        import tomli as tomllib
    with open(path, "rb") as file:
        return tomllib.load(file)


def _config(secrets_path: Path, section: str, provider: str | None) -> AuthConfig:
    node: Any = _read_toml(secrets_path)
    for part in section.split("."):
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            raise ConfigError(section, f"no such section in {secrets_path}")
    return AuthConfig.from_dict(with_provider(dict(node), provider, section))


def report(findings: Sequence[Finding], out: TextIO) -> None:
    """The findings as aligned lines; each failure's fix on the line below it."""
    for finding in findings:
        out.write(f"{finding.status:<5} {finding.check:<13} {finding.detail}\n")
        if finding.fix:
            out.write(f"{'':<20}fix: {finding.fix}\n")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """The command line; 0 when no check failed, 1 when one did, 2 when the config is unusable."""
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m streamlit_component doctor",
                                     description="Check the login configuration against the real provider.")
    parser.add_argument("--secrets", type=Path, default=Path(".streamlit/secrets.toml"),
                        help="the secrets.toml with the [auth] section (default: .streamlit/secrets.toml)")
    parser.add_argument("--section", default="auth", help="the section to read (default: auth)")
    parser.add_argument("--provider", help="a named provider table of the section ([auth.<name>])")
    parser.add_argument("--app-url", help="the URL the app is served at, with its baseUrlPath "
                                          "(https://apps.example.com/sales): for CORS and the redirect URI")
    args = parser.parse_args(argv)
    try:
        config = _config(args.secrets, args.section, args.provider)
    except ConfigError as error:  # before ValueError, which it is
        out.write(f"FAIL  config        {error}\n{'':<20}fix: correct `{error.key}` in {args.secrets}\n")
        return 2
    except (OSError, ValueError) as error:  # unreadable, or not TOML (the decoder raises ValueError)
        out.write(f"FAIL  config        {args.secrets} cannot be read: {error}\n")
        return 2
    if args.app_url is not None and origin_of(args.app_url) is None:
        out.write(f"FAIL  app_url       {args.app_url} is not an http(s) URL\n")
        return 2
    mode = "confidential" if config.confidential else "public"
    out.write(f"Provider {config.issuer}, client {config.client_id} ({mode} mode)\n")
    findings = diagnose(config, args.app_url)
    report(findings, out)
    failed = [f.check for f in findings if f.status == "FAIL"]
    out.write(f"{len(failed)} check(s) failed: {', '.join(failed)}\n" if failed else "All checks passed.\n")
    return 1 if failed else 0
