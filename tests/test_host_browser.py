"""The Python host in a real Streamlit with the real provider and a real browser: only verified
logins reach st.session_state, a tampered token is refused, and Python's logout command logs
the browser out."""

from __future__ import annotations

import json
import os
import re

import pytest
from playwright.sync_api import expect

from conftest import ROOT, auth_secrets, free_port, streamlit_server
from idp import API_AUDIENCE, CLIENT_ID, running_idp
from login_flow import (KEY_PREFIX, component, expect_logged_in, expect_logged_out, fill_sign_in_form, open_login_popup,
                        our_storage, sign_in, stored_session, wait_closed)

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


# The release build's chunks loaded on first use (.ci/split.py): the login's and the refresh's.
LOGIN_CHUNK = re.compile(r"-split_login\.wasm$")
REFRESH_CHUNK = re.compile(r"-split_refresh\.wasm$")
ANY_CHUNK = re.compile(r"-(split_\w+|chunk_\d+)\.wasm$")


def test_the_login_and_the_refresh_load_their_code_only_when_about_to_run(page, app_url):
    fetched: list[str] = []
    page.context.on("request", lambda request: fetched.append(request.url.split("?")[0]))
    page.goto(app_url)
    expect_logged_out(page, "host test", timeout=30_000)
    at_start = [url for url in fetched if url.endswith((".wasm", ".js")) and "/component/" in url]
    assert any(url.endswith("_bg.wasm") for url in at_start) and any(url.endswith("-split.js") for url in at_start)
    assert not [url for url in fetched if ANY_CHUNK.search(url)], "no chunk before a login starts"
    with page.expect_request(LOGIN_CHUNK, timeout=10_000):  # the pointer on the button fetches it
        component(page).get_by_role("button", name="Click to login...").hover()
    expect_logged_out(page, "host test")
    sign_in(page)
    expect(page.get_by_text("verified: Alice Example")).to_be_visible(timeout=30_000)
    assert [url for url in fetched if LOGIN_CHUNK.search(url)], "the login's chunk came with the login"
    assert not [url for url in fetched if REFRESH_CHUNK.search(url)], "no refresh yet"
    page.get_by_role("button", name="Refresh from Python").click()
    expect(page.get_by_text("onStatusUpdate Logged in command refresh ok=True")).to_be_visible(timeout=30_000)
    assert [url for url in fetched if REFRESH_CHUNK.search(url)], "the refresh's chunk came with the refresh"


def test_the_focus_on_the_login_button_fetches_the_logins_code_ahead_of_the_key_press(page, app_url):
    page.goto(app_url)
    expect_logged_out(page, "host test", timeout=30_000)
    with page.expect_request(LOGIN_CHUNK, timeout=10_000):
        component(page).get_by_role("button", name="Click to login...").focus()
    expect_logged_out(page, "host test")


@pytest.mark.parametrize("fault", ["unreachable", "tampered"])
def test_a_login_whose_code_cannot_be_loaded_is_an_error_and_the_next_click_loads_it(page, app_url, fault):
    def serve(route):
        if fault == "unreachable":
            return route.abort()
        body = bytearray(route.fetch().body())
        body[len(body) // 2] ^= 0x01  # one bit: the chunk's digest no longer matches
        return route.fulfill(status=200, body=bytes(body), headers={"content-type": "application/wasm"})

    page.context.route(LOGIN_CHUNK, serve)
    page.goto(app_url)
    expect_logged_out(page, "host test", timeout=30_000)
    with page.expect_popup() as popup:
        component(page).get_by_role("button", name="Click to login...").click()
    expect(page.get_by_text(re.compile(r"onError code_unavailable"))).to_be_visible(timeout=30_000)
    expect(component(page).locator(".sc-error")).to_contain_text("could not be loaded")
    wait_closed(popup.value, 10)  # the login ended with its window
    expect_logged_out(page, "host test")
    page.context.unroute(LOGIN_CHUNK)
    sign_in(page)
    expect(page.get_by_text("verified: Alice Example")).to_be_visible(timeout=30_000)


def test_a_callback_page_whose_code_cannot_be_loaded_says_so_and_hands_nothing_on(page, app_url):
    page.goto(app_url)
    expect_logged_out(page, "host test", timeout=30_000)
    popup = open_login_popup(page)
    popup.route(LOGIN_CHUNK, lambda route: route.abort())
    fill_sign_in_form(popup)
    expect(popup.get_by_text(re.compile("^Login failed: part of the login component's code could not be loaded"))).to_be_visible(timeout=30_000)
    assert "code=" not in popup.url, "the answer left the address bar before the code was fetched"
    expect(page.get_by_text("verified: nobody")).to_be_visible()


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


# Records, in the component's frame, the challenge of each render (as a script that runs in
# the frame could) and posts a component value as the component would.
RECORD_CHALLENGES = """() => { window.__challenges = [];
    window.addEventListener('message', e => { const args = e.data && e.data.args;
        if (e.data && e.data.type === 'streamlit:render' && args && args.challenge) window.__challenges.push(args.challenge); }); }"""
POST_VALUE = """value => window.parent.postMessage({isStreamlitMessage: true, type: 'streamlit:setComponentValue',
    value, dataType: 'json'}, '*')"""
RECORD_VALUES = """() => { window.__values = [];
    window.addEventListener('message', e => { if (e.data && e.data.type === 'streamlit:setComponentValue')
        window.__values.push(e.data.value); }); }"""


def test_an_id_token_replayed_from_another_browser_is_refused(app, app_url, browser):
    """The hole of issue 16: someone holding the victim's ID token opens the app in their own
    browser and posts it as the component's value. Every way of doing so fails a named binding
    check, and the victim's own login goes on."""
    from token_kit import BrowserKey

    app.evaluate(RECORD_VALUES)
    sign_in(app)
    expect(app.get_by_text("verified: Alice Example")).to_be_visible(timeout=30_000)
    (key, stored), = [(k, v) for k, v in our_storage(app).items() if k.startswith(KEY_PREFIX + "session|")]
    victim = json.loads(stored)
    sent = [v for v in app.evaluate("window.__values") if v.get("data", {}).get("status") == "Logged in"]
    victim_proof = sent[-1]["data"]["session"]["binding"]
    assert set(victim_proof) == {"jwk", "salt", "challenge", "signature"}
    assert "d" not in victim_proof["jwk"], "no private part"

    context = browser.new_context()
    try:
        thief = context.new_page()
        thief.goto(app_url)
        expect_logged_out(thief, "host test", timeout=30_000)
        frame = component(thief)
        frame.evaluate(RECORD_CHALLENGES)

        # 1. The stored session copied into the thief's browser: the key is not there, so the
        # component cannot prove the login and drops it.
        frame.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, stored])
        expect(thief.get_by_text("onError binding_key_missing")).to_be_visible(timeout=30_000)
        expect(thief.get_by_text("verified: nobody")).to_be_visible()
        expect_logged_out(thief, "host test")
        assert our_storage(thief) == {}
        thief.wait_for_function("() => document.querySelector('iframe').contentWindow.__challenges.length > 0")
        challenge = frame.evaluate("window.__challenges.at(-1)")

        def status_with(binding, seq):
            """The victim's ID token posted as a logged-in status, with `binding` as its proof."""
            session = {"user": "Alice Example", "email": None, "scopes": [],
                       "token": {"value": "opaque-access-token", "value_id_token": victim["token"]["value_id_token"],
                                 "expiry": victim["token"]["expiry"]}}
            if binding is not None:
                session["binding"] = binding
            return {"name": "onStatusUpdate", "source": "login", "seq": seq,
                    "data": {"status": "Logged in", "session": session, "reason": "start"}}

        def post(binding, code, seq):
            frame.evaluate(POST_VALUE, status_with(binding, seq))
            expect(thief.get_by_text(f"onError {code}")).to_be_visible(timeout=30_000)
            expect(thief.get_by_text("verified: nobody")).to_be_visible()

        now_ms = int(thief.evaluate("Date.now()"))
        # 2. No proof at all.
        post(None, "binding_missing", now_ms + 1)
        # 3. The victim's proof, seen in the victim's session: it names the victim's challenge,
        # so it changes nothing here (a stale proof); made to name the thief's challenge, its
        # signature fails.
        # Both go in one value, the stale one as the backlog, so Python handles both in order:
        # exactly one onError, for the forged one.
        events_text = thief.get_by_text(re.compile("^events: "))
        errors_before = events_text.inner_text().count("onError")
        frame.evaluate(POST_VALUE, {**status_with({**victim_proof, "challenge": challenge}, now_ms + 3),
                                    "backlog": [status_with(victim_proof, now_ms + 2)]})
        expect(events_text).to_contain_text("onError binding_signature", timeout=30_000)
        assert events_text.inner_text().count("onError") == errors_before + 1, events_text.inner_text()
        expect(thief.get_by_text("verified: nobody")).to_be_visible()
        # 4. The thief's own key signing the thief's challenge: the token's nonce commits to
        # the victim's key, not to this one.
        issuer = victim_issuer(victim)
        post(BrowserKey().proof(challenge, issuer), "invalid_nonce", now_ms + 4)
        assert "Alice" not in thief.locator("body").inner_text().replace("onError", "")
    finally:
        context.close()
    # The victim is still logged in, in the victim's browser.
    app.reload()
    expect(app.get_by_text("verified: Alice Example")).to_be_visible(timeout=30_000)


def victim_issuer(session: dict) -> str:
    """The issuer of a stored session's ID token (unverified read: the test knows its provider)."""
    import base64

    payload = session["token"]["value_id_token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["iss"]


@pytest.mark.parametrize("offset_s", [600, -600])
def test_a_browser_whose_clock_runs_ten_minutes_off_still_logs_in(page, app_url, offset_s):
    # Five-minute ID tokens and a browser clock ten minutes fast (or slow): the component
    # checks the fresh token at the provider's time, Python at the server's.
    import time

    page.clock.install(time=time.time() + offset_s)
    page.goto(app_url)
    expect_logged_out(page, "host test", timeout=30_000)
    assert abs(page.evaluate("Date.now()") / 1000 - time.time() - offset_s) < 60, "the clock is off"
    sign_in(page)
    expect(page.get_by_text("verified: Alice Example")).to_be_visible(timeout=30_000)
    expect_logged_in(page)
    assert "onError" not in page.get_by_text(re.compile("^events: ")).inner_text()


def test_a_streamlit_server_restarted_mid_session_verifies_the_login_again_without_a_reload(page):
    # The browser stays on the page while the server goes away and comes back on the same
    # port: Streamlit reconnects, the new Python session sends a new challenge, and the
    # component's key signs it. No new login, no reload, no error.
    idp_port, app_port = free_port(), free_port()
    issuer = f"http://localhost:{idp_port}"
    config = {"issuer": issuer, "client_id": CLIENT_ID, "hostname": "host test"}
    env = dict(os.environ, HOST_CONFIG=json.dumps(config))
    with running_idp([f"http://127.0.0.1:{app_port}{COMPONENT_PATH}"], port=idp_port):
        with streamlit_server(APP, env=env, port=app_port) as url:
            page.goto(url)
            sign_in(page)
            expect(page.get_by_text("verified: Alice Example")).to_be_visible(timeout=30_000)
            first = page.get_by_text("server process ").inner_text()
        with streamlit_server(APP, env=env, port=app_port):
            # Streamlit reconnects without running the script; the user's next interaction
            # does (here a button that only reruns), in a new Python session that knows nobody.
            page.wait_for_timeout(3_000)
            page.get_by_role("button", name="Rerun").click()
            expect(page.get_by_text(re.compile("^server process "))).not_to_have_text(first, timeout=60_000)
            expect(page.get_by_text("verified: Alice Example")).to_be_visible(timeout=30_000)
            expect(page.get_by_text(re.compile("^events: .*onStatusUpdate Logged in"))).to_be_visible()
            expect_logged_in(page)
            assert "onError" not in page.get_by_text("events: ").inner_text(), "the old proof raised no error"


def test_a_signing_key_rotated_mid_session_is_fetched_once_and_the_login_goes_on(page):
    # The provider rotates its key while the user is logged in: the refreshed tokens carry a
    # kid that Python's cached key set does not have; it fetches the set again and verifies.
    idp_port = free_port()
    issuer = f"http://localhost:{idp_port}"
    config = {"issuer": issuer, "client_id": CLIENT_ID, "audience": API_AUDIENCE, "hostname": "host test",
              "scope": "openid profile email read:chart"}
    env = dict(os.environ, HOST_CONFIG=json.dumps(config))
    with streamlit_server(APP, env=env) as url, running_idp([url + COMPONENT_PATH], port=idp_port) as provider:
        page.goto(url)
        sign_in(page)
        expect(page.get_by_text("verified: Alice Example")).to_be_visible(timeout=30_000)
        old_kid = token_kid(page)
        new_kid = provider.rotate_signing_key()
        page.get_by_role("button", name="Refresh from Python").click()
        expect(page.get_by_text("onStatusUpdate Logged in command refresh ok=True")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("verified: Alice Example")).to_be_visible()
        assert (old_kid, token_kid(page)) == (old_kid, new_kid) and old_kid != new_kid
        assert "onError" not in page.get_by_text("events: ").inner_text()


def token_kid(page) -> str:
    import jwt

    return jwt.get_unverified_header(stored_session(page)["token"]["value_id_token"])["kid"]


def test_a_handler_written_for_the_original_event_shape_gets_the_verified_login(tmp_path, page):
    import datetime

    idp_port = free_port()
    secrets_file = auth_secrets(tmp_path, idp_port, 'hostname = "original app"')
    with streamlit_server(ROOT / "examples" / "original_events.py", f"--secrets.files={secrets_file}") as url, \
            running_idp([url + COMPONENT_PATH], port=idp_port):
        page.goto(url)
        expect(page.get_by_text("original app: Logged out")).to_be_visible(timeout=30_000)
        sign_in(page)
        line = page.get_by_text(re.compile(r"^original app: Logged in as "))
        expect(line).to_be_visible(timeout=30_000)
        expiry = stored_session(page)["token"]["expiry"]
        until = datetime.datetime.fromtimestamp(expiry, datetime.timezone.utc)
        expect(line).to_have_text(f"original app: Logged in as Alice Example (alice@example.com, subject alice), "
                                  f"token valid till {until:%Y-%m-%d %H:%M:%S} UTC")
        component(page).get_by_role("button", name="Click to logout...").click()
        expect(page.get_by_text("original app: Logged out")).to_be_visible(timeout=30_000)
