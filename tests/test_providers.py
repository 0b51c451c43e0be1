"""The core flows against every provider implementation of the matrix, in real Streamlit (the
Python host verifying every login) and real Chromium:

- `oidc-provider`: node oidc-provider, this project's local provider (examples/idp);
- `oidc-provider-coop`: the same with `Cross-Origin-Opener-Policy: same-origin` on every page,
  as large hosted providers send: the popup loses its opener;
- `oidc-provider-no-refresh-nonce`: the same whose refreshed ID tokens carry no `nonce`;
- `django-oauth-toolkit`: Django OAuth Toolkit (Python), configured as its documentation says,
  Django's defaults on (COOP same-origin included); its refreshed ID tokens carry no nonce;
- `pyop`: IdentityPython's provider library (SATOSA's) served by Flask; refreshes bring no new
  ID token.

Flows: login, reload, second tab, logout followed by every tab; refresh over two token
lifetimes with Python keeping the login; logout that ends the provider's session."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from conftest import ARTIFACTS, ROOT, free_port, streamlit_server, wait_for_http
from servers import self_signed_cert
from idp import CLIENT_ID, running_idp
from login_flow import component, expect_logged_out, fill_sign_in_form, open_login_popup, our_storage

APP = ROOT / "tests" / "apps" / "host_app.py"
DOT = ROOT / "tests" / "providers" / "dot_idp.py"
COMPONENT_PATH = "/component/streamlit_component.login/index.html"
PROVIDERS = ["oidc-provider", "oidc-provider-coop", "oidc-provider-no-refresh-nonce", "django-oauth-toolkit", "pyop"]
PYOP = ROOT / "tests" / "providers" / "pyop_idp.py"


@contextlib.contextmanager
def django_oauth_toolkit(port: int, redirect_uri: str, origin: str, tmp_path, ttl_s: int | None) -> Iterator[str]:
    """Django OAuth Toolkit on `port` with the public client registered for `redirect_uri`;
    yields its issuer."""
    env = dict(os.environ, DOT_PORT=str(port), DOT_REDIRECT_URIS=redirect_uri, DOT_ORIGINS=origin,
               DOT_DB=str(tmp_path / "dot.sqlite3"))
    if ttl_s:
        env.update(DOT_ACCESS_TOKEN_TTL=str(ttl_s), DOT_ID_TOKEN_TTL=str(ttl_s))
    issuer = f"http://localhost:{port}/o"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with open(ARTIFACTS / f"dot-{port}.log", "wb") as log:
        process = subprocess.Popen([sys.executable, str(DOT)], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_http(f"{issuer}/.well-known/openid-configuration", 60, process)
            yield issuer
        finally:
            process.terminate()
            process.wait(timeout=10)


@contextlib.contextmanager
def pyop_provider(port: int, redirect_uri: str, origin: str, ttl_s: int | None, cert) -> Iterator[str]:
    """pyop on `port` over TLS (`cert`: certificate and key) with the public client registered
    for `redirect_uri`; yields its issuer. With `ttl_s`, access tokens last that long (ID tokens
    an hour: refreshes bring none)."""
    env = dict(os.environ, PYOP_PORT=str(port), PYOP_REDIRECT_URIS=redirect_uri, PYOP_ORIGINS=origin,
               PYOP_CERT=str(cert[0]), PYOP_KEY=str(cert[1]))
    if ttl_s:
        env["PYOP_ACCESS_TOKEN_TTL"] = str(ttl_s)
    issuer = f"https://localhost:{port}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with open(ARTIFACTS / f"pyop-{port}.log", "wb") as log:
        process = subprocess.Popen([sys.executable, str(PYOP)], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:  # over TLS with a certificate only the tests trust
                assert process.poll() is None, f"pyop exited with {process.returncode}"
                with contextlib.suppress(OSError):
                    import ssl
                    import urllib.request

                    context = ssl.create_default_context(cafile=str(cert[0]))
                    with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", context=context,
                                                timeout=2):
                        break
                assert time.monotonic() < deadline, "pyop did not answer"
                time.sleep(0.2)
            yield issuer
        finally:
            process.terminate()
            process.wait(timeout=10)


@contextlib.contextmanager
def app_with(kind: str, tmp_path, ttl_s: int | None = None, **config) -> Iterator[str]:
    """The host test app against a fresh provider of `kind`; yields the app's URL."""
    port = free_port()
    scheme = "https" if kind == "pyop" else "http"
    issuer = f"{scheme}://localhost:{port}" + ("/o" if kind == "django-oauth-toolkit" else "")
    host_config = {"issuer": issuer, "client_id": CLIENT_ID, "hostname": kind, "scope": "openid profile email",
                   **config}
    cert = self_signed_cert(tmp_path)
    # Python trusts the provider's test certificate (the browser context ignores it).
    env = dict(os.environ, HOST_CONFIG=json.dumps(host_config), REQUESTS_CA_BUNDLE=str(cert[0]))
    with streamlit_server(APP, env=env) as url:
        redirect = url + COMPONENT_PATH
        if kind == "django-oauth-toolkit":
            provider = django_oauth_toolkit(port, redirect, url, tmp_path, ttl_s)
        elif kind == "pyop":
            provider = pyop_provider(port, redirect, url, ttl_s, cert)
        else:
            ttls = {"access_token": ttl_s, "id_token": ttl_s} if ttl_s else {}
            provider = running_idp([redirect], port=port, coop="same-origin" if kind.endswith("coop") else None,
                                   refresh_nonce=not kind.endswith("no-refresh-nonce"), **ttls)
        with provider:
            yield url


@pytest.fixture
def page(browser):
    """A page whose context accepts the test certificate of the TLS provider."""
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1000, "height": 800})
    yield context.new_page()
    context.close()


def open_app(page: Page, url: str) -> Page:
    page.goto(url)
    expect(page.get_by_text("Host test app")).to_be_visible(timeout=30_000)
    return page


def verified(page: Page, user: str = "Alice Example", timeout: int = 30_000) -> None:
    expect(page.get_by_text(f"verified: {user} <")).to_be_visible(timeout=timeout)


def nobody(page: Page, timeout: int = 30_000) -> None:
    expect(page.get_by_text("verified: nobody")).to_be_visible(timeout=timeout)


def log_in(page: Page, user: str = "alice") -> None:
    popup = open_login_popup(page)
    fill_sign_in_form(popup, user, f"{user}-password")
    verified(page, "Alice Example" if user == "alice" else "Bob Example")


def token_tail(page: Page) -> str:
    return page.get_by_text(re.compile("^token ends ")).inner_text()


@pytest.mark.parametrize("kind", PROVIDERS)
def test_login_reload_second_tab_and_logout(kind, tmp_path, page):
    with app_with(kind, tmp_path) as url:
        open_app(page, url)
        nobody(page)
        log_in(page)
        page.reload()
        verified(page)
        other = open_app(page.context.new_page(), url)
        verified(other)
        component(other).get_by_role("button", name="Click to logout...").click()
        nobody(other)
        nobody(page)
        expect_logged_out(page, kind)
        assert our_storage(page) == {}


@pytest.mark.parametrize("kind", PROVIDERS)
def test_three_refreshes_keep_the_login_in_python(kind, tmp_path, page):
    # 10-second tokens, refreshed one heartbeat before they end: three lifetimes take ~30 s.
    # Each refreshed session is verified again in Python, binding proof included.
    with app_with(kind, tmp_path, ttl_s=10, heartbeat_s=1) as url:
        open_app(page, url)
        log_in(page)
        tails = [token_tail(page)]
        deadline = time.monotonic() + 90
        while len(tails) < 4 and time.monotonic() < deadline:
            page.wait_for_timeout(500)
            verified(page, timeout=1_000)  # Python never lets go of the login meanwhile
            with contextlib.suppress(Exception):
                tail = token_tail(page)
                if tail != tails[-1]:
                    tails.append(tail)
        assert len(tails) == 4, f"three refreshes within 90 s: {tails}"
        events = page.get_by_text(re.compile("^events: ")).inner_text()
        assert "onError" not in events, events


@pytest.mark.parametrize(("kind", "method"), [(kind, "get") for kind in PROVIDERS] + [("pyop", "post")])
def test_logout_ends_the_provider_session(kind, method, tmp_path, page):
    sent: list = []
    page.context.on("request", lambda request: sent.append(request))
    with app_with(kind, tmp_path, end_session=True, end_session_method=method) as url:
        open_app(page, url)
        log_in(page)
        with page.expect_popup() as logout_info:
            component(page).get_by_role("button", name="Click to logout...").click()
        logout = logout_info.value
        nobody(page)
        if kind == "django-oauth-toolkit":
            # Without id_token_hint Django OAuth Toolkit asks the user to confirm.
            logout.get_by_role("button", name="Logout").click()
        # The provider's end-session page sends the popup back to the component, which closes
        # it (or says it is done where the provider cut it off).
        with contextlib.suppress(Exception):
            expect(logout.locator("body")).to_contain_text("Logged out", timeout=15_000)
        # Logging in again asks for the password: the provider's session is gone.
        popup = open_login_popup(page)
        expect(popup.get_by_label("Password")).to_be_visible()
        fill_sign_in_form(popup, "bob", "bob-password")
        verified(page, "Bob Example")
    # No ID token (no JWT at all) in any URL the browser loaded; with POST the hint went in
    # the form's body.
    assert not [r.url for r in sent if "eyJ" in r.url]
    ends = [r for r in sent if "end_session" in r.url or "session/end" in r.url or "/logout" in r.url]
    assert ends and ends[0].method == method.upper(), [(r.method, r.url) for r in ends]
    assert ("id_token_hint=eyJ" in (ends[0].post_data or "")) == (method == "post")
