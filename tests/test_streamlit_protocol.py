"""The packaged component in a real `streamlit run`, driven by headless Chromium."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from conftest import ROOT, component_frame, component_iframe, streamlit_server

APP = ROOT / "tests" / "apps" / "protocol_app.py"
PRIMARY = "#0a7d34"
TEXT = "#123456"

# In the top page (Streamlit's), record every Streamlit message the component sends, and the
# target origin of each: the component calls `parent.postMessage`, which is this window's. The
# wrapper forwards through a function of the component's own realm, so that the message's
# `source` stays the component's window and Streamlit accepts it.
RECORD_MESSAGES = """
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
    const relay = new frame.contentWindow.Function('post', 'm', 't', 'return post(m, t)');
    return relay(post, message, target);
  };
}
"""


@pytest.fixture(scope="module")
def app_url():
    theme = [f"--theme.base=light", f"--theme.primaryColor={PRIMARY}", f"--theme.textColor={TEXT}"]
    with streamlit_server(APP, *theme) as url:
        yield url


@pytest.fixture
def app(page, app_url):
    page.add_init_script(RECORD_MESSAGES)
    page.goto(app_url)
    expect(page.get_by_text("Protocol test app")).to_be_visible(timeout=30_000)
    return page


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_component_announces_protocol_v1_to_its_own_origin(app, app_url):
    app.wait_for_function("window.__componentMessages.some(m => m.type === 'streamlit:componentReady')")
    messages = app.evaluate("window.__componentMessages")
    ready = [m for m in messages if m["type"] == "streamlit:componentReady"]
    assert ready == [{"isStreamlitMessage": True, "type": "streamlit:componentReady", "apiVersion": 1}]
    targets = app.evaluate("window.__targetOrigins")
    assert targets, "every message names a target origin"
    assert set(targets) == {app_url}, "messages go to Streamlit's origin, never '*'"


def test_render_args_reach_the_component(app):
    frame = component_frame(app)
    # Streamlit adds `key` and `default` to the args it sends.
    args = frame.locator(".sc-args")
    expect(args).to_contain_text('"greeting":"hello from pytest","numbers":[1,2,3]', timeout=30_000)
    received = json.loads(args.inner_text().removeprefix("args "))
    assert received == {"greeting": "hello from pytest", "numbers": [1, 2, 3], "key": "component", "default": None}
    expect(frame.locator(".sc-meta")).to_have_text("light theme · enabled")


def test_a_value_set_by_the_component_reaches_python(app):
    frame = component_frame(app)
    expect(frame.locator(".sc-args")).to_contain_text("hello from pytest", timeout=30_000)
    expect(app.get_by_text("component value: null")).to_be_visible()
    frame.get_by_role("button", name="Send to Python").click()
    args = {"greeting": "hello from pytest", "numbers": [1, 2, 3], "key": "component", "default": None}
    sent = {"args": args, "sent": 1}
    expect(app.get_by_text(f"component value: {json.dumps(sent, sort_keys=True)}")).to_be_visible(timeout=30_000)
    frame.get_by_role("button", name="Send to Python").click()
    expect(app.get_by_text('"sent": 2}')).to_be_visible(timeout=30_000)


def iframe_height(page) -> float:
    return component_iframe(page).evaluate("f => f.getBoundingClientRect().height")


def test_the_frame_height_follows_the_content(app):
    frame = component_frame(app)
    expect(frame.locator(".sc-args")).to_contain_text("hello from pytest", timeout=30_000)
    app.wait_for_function(
        f"document.querySelector('iframe[title=\"streamlit_component.login\"]').getBoundingClientRect().height === 25"
    )
    frame.get_by_role("button", name="Details").click()
    expect(frame.locator("#sc-details")).to_be_visible()
    content = frame.locator("body").evaluate("b => Math.ceil(b.getBoundingClientRect().height)")
    assert content > 25
    app.wait_for_function(
        f"document.querySelector('iframe[title=\"streamlit_component.login\"]').getBoundingClientRect().height === {content}"
    )
    heights = [m["height"] for m in app.evaluate("window.__componentMessages") if m["type"] == "streamlit:setFrameHeight"]
    assert heights[0] == 25 and heights[-1] == content
    frame.get_by_role("button", name="Hide details").click()
    app.wait_for_function(
        f"document.querySelector('iframe[title=\"streamlit_component.login\"]').getBoundingClientRect().height === 25"
    )


def test_the_theme_colours_are_applied(app):
    frame = component_frame(app)
    args = frame.locator(".sc-args")
    expect(args).to_contain_text("hello from pytest", timeout=30_000)
    expect(args).to_have_css("color", rgb(TEXT))
    expect(frame.get_by_role("button", name="Send to Python")).to_have_css("border-top-color", rgb(PRIMARY))
    root_var = frame.locator("html").evaluate("h => h.style.getPropertyValue('--st-primary-color')")
    assert root_var == PRIMARY
