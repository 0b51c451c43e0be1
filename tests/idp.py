"""Starts the local OIDC provider (examples/idp, node oidc-provider) for tests, and drives its
login form over plain HTTP where a test needs tokens without a browser."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import secrets
import signal
import subprocess
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import requests

from conftest import ARTIFACTS, ROOT, free_port, wait_for_http

IDP_DIR = ROOT / "examples" / "idp"
CLIENT_ID = "streamlit-demo"
API_AUDIENCE = "http://localhost:5000/api"


@dataclass(frozen=True)
class Provider:
    issuer: str
    redirect_uris: tuple[str, ...]
    log: Path | None = None
    pid: int | None = None

    def grants(self, grant_type: str) -> int:
        """How many token grants of `grant_type` the provider has made (from its log)."""
        assert self.log is not None
        return self.log.read_text().count(f"grant.success {grant_type}")

    def issued_tokens(self) -> list[str]:
        """The opaque access and refresh token values the provider issued (from its log)."""
        assert self.log is not None
        return re.findall(r"^token\.saved \w+ (\S+)$", self.log.read_text(), re.MULTILINE)

    def rotate_signing_key(self, timeout_s: float = 10) -> str:
        """Has the provider sign with a new key from now on, the old one still published (its
        SIGUSR2); the new key's kid."""
        assert self.log is not None and self.pid is not None
        done = len(re.findall(r"^keys rotated ", self.log.read_text(), re.MULTILINE))
        os.kill(self.pid, signal.SIGUSR2)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            rotated = re.findall(r"^keys rotated (\S+)$", self.log.read_text(), re.MULTILINE)
            if len(rotated) > done:
                return rotated[-1]
            time.sleep(0.05)
        raise AssertionError("the provider did not rotate its key")

    def discovery(self) -> dict:
        return requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5).json()


@contextlib.contextmanager
def running_idp(redirect_uris: list[str], port: int | None = None, coop: str | None = None,
                refresh_nonce: bool = True, end_session: bool = True, auth_methods: str | None = None,
                users: Path | None = None, api_audience: str | None = None, clock_skew_s: int = 0,
                cors: bool = True, **ttls: int) -> Iterator[Provider]:
    """The provider on `port` (default: a free loopback port); `ttls` sets IDP_*_TTL variables
    (seconds); `coop` a Cross-Origin-Opener-Policy header on every page; `refresh_nonce=False`
    leaves the nonce out of ID tokens from a refresh; `end_session=False` leaves out the
    end_session_endpoint; `auth_methods` the token endpoint auth methods discovery lists;
    `users` a users file in the shape of examples/idp/users.json; `api_audience` the API's
    resource indicator (default http://localhost:5000/api); `clock_skew_s` puts the provider's
    Date header that far off; `cors=False` lets no browser origin call the token endpoint."""
    if not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("the provider's packages are missing: run `make idp`")
    port = port or free_port()
    issuer = f"http://localhost:{port}"
    env = dict(os.environ, IDP_PORT=str(port), IDP_ISSUER=issuer, IDP_REDIRECT_URIS=",".join(redirect_uris))
    env.update({f"IDP_{name.upper()}_TTL": str(value) for name, value in ttls.items()})
    if coop:
        env["IDP_COOP"] = coop
    if not refresh_nonce:
        env["IDP_REFRESH_NONCE"] = "omit"
    if not end_session:
        env["IDP_END_SESSION"] = "off"
    if auth_methods:
        env["IDP_AUTH_METHODS"] = auth_methods
    if users is not None:
        env["IDP_USERS"] = str(users)
    if api_audience is not None:
        env["IDP_API_AUDIENCE"] = api_audience
    if clock_skew_s:
        env["IDP_CLOCK_SKEW_S"] = str(clock_skew_s)
    if not cors:
        env["IDP_CORS"] = "off"
    env["IDP_LOG_TOKENS"] = "1"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / f"idp-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(["node", "server.js"], cwd=IDP_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            try:
                wait_for_http(f"{issuer}/.well-known/openid-configuration", 30, process)
            except (TimeoutError, RuntimeError) as error:
                log.flush()
                tail = log_path.read_text(errors="replace")[-2000:]
                raise type(error)(f"{error}\nthe provider's log ({log_path}):\n{tail}") from error
            yield Provider(issuer, tuple(redirect_uris), log_path, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=10)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(redirect_uri: str, challenge: str | None, state: str, nonce: str, scope: str) -> dict:
    params = {
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": redirect_uri, "scope": scope,
        "state": state, "nonce": nonce, "resource": API_AUDIENCE,
    }
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    return params


def follow_until_redirect_uri(http: requests.Session, url: str, redirect_uri: str, method: str = "GET", data: dict | None = None) -> requests.Response | str:
    """Follows redirects by hand; returns the URL once it reaches `redirect_uri`, else the last response."""
    response = http.request(method, url, data=data, allow_redirects=False, timeout=5)
    while response.status_code in (302, 303):
        location = urllib.parse.urljoin(response.url, response.headers["location"])
        if location.startswith(redirect_uri):
            return location
        response = http.get(location, allow_redirects=False, timeout=5)
    return response


def login_code(provider: Provider, username: str, password: str, *, challenge: str, state: str, nonce: str,
               scope: str = "openid profile email read:chart") -> dict[str, str]:
    """Signs in through the provider's form; returns the callback's query parameters."""
    redirect_uri = provider.redirect_uris[0]
    http = requests.Session()
    url = f"{provider.issuer}/auth?" + urllib.parse.urlencode(authorize_params(redirect_uri, challenge, state, nonce, scope))
    form = follow_until_redirect_uri(http, url, redirect_uri)
    assert isinstance(form, requests.Response) and form.status_code == 200, "the login form is shown"
    action = re.search(r'action="([^"]+)"', form.text).group(1)
    result = follow_until_redirect_uri(http, urllib.parse.urljoin(form.url, action), redirect_uri, "POST",
                                       {"username": username, "password": password})
    if isinstance(result, requests.Response):
        return {"_status": str(result.status_code), "_body": result.text}
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(result).query))


def exchange(provider: Provider, code: str, verifier: str) -> requests.Response:
    return requests.post(f"{provider.issuer}/token", timeout=5, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": provider.redirect_uris[0],
        "client_id": CLIENT_ID, "code_verifier": verifier,
    })


def refresh(provider: Provider, refresh_token: str) -> requests.Response:
    return requests.post(f"{provider.issuer}/token", timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": CLIENT_ID,
    })
