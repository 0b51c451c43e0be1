"""The login where users are, in real Streamlit with the real provider and real Chromium: an app
written only from the README with the fewest keys, a provider whose pages isolate themselves
(Cross-Origin-Opener-Policy: same-origin), the app embedded in another site's page, no popup
(the same-tab login), and the app under a `baseUrlPath`."""

from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import quote
from typing import Iterator

import pytest
from playwright.sync_api import Frame, Page, expect

from conftest import ROOT, free_port, streamlit_server
from servers import self_signed_cert, serving
from idp import CLIENT_ID, running_idp
from login_flow import (
    component, expect_logged_in, expect_replay_refused, fill_sign_in_form, log_in_remembered, open_login_popup,
    our_storage, sign_in,
)

STRANGER = ROOT / "tests" / "apps" / "stranger" / "app.py"
COMPONENT_PATH = "/component/streamlit_component.login/index.html"


@contextlib.contextmanager
def stranger_app(tmp_path: Path, *options: str, base_path: str = "", coop: str | None = None,
                 public_url=None, redirect_uri: str | None = None, port: int | None = None,
                 provider_uri: str | None = None) -> Iterator[str]:
    """The stranger's app with an `[auth]` of only the required keys (and `redirect_uri` when
    given), against a fresh provider (with `coop` on its pages) that knows `provider_uri` as
    redirect URI (by default the one the app uses); yields the app's URL.
    `public_url(server_url)`, when given, starts what serves the app to the browser (a proxy)
    and yields the app's URL there."""
    idp_port = free_port()
    issuer = f"http://localhost:{idp_port}"
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
        f'client_id = "{CLIENT_ID}"\n'
        'scope = "openid profile email"\n'
        + (f'redirect_uri = "{redirect_uri}"\n' if redirect_uri else ""))
    extra = [f"--secrets.files={secrets}", *options]
    if base_path:
        extra.append(f"--server.baseUrlPath={base_path}")
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(streamlit_server(STRANGER, *extra, health_path=f"{base_path}/_stcore/health",
                                                     port=port))
        app = f"{url}{base_path}"
        if public_url is not None:
            app = stack.enter_context(public_url(url))
        registered = provider_uri or redirect_uri or app + COMPONENT_PATH
        stack.enter_context(running_idp([registered], port=idp_port, coop=coop))
        yield app


@contextlib.contextmanager
def embedding_site(app_url: str) -> Iterator[str]:
    """A page of another site (`localhost`, while the app is on `127.0.0.1`) that embeds the
    app with `?embed=true`, as a portal or wiki would; yields the page's URL."""
    html = (f'<!doctype html><title>Portal</title><h1>Portal</h1>'
            f'<iframe id="app" src="{app_url}/?embed=true" width="900" height="600"></iframe>').encode()
    with serving(html, "text/html; charset=utf-8", host="localhost") as site:
        yield f"{site}/portal.html"


def embedded_app(page: Page) -> Frame:
    frame = page.wait_for_selector("iframe#app", timeout=30_000).content_frame()
    assert frame is not None
    return frame


def expect_hello(scope: Page | Frame, user: str = "Alice Example") -> None:
    expect(scope.get_by_text(f"Hello {user}")).to_be_visible(timeout=30_000)


# Every page of the context (the popup too) reports writes of relayed answers to the console.
WATCH_RELAYS = """
const set = Storage.prototype.setItem;
Storage.prototype.setItem = function (key, value) {
  if (String(key).includes('|relay|')) console.log('relay written ' + location.pathname);
  return set.call(this, key, value);
};
"""


def test_an_app_with_only_the_required_keys_logs_in(tmp_path, page):
    relays = []
    page.context.add_init_script(WATCH_RELAYS)
    page.context.on("console", lambda m: relays.append(m.text) if "relay written" in m.text else None)
    with stranger_app(tmp_path) as url:
        page.goto(url)
        expect(page.get_by_text("Stranger's app")).to_be_visible(timeout=30_000)
        expect(component(page).locator(".sc-text")).to_have_text("(logged out)", timeout=30_000)
        sign_in(page)
        expect_hello(page)
        expect_logged_in(page)
    assert relays == [], "with its opener at hand, the popup posts the answer: nothing goes through storage"


def test_a_provider_whose_pages_cut_the_popup_off_still_logs_in(tmp_path, page):
    # COOP severs the popup from the iframe: the answer comes back through storage.
    relays = []
    page.context.add_init_script(WATCH_RELAYS)
    with stranger_app(tmp_path, coop="same-origin") as url:
        page.goto(url)
        popup = open_login_popup(page)
        frame = component(page)
        expect(frame.locator(".sc-text")).to_contain_text("waiting for the login window", timeout=10_000)
        expect(frame.get_by_role("button", name="Cancel login")).to_be_visible()
        page.context.on("console", lambda m: relays.append(m.text) if "relay written" in m.text else None)
        fill_sign_in_form(popup)
        expect_hello(page)
        expect_logged_in(page)
        assert not [k for k in our_storage(page) if "|relay|" in k or "|pending|" in k]
    assert relays, "cut off from its opener, the popup relayed the answer through storage"


def test_cancel_ends_a_login_whose_window_is_gone(tmp_path, page):
    with stranger_app(tmp_path, coop="same-origin") as url:
        page.goto(url)
        popup = open_login_popup(page)
        popup.close()
        frame = component(page)
        frame.get_by_role("button", name="Cancel login").click()
        expect(frame.locator(".sc-text")).to_have_text("(logged out)", timeout=10_000)
        expect(frame.get_by_role("button", name="Click to login...")).to_be_visible()


BLOCKED = ("This browser blocks storage for this app inside another site's page: a login here lasts until "
           "the page reloads. Open the app in its own tab to stay logged in.")


def test_the_app_embedded_in_another_site_logs_in_and_out(tmp_path, page):
    # Measured in Debian's Chromium: a frame of another site than the top page gets no storage
    # at all (SecurityError; third-party cookies are blocked), and the Storage Access API is
    # refused. The popup still hands the answer back by postMessage, and the session is kept
    # in the frame's memory: the component says so and links to the app in its own tab.
    with stranger_app(tmp_path) as url, embedding_site(url) as portal:
        page.goto(portal)
        app = embedded_app(page)
        expect(app.get_by_text("Stranger's app")).to_be_visible(timeout=30_000)
        frame = component(app)
        expect(frame.get_by_role("alert")).to_have_text(BLOCKED, timeout=30_000)
        expect(frame.get_by_role("link", name="Open the app in its own tab")).to_have_attribute("href", f"{url}/?embed=true")
        sign_in(app)
        expect_hello(app)
        expect_logged_in(app)
        expect(frame.get_by_role("alert")).to_have_text(BLOCKED)
        frame.get_by_role("button", name="Click to logout...").click()
        expect(frame.locator(".sc-text")).to_have_text("(logged out)", timeout=30_000)
        expect(app.get_by_text("Hello Alice Example")).to_have_count(0, timeout=30_000)
        log_in_remembered(app)
        expect_hello(app)
        page.reload()
        app = embedded_app(page)
        expect(component(app).locator(".sc-text")).to_have_text("(logged out)", timeout=30_000)
        expect(component(app).get_by_role("alert")).to_have_text(BLOCKED)


def test_the_app_embedded_where_third_party_storage_is_allowed_keeps_the_login(tmp_path, browser):
    # A profile that allows third-party cookies (Chrome's default outside incognito): the frame
    # gets its own partitioned storage, so the session survives a reload there.
    import json as _json

    from servers import CHROMIUM_ARGS, chromium_path

    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(
        _json.dumps({"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}))
    with stranger_app(tmp_path) as url, embedding_site(url) as portal:
        context = browser.browser_type.launch_persistent_context(
            str(profile), executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = context.new_page()
            page.goto(portal)
            app = embedded_app(page)
            expect(component(app).locator(".sc-text")).to_have_text("(logged out)", timeout=30_000)
            expect(component(app).get_by_role("alert")).to_have_text("")
            sign_in(app)
            expect_hello(app)
            page.reload()
            app = embedded_app(page)
            expect_hello(app)
            expect_logged_in(app)
            component(app).get_by_role("button", name="Click to logout...").click()
            expect(component(app).locator(".sc-text")).to_have_text("(logged out)", timeout=30_000)
            page.reload()
            expect(component(embedded_app(page)).locator(".sc-text")).to_have_text("(logged out)", timeout=30_000)
        finally:
            context.close()


def test_embedded_with_a_provider_that_cuts_the_popup_off_points_to_the_app_in_its_own_tab(tmp_path, page):
    with stranger_app(tmp_path, coop="same-origin") as url, embedding_site(url) as portal:
        page.goto(portal)
        app = embedded_app(page)
        popup = open_login_popup(app)
        frame = component(app)
        expect(frame.get_by_role("alert")).to_contain_text("Open the app in its own tab to log in", timeout=10_000)
        link = frame.get_by_role("link", name="Open the app in its own tab")
        expect(link).to_have_attribute("href", f"{url}/?embed=true")
        fill_sign_in_form(popup)
        expect(popup.locator("body")).to_contain_text("Login failed: the app did not take this answer", timeout=30_000)
        expect(popup.get_by_role("link", name="Open the app in its own tab")).to_have_attribute("href", f"{url}/")
        # In its own tab, the login works: the provider remembers the user, so its popup comes
        # straight back.
        own = page.context.new_page()
        own.goto(url)
        log_in_remembered(own)
        expect_hello(own)


def test_embedded_with_popups_blocked_the_app_points_to_its_own_tab(tmp_path, page):
    with stranger_app(tmp_path) as url, embedding_site(url) as portal:
        page.goto(portal)
        frame = component(embedded_app(page))
        expect(frame.get_by_role("button", name="Click to login...")).to_be_enabled(timeout=30_000)
        # What the component tells Streamlit, read on its way to the app's page.
        frame.evaluate("""() => {
            window.sent = [];
            const app = window.parent, post = app.postMessage.bind(app);
            app.postMessage = (message, ...rest) => { window.sent.push(message); return post(message, ...rest); };
        }""")
        click_login_with_popups_blocked(frame)
        expect(frame.get_by_role("alert")).to_have_text(
            "The login popup was blocked: allow popups for this site and click again, or open the app in its own tab.")
        expect(frame.get_by_role("link", name="Open the app in its own tab")).to_be_visible()
        sent = frame.evaluate("() => window.sent.filter((m) => m.type === 'streamlit:setComponentValue').map((m) => m.value)")
        errors = [event["data"]["code"] for event in sent if event["name"] == "onError"]
        assert errors == ["popup_blocked"], sent
        frame.get_by_text("Why, and how to fix it").click()
        expect(frame.locator("details.sc-why")).to_contain_text("Allow pop-ups for this site")
        assert page.url == portal, "the portal page stays where it is"


def click_login_with_popups_blocked(frame: Frame) -> None:
    """Clicks login in the component's frame after making `window.open` fail, as a blocker does."""
    expect(frame.get_by_role("button", name="Click to login...")).to_be_enabled(timeout=30_000)
    frame.evaluate("() => { window.open = () => null; }")
    frame.get_by_role("button", name="Click to login...").click()


def log_in_in_this_tab(page: Page) -> None:
    """With popups blocked, the login runs in the app's tab: sign in there and come back."""
    click_login_with_popups_blocked(component(page))
    fill_sign_in_form(page)
    expect_hello(page)


def test_with_popups_blocked_the_login_runs_in_the_tab_and_returns_to_the_same_page(tmp_path, page):
    with stranger_app(tmp_path) as url:
        page.goto(f"{url}/?tab=settings&lang=fr")
        log_in_in_this_tab(page)
        expect(page.get_by_text("query: {'tab': 'settings', 'lang': 'fr'}")).to_be_visible()
        assert page.url == f"{url}/?tab=settings&lang=fr"
        assert not [k for k in our_storage(page) if "|pending|" in k]


def test_the_same_tab_login_works_in_a_tab_that_another_page_opened(tmp_path, page):
    # The app's tab has an opener of its own (the page that opened it): the callback page must
    # finish the same-tab login, not hand the answer to that opener.
    with stranger_app(tmp_path) as url, embedding_site(url) as portal:
        page.goto(portal)
        with page.expect_popup() as opened:
            page.evaluate("(u) => { window.open(u); }", f"{url}/?from=portal")
        app = opened.value
        assert app.evaluate("() => window.opener !== null")
        log_in_in_this_tab(app)
        assert app.url == f"{url}/?from=portal"


def test_the_app_under_a_base_url_path_logs_in(tmp_path, page):
    with stranger_app(tmp_path, base_path="/apps/demo") as url:
        assert url.endswith("/apps/demo")
        page.goto(url + "/")
        sign_in(page)
        expect_hello(page)


@pytest.mark.parametrize("coop", [None, "same-origin"])
def test_a_replayed_answer_is_refused(tmp_path, page, coop):
    with stranger_app(tmp_path, coop=coop) as url:
        page.goto(url)
        answers = []
        page.context.on("request", lambda r: answers.append(r.url) if "code=" in r.url else None)
        sign_in_or_relay(page)
        expect_hello(page)
        assert answers, "the provider sent the popup back with a code"
        expect_replay_refused(page, answers[0])


def sign_in_or_relay(page: Page) -> None:
    """Signs in through the popup, which closes itself (or says it is done when it cannot)."""
    popup = open_login_popup(page)
    fill_sign_in_form(popup)
    expect_hello(page)


@contextlib.contextmanager
def tls_proxy(tmp_path: Path, path: str, upstream: str) -> Iterator[str]:
    """nginx (Debian's) on a free port with a self-signed certificate made here, passing
    `https://localhost:<port><path>/` to `upstream` (WebSocket included); yields the public
    URL of `path`."""
    import shutil
    import subprocess

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    cert, key = self_signed_cert(tmp_path)
    port = free_port()
    temp = tmp_path / "nginx"
    temp.mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
daemon off;
pid {temp}/nginx.pid;
error_log {temp}/error.log;
events {{}}
http {{
  access_log {temp}/access.log;
  client_body_temp_path {temp}/body;
  proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi;
  scgi_temp_path {temp}/scgi;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  server {{
    listen 127.0.0.1:{port} ssl;
    server_name localhost;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    location {path}/ {{
      proxy_pass {upstream}{path}/;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_read_timeout 3600s;
    }}
  }}
}}
""")
    process = subprocess.Popen([nginx, "-c", str(conf), "-p", str(temp)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        import socket
        import time

        deadline = time.monotonic() + 15
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else "nginx exited"
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            assert time.monotonic() < deadline, "nginx did not listen"
            time.sleep(0.1)
        yield f"https://localhost:{port}{path}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def tls_page(browser):
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1000, "height": 800})
    yield context.new_page()
    context.close()


def test_the_app_behind_a_tls_proxy_at_a_path_logs_in(tmp_path, tls_page):
    proxy = lambda server: tls_proxy(tmp_path, "/apps/demo", server)  # noqa: E731
    with stranger_app(tmp_path, base_path="/apps/demo", public_url=proxy) as url:
        assert url.startswith("https://localhost:") and url.endswith("/apps/demo")
        tls_page.goto(url + "/")
        sign_in(tls_page)
        expect_hello(tls_page)


def test_a_redirect_uri_the_provider_refuses_is_named_on_cancel(tmp_path, page):
    # The provider knows another URI: it refuses the request on its own page, which the
    # component cannot read; cancelling names the exact URI to register.
    port = free_port()
    registered = f"http://127.0.0.1:{port}{COMPONENT_PATH}?registered=elsewhere"
    with stranger_app(tmp_path, port=port, provider_uri=registered) as url:
        page.goto(url)
        frame = component(page)
        with page.expect_popup() as popup_info:
            frame.get_by_role("button", name="Click to login...").click()
        expect(popup_info.value.locator("body")).to_contain_text("redirect_uri", timeout=30_000)
        frame.get_by_role("button", name="Cancel login").click()
        expect(frame.get_by_role("alert")).to_have_text(
            "Login cancelled. If the sign-in page refused this app's address, register this redirect URI at the "
            f"provider: {url}{COMPONENT_PATH}")


def test_a_configured_redirect_uri_overrides_the_derived_one(tmp_path, page):
    # The provider knows only the configured URI (the component's page with a query of its
    # own): the login works only if the component sends exactly that one.
    port = free_port()
    configured = f"http://127.0.0.1:{port}{COMPONENT_PATH}?from=config"
    with stranger_app(tmp_path, redirect_uri=configured, port=port) as url:
        assert url == f"http://127.0.0.1:{port}"
        requests_seen = []
        page.context.on("request", lambda r: requests_seen.append(r.url) if "/auth?" in r.url else None)
        page.goto(url)
        sign_in(page)
        expect_hello(page)
        assert any("redirect_uri=" + quote(configured, safe="") in u for u in requests_seen), requests_seen
