"""Standalone mode: the development build opened directly shows the dev host page, which plays
Streamlit's part for the component in its iframe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import component_frame, send_render


@pytest.fixture
def host(page, devhost_url):
    page.goto(devhost_url + "/index.html")
    expect(page.get_by_role("heading", name="streamlit_component · dev host")).to_be_visible(timeout=30_000)
    return page


def test_the_handshake_is_logged_with_timestamps(host):
    log = host.locator("#dh-log")
    ready = '← {"isStreamlitMessage":true,"type":"streamlit:componentReady","apiVersion":1}'
    expect(log).to_contain_text(ready, timeout=30_000)
    expect(log).to_contain_text('→ {"type":"streamlit:render","args":{"issuer":"http://localhost:9400","client_id":"streamlit-demo"')
    first = host.locator("#dh-log li").first
    expect(first.locator("time")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d\.\d{3}$"))


def test_edited_args_reach_the_component(host):
    frame = component_frame(host)
    expect(frame.locator(".sc-text")).to_have_text("dev host (logged out)", timeout=30_000)
    send_render(host, '{"issuer": "http://localhost:9400", "client_id": "x", "hostname": "edited"}')
    expect(frame.locator(".sc-text")).to_have_text("edited (logged out)")
    send_render(host, '{"client_id": "x"}')
    expect(frame.locator(".sc-text")).to_have_text("Login unavailable: login config has no issuer")
    expect(frame.get_by_role("alert")).to_have_text("login config has no issuer")
    expect(host.locator("#dh-value")).to_contain_text('"code":"invalid_config"')


def test_invalid_args_are_refused_with_a_message(host):
    frame = component_frame(host)
    expect(frame.locator(".sc-text")).to_have_text("dev host (logged out)", timeout=30_000)
    send_render(host, '{"broken": ')
    expect(host.get_by_role("alert")).to_have_text("args are not valid JSON: EOF while parsing a value at line 1 column 11")
    send_render(host, "[1]")
    expect(host.get_by_role("alert")).to_have_text("args must be a JSON object")
    expect(frame.locator(".sc-text")).to_have_text("dev host (logged out)")


def test_theme_and_disabled_switches_reach_the_component(host):
    frame = component_frame(host)
    login = frame.get_by_role("button", name="Click to login...")
    expect(login).to_be_enabled(timeout=30_000)
    host.get_by_label("Dark theme").check()
    expect(frame.locator(".sc-text")).to_have_css("color", "rgb(250, 250, 250)")
    host.get_by_label("Disabled").check()
    expect(login).to_be_disabled()
    host.get_by_label("Disabled").uncheck()
    expect(login).to_be_enabled()


def test_values_and_frame_height_reach_the_host(host):
    expect(host.locator("#dh-height")).to_have_text("25", timeout=30_000)
    expect(host.locator("#dh-value")).to_contain_text('"name":"onStatusUpdate","data":{"status":"Logged out"')
    assert host.locator("iframe").evaluate("f => f.getBoundingClientRect().height") == 25
