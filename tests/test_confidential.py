"""Confidential mode in a real browser, real Streamlit, the local provider with two confidential
clients: one like Google (client_secret_post, no end_session_endpoint, opaque access tokens,
refresh tokens not rotated) and one like Auth0 or Entra ID (client_secret_basic, JWT access
tokens for the API, rotated refresh tokens). The app reads an `[auth]` section in the shape of
Streamlit's st.login documentation, unedited."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import time
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from api_kit import api_server
from conftest import ARTIFACTS, ROOT, free_port, streamlit_server
from idp import running_idp
from login_flow import KEY_PREFIX, component, fill_sign_in_form, open_login_popup, our_storage, sign_in

APP = ROOT / "tests" / "apps" / "confidential" / "app.py"
COMPONENT_PATH = "/component/streamlit_component.login/index.html"
COOKIE_SECRET = "a-cookie-secret-as-st-login-wants-it-0123456789"

# (client id, secret, what discovery lists, end_session, refresh tokens rotated)
GOOGLE_LIKE = ("confidential-post", "post-secret", "none,client_secret_post", False)
ENTRA_LIKE = ("confidential-basic", "basic-secret", "none,client_secret_basic,client_secret_post", True)


def st_login_secrets(path: Path, issuer: str, client_id: str, secret: str, *, cookie_secret: str = COOKIE_SECRET,
                     named: str | None = None, api_origin: str | None = None) -> None:
    """An `[auth]` section as Streamlit's st.login documentation writes it (a named provider
    table with `named`); `api_origin`, this component's own key, only for delegated requests."""
    provider = (f'client_id = "{client_id}"\nclient_secret = "{secret}"\n'
                f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n')
    shared = ('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n'
              f'cookie_secret = "{cookie_secret}"\nexpose_tokens = ["id", "access"]\n'
              + (f'api_origins = ["{api_origin}"]\n' if api_origin else ""))
    if named:
        path.write_text(shared + f"\n[auth.{named}]\n" + provider + f"\n[auth.{named}.client_kwargs]\n"
                        'scope = "openid profile email"\nprompt = "login"\n')
    else:
        path.write_text(shared + provider + '\n[auth.client_kwargs]\nscope = "openid profile email"\n')


@contextlib.contextmanager
def confidential_app(tmp_path: Path, like: tuple, *, register: bool = True, named: str | None = None,
                     cookie_secret: str = COOKIE_SECRET, api_url: str = "", ports: tuple[int, int] | None = None,
                     **ttls: int) -> Iterator[tuple]:
    client_id, secret, methods, end_session = like
    idp_port, port = ports or (free_port(), free_port())
    issuer = f"http://localhost:{idp_port}"
    app = f"http://127.0.0.1:{port}"
    secrets = tmp_path / f"secrets-{port}.toml"
    api_url = api_url or f"{issuer}/me"  # the provider's userinfo endpoint takes opaque tokens
    api_origin = "/".join(api_url.split("/")[:3])
    st_login_secrets(secrets, issuer, client_id, secret, cookie_secret=cookie_secret, named=named,
                     api_origin=api_origin)
    env = dict(os.environ, API_URL=api_url, AUTH_PROVIDER=named or "")
    registered = [app + COMPONENT_PATH] if register else ["http://localhost:1/elsewhere"]
    with running_idp(registered, port=idp_port, end_session=end_session, auth_methods=methods, **ttls) as idp, \
            streamlit_server(APP, f"--secrets.files={secrets}", port=port, env=env) as url:
        yield url, idp, secrets


def verified(page: Page, user: str = "Alice Example", timeout: int = 30_000) -> None:
    expect(page.get_by_text(f"verified: {user}")).to_be_visible(timeout=timeout)


def events(page: Page) -> str:
    return page.get_by_text(re.compile("^events: ")).inner_text()


def token_mark(page: Page) -> str:
    return page.get_by_text(re.compile("^access token #")).inner_text()


def record_messages(page: Page) -> None:
    """Records every message between Streamlit and the component's frame (render args one way,
    component values the other), as the frame sees them."""
    component(page).evaluate("""() => { window.__seen = [];
        window.addEventListener('message', e => window.__seen.push(JSON.stringify(e.data)));
        const post = window.parent.postMessage.bind(window.parent);
        window.parent.postMessage = (m, o) => { window.__seen.push(JSON.stringify(m)); return post(m, o); }; }""")


def everything_the_browser_holds(page: Page) -> str:
    frame = component(page)
    stores = frame.evaluate("() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    return "\n".join([stores, frame.evaluate("JSON.stringify(window.__seen || [])"),
                      page.locator("body").inner_text(), frame.locator("body").inner_text()])


@pytest.mark.parametrize("like", [GOOGLE_LIKE, ENTRA_LIKE], ids=["google-like", "entra-like"])
def test_login_reload_second_tab_refresh_request_and_logout(like, tmp_path, page):
    rotated = like is ENTRA_LIKE
    with contextlib.ExitStack() as stack:
        api_url = ""
        if rotated:  # JWT access tokens for the demo API
            origin, _ = stack.enter_context(api_server())
            api_url = f"{origin}/api/x"
        url, idp, _ = stack.enter_context(confidential_app(tmp_path, like, api_url=api_url, access_token=10,
                                                           id_token=10))
        page.goto(url)
        expect(page.get_by_text("Confidential app")).to_be_visible(timeout=30_000)
        record_messages(page)
        sign_in(page)
        verified(page)
        assert idp.grants("authorization_code") == 1
        # The component holds a sealed session, and nothing else of the login.
        stored = [json.loads(v) for k, v in our_storage(page).items() if k.startswith(KEY_PREFIX + "session|")]
        assert len(stored) == 1 and stored[0]["sealed"].startswith("sc1.")
        assert "value" not in stored[0]["token"] and "refresh_token" not in stored[0]

        # A delegated request with the server-held access token.
        page.get_by_role("button", name="Call the API").click()
        expect(page.get_by_text(re.compile(r"^api: 200"))).to_be_visible(timeout=15_000)

        # Two refreshes (10-second tokens): Python refreshes, the login stays verified.
        marks = [token_mark(page)]
        deadline = time.monotonic() + 60
        while len(marks) < 3 and time.monotonic() < deadline:
            page.wait_for_timeout(500)
            verified(page, timeout=5_000)
            mark = token_mark(page)
            if mark != marks[-1]:
                marks.append(mark)
        assert len(marks) == 3, f"two refreshes: {marks}"
        assert idp.grants("refresh_token") >= 2
        assert "onError" not in events(page), events(page)

        # Reload and a second tab: the sealed session opens with the browser key, no popup.
        grants = idp.grants("authorization_code")
        page.reload()
        verified(page)
        other = page.context.new_page()
        other.goto(url)
        verified(other)
        assert idp.grants("authorization_code") == grants, "no new login"

        # Nothing secret ever reached the browser.
        record_messages(other)
        other.wait_for_timeout(1_500)
        seen = everything_the_browser_holds(page) + everything_the_browser_holds(other)
        assert like[1] not in seen and COOKIE_SECRET not in seen
        assert not re.search(r"eyJ[\w-]+\.eyJ[\w-]+\.", seen), "no JWT (access or ID token) in the browser"
        opaque = idp.issued_tokens()
        assert opaque, "the provider logged the opaque tokens it issued"
        assert not [t for t in opaque if t in seen], "no opaque access or refresh token in the browser"

        # Logout in the second tab: both tabs and both Python sessions, the refresh token revoked.
        with contextlib.suppress(Exception):
            with other.expect_popup(timeout=3_000):
                component(other).get_by_role("button", name="Click to logout...").click()
        if component(other).get_by_role("button", name="Click to logout...").is_visible():
            component(other).get_by_role("button", name="Click to logout...").click()
        expect(component(page).get_by_role("button", name="Click to login...")).to_be_visible(timeout=15_000)
        expect(component(other).get_by_role("button", name="Click to login...")).to_be_visible(timeout=15_000)
        assert our_storage(page) == {}
        deadline = time.monotonic() + 10
        while "grant.revoked" not in idp.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "grant.revoked" in idp.log.read_text(), "logout revoked the refresh token"

    logs = (ARTIFACTS / f"streamlit-app-{url.rsplit(':', 1)[1]}.log").read_text(errors="replace")
    assert like[1] not in logs and COOKIE_SECRET not in logs
    assert not [t for t in idp.issued_tokens() if t in logs] and "eyJ" not in logs, "no token in the app's log"


def sealed_entry(page: Page) -> tuple[str, dict]:
    (key, value), = [(k, v) for k, v in our_storage(page).items() if k.startswith(KEY_PREFIX + "session|")]
    return key, json.loads(value)


def put(page: Page, key: str, value: dict) -> None:
    component(page).evaluate("([k, v]) => localStorage.setItem(k, v)", [key, json.dumps(value)])


def storage_emptied(page: Page, timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while our_storage(page) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert our_storage(page) == {}


def test_a_sealed_session_tampered_with_or_copied_elsewhere_is_refused(tmp_path, page, browser):
    with confidential_app(tmp_path, ENTRA_LIKE) as (url, idp, _):
        page.goto(url)
        sign_in(page)
        verified(page)
        key, stored = sealed_entry(page)

        # Copied into another browser (without the key): the component cannot prove it.
        context = browser.new_context()
        try:
            thief = context.new_page()
            thief.goto(url)
            expect(thief.get_by_text("Confidential app")).to_be_visible(timeout=30_000)
            put(thief, key, stored)
            storage_emptied(thief)
            expect(component(thief).locator(".sc-error")).to_contain_text("key is not in this browser")
            expect(component(thief).locator(".sc-text")).to_contain_text("(logged out)")
        finally:
            context.close()

        # One character changed: Python cannot open it, names why, and the session goes.
        sealed = stored["sealed"]
        flipped = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
        other = page.context.new_page()
        other.goto(url)
        verified(other)
        put(other, key, {**stored, "sealed": flipped})
        storage_emptied(page)
        expect(component(page).locator(".sc-error")).to_contain_text("changed", timeout=15_000)
        expect(component(page).locator(".sc-text")).to_contain_text("(logged out)")
        expect(page.get_by_text("verified: Alice Example")).not_to_be_visible()


def test_a_server_restart_keeps_the_login_and_another_cookie_secret_refuses_it(tmp_path, page):
    ports = (free_port(), free_port())
    with confidential_app(tmp_path, GOOGLE_LIKE, ports=ports) as (url, _, _):
        page.goto(url)
        sign_in(page)
        verified(page)
    # The same browser, the app (and the provider) started again with the same secrets: the
    # sealed session opens with the browser's key in the new server process, no new login.
    with confidential_app(tmp_path, GOOGLE_LIKE, ports=ports) as (url, _, _):
        page.goto(url)
        verified(page)
    # Started again with another cookie_secret: the sealed session cannot be opened.
    with confidential_app(tmp_path, GOOGLE_LIKE, ports=ports, cookie_secret="another-secret-entirely-0123") as (url, _, _):
        page.goto(url)
        expect(page.get_by_text("Confidential app")).to_be_visible(timeout=30_000)
        storage_emptied(page, 30)
        expect(component(page).locator(".sc-error")).to_contain_text("cookie_secret")
        expect(component(page).locator(".sc-text")).to_contain_text("(logged out)")


def test_an_unregistered_redirect_uri_is_named(tmp_path, page):
    with confidential_app(tmp_path, GOOGLE_LIKE, register=False) as (url, _, _):
        page.goto(url)
        expect(page.get_by_text("Confidential app")).to_be_visible(timeout=30_000)
        with page.expect_popup() as popup_info:
            component(page).get_by_role("button", name="Click to login...").click()
        expect(popup_info.value.locator("body")).to_contain_text("redirect_uri", timeout=15_000)
        component(page).get_by_role("button", name="Cancel login").click()
        expect(component(page).locator("body")).to_contain_text(url + COMPONENT_PATH)


def test_a_named_provider_is_picked_as_st_login_picks_it(tmp_path, page):
    with confidential_app(tmp_path, ENTRA_LIKE, named="entra") as (url, _, _):
        page.goto(url)
        popup = open_login_popup(page)
        expect(popup.get_by_label("Password")).to_be_visible(timeout=15_000)
        with popup.expect_event("close", timeout=30_000):
            fill_sign_in_form(popup, "bob", "bob-password")
        verified(page, "Bob Example")
