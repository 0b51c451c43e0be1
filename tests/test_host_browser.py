"""The Python host in a real Streamlit with the real provider and a real browser: only verified
logins reach st.session_state, a tampered token is refused, and Python's logout command logs
the browser out."""

from __future__ import annotations

import json
import os
import re

import pytest
from playwright.sync_api import expect

from conftest import ROOT, free_port, streamlit_server
from idp import API_AUDIENCE, CLIENT_ID, running_idp
from login_flow import KEY_PREFIX, component, expect_logged_in, expect_logged_out, our_storage, sign_in

APP = ROOT / "tests" / "apps" / "host_app.py"
COMPONENT_PATH = "/component/streamlit_component.login/index.html"


@pytest.fixture(scope="module")
def app_url():
    idp_port = free_port()
    issuer = f"http://localhost:{idp_port}"
    config = {
        "server_metadata_url": f"{issuer}/.well-known/openid-configuration",
        "client_id": CLIENT_ID, "audience": API_AUDIENCE, "hostname": "host test",
        "scope": "openid profile email read:chart",
    }
    env = dict(os.environ, HOST_CONFIG=json.dumps(config))
    with streamlit_server(APP, env=env) as url:
        with running_idp([url + COMPONENT_PATH], port=idp_port):
            yield url


@pytest.fixture
def app(page, app_url):
    page.goto(app_url)
    expect(page.get_by_text("Host test app")).to_be_visible(timeout=30_000)
    expect_logged_out(page, "host test", timeout=30_000)
    return page


def test_a_login_is_verified_before_it_reaches_session_state(app):
    expect(app.get_by_text("verified: nobody")).to_be_visible()
    sign_in(app, "bob", "bob-password")
    expect(app.get_by_text("verified: Bob Example <bob@example.com> scopes read:chart")).to_be_visible(timeout=30_000)
    expect(app.get_by_text("onStatusUpdate Logged in")).to_be_visible()


def test_a_token_tampered_in_storage_is_refused(app):
    sign_in(app)
    expect(app.get_by_text("verified: Alice Example")).to_be_visible(timeout=30_000)
    (key, value), = [(k, v) for k, v in our_storage(app).items() if k.startswith(KEY_PREFIX + "session|")]
    session = json.loads(value)
    header, payload, signature = session["token"]["value_id_token"].split(".")
    # Another user's name in the claims, the signature left as it was.
    import base64
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["name"] = "Mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    session["user"] = "Mallory"
    session["token"]["value_id_token"] = f"{header}.{forged}.{signature}"
    component(app).evaluate("([k, v]) => localStorage.setItem(k, v)", [key, json.dumps(session)])
    expect(app.get_by_text("verified: nobody")).to_be_visible(timeout=30_000)
    expect(app.get_by_text("onError invalid_signature")).to_be_visible()
    # The component shows a name only once Python accepted the login: never the forged one.
    expect(component(app).locator(".sc-text")).to_have_text("(logged in; the app has not verified the login yet)")
    assert "Mallory" not in app.locator("body").inner_text()
    assert "Mallory" not in component(app).locator("body").inner_text()


def test_the_logout_command_from_python_logs_the_browser_out(app):
    sign_in(app)
    expect(app.get_by_text("verified: Alice Example")).to_be_visible(timeout=30_000)
    app.get_by_role("button", name="Log out from Python").click()
    expect(app.get_by_text("verified: nobody")).to_be_visible(timeout=30_000)
    expect_logged_out(app, "host test")
    assert our_storage(app) == {}


def test_the_refresh_command_from_python_gets_new_verified_tokens(app):
    sign_in(app)
    expect(app.get_by_text("verified: Alice Example")).to_be_visible(timeout=30_000)
    before = app.get_by_text("token ends ").inner_text()
    app.get_by_role("button", name="Refresh from Python").click()
    expect(app.get_by_text("onStatusUpdate Logged in command refresh ok=True")).to_be_visible(timeout=30_000)
    expect(app.get_by_text("verified: Alice Example")).to_be_visible()
    assert app.get_by_text("token ends ").inner_text() != before, "the access token was replaced"


def test_invalid_grant_on_refresh_clears_every_tab_and_python(app, app_url):
    sign_in(app)
    expect(app.get_by_text("verified: Alice Example")).to_be_visible(timeout=30_000)
    other = app.context.new_page()
    other.goto(app_url)
    expect(other.get_by_text("verified: Alice Example")).to_be_visible(timeout=30_000)
    (key, value), = [(k, v) for k, v in our_storage(app).items() if k.startswith(KEY_PREFIX + "session|")]
    session = json.loads(value)
    session["refresh_token"] = "revoked-at-the-provider"
    # Written by the other tab: this one hears the storage event at once.
    seen_before = app.get_by_text(re.compile("^events: ")).inner_text().count("Logged in")
    component(other).evaluate("([k, v]) => localStorage.setItem(k, v)", [key, json.dumps(session)])
    for _ in range(100):  # the changed session reaches Python as one more "Logged in"
        if app.get_by_text(re.compile("^events: ")).inner_text().count("Logged in") > seen_before:
            break
        app.wait_for_timeout(100)
    app.get_by_role("button", name="Refresh from Python").click()
    expect(app.get_by_text("verified: nobody")).to_be_visible(timeout=30_000)
    expect(other.get_by_text("verified: nobody")).to_be_visible(timeout=30_000)
    expect_logged_out(other, "host test")
    assert our_storage(app) == {}
