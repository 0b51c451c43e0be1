"""The login flow in the standalone dev host page, with the real local provider: the popup, the
stored session, other tabs, logout, expiry and refresh, and the failures."""

from __future__ import annotations

import json
import socket
import re
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Page, expect

from conftest import free_port, send_render
from idp import CLIENT_ID, running_idp
from login_flow import (
    KEY_PREFIX, component, expect_logged_in, expect_logged_out, expect_replay_refused, fill_sign_in_form, history_urls,
    log_in_remembered, open_login_popup, our_storage, sign_in, stored_session, wait_closed,
)

HOSTNAME = "dev host"


@pytest.fixture(scope="module")
def provider(devhost_url):
    with running_idp([f"{devhost_url}/index.html"]) as provider:
        yield provider


def open_host(page: Page, devhost_url: str, issuer: str, **args) -> Page:
    """Opens the dev host page and renders the component with a login config for `issuer`."""
    page.goto(devhost_url + "/index.html")
    config = {"issuer": issuer, "client_id": CLIENT_ID, "hostname": HOSTNAME, **args}
    send_render(page, json.dumps(config))
    return page


def events(page: Page) -> list[dict]:
    """Every event envelope the component sent, oldest first, from the dev host's log."""
    sent = []
    for line in page.locator("#dh-log li").all_inner_texts():
        match = re.search(r"← (\{.*\})$", line.strip(), re.S)
        if match:
            message = json.loads(match.group(1))
            if message.get("type") == "streamlit:setComponentValue":
                sent.append(message["value"])
    return sent


def wait_for_event(page: Page, predicate, timeout_s: float = 15) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [e for e in events(page) if predicate(e)]
        if found:
            return found[-1]
        page.wait_for_timeout(100)
    raise AssertionError(f"no matching event in {json.dumps(events(page), indent=1)[:3000]}")


def status(name: str, reason: str | None = None):
    def matches(event: dict) -> bool:
        data = event["data"]
        return (event["name"] == "onStatusUpdate" and data["status"] == name
                and (reason is None or data["reason"] == reason))
    return matches


def error(code: str):
    return lambda e: e["name"] == "onError" and e["data"]["code"] == code


def test_login_through_the_popup_stores_the_session_and_tells_python(page, devhost_url, provider):
    open_host(page, devhost_url, provider.issuer)
    expect_logged_out(page, HOSTNAME)
    wait_for_event(page, status("Logged out", "start"))
    sign_in(page)
    expect_logged_in(page)
    event = wait_for_event(page, status("Logged in", "login"))
    session = event["data"]["session"]
    assert session["user"] == "Alice Example" and session["email"] == "alice@example.com"
    assert set(session["token"]) == {"value", "value_id_token", "expiry"}
    assert session["token"]["expiry"] > time.time()
    assert "refresh_token" not in json.dumps(event), "the refresh token never goes to Python"
    assert any(e["name"] == "onActionRequest" and e["data"] == {"action": "login"} for e in events(page))
    stored = our_storage(page)
    assert list(stored) == [f"{KEY_PREFIX}session|{provider.issuer}|{CLIENT_ID}"], "no pending login is left"
    assert stored_session(page)["refresh_token"]


def test_the_callback_page_loads_nothing_from_elsewhere_and_leaks_no_code_by_referrer(page, devhost_url, provider):
    sent: list = []
    page.context.on("request", lambda request: sent.append(request))
    open_host(page, devhost_url, provider.issuer)
    sign_in(page)
    expect_logged_in(page)
    callback = next(i for i, r in enumerate(sent) if "code=" in r.url and r.url.startswith(devhost_url))
    after = sent[callback:]
    assert {urlsplit(r.url).netloc for r in after} <= {urlsplit(devhost_url).netloc, urlsplit(provider.issuer).netloc}, \
        "no third-party resource after the provider's answer"
    # `Referrer-Policy: no-referrer`: nothing sent after the answer names where it came from, so
    # the code in the callback URL reaches no server by a Referer header.
    referers = [(r.url, r.headers.get("referer")) for r in after[1:]]
    assert referers and not [pair for pair in referers if pair[1]], referers


def test_a_reload_keeps_the_session_and_logout_clears_it(page, devhost_url, provider):
    open_host(page, devhost_url, provider.issuer)
    sign_in(page)
    expect_logged_in(page)
    open_host(page, devhost_url, provider.issuer)
    expect_logged_in(page)
    wait_for_event(page, status("Logged in", "start"))
    component(page).get_by_role("button", name="Click to logout...").click()
    expect_logged_out(page, HOSTNAME)
    wait_for_event(page, status("Logged out", "logout"))
    assert our_storage(page) == {}


def test_a_second_tab_follows_at_once_both_ways(page, devhost_url, provider):
    # A one-hour heartbeat: only the storage event can carry the change in time.
    open_host(page, devhost_url, provider.issuer, heartbeat_s=3600)
    other = open_host(page.context.new_page(), devhost_url, provider.issuer, heartbeat_s=3600)
    expect_logged_out(other, HOSTNAME)
    sign_in(page)
    expect_logged_in(other, timeout=3_000)
    wait_for_event(other, status("Logged in", "changed"), timeout_s=3)
    component(other).get_by_role("button", name="Click to logout...").click()
    expect_logged_out(page, HOSTNAME, timeout=3_000)
    wait_for_event(page, status("Logged out", "changed"), timeout_s=3)


def test_a_closed_popup_is_waited_for_until_cancel(page, devhost_url, provider):
    # A closed handle may be a popup that the provider's pages cut off while the user still
    # signs in: the login waits for its answer until Cancel (or the 10-minute timeout).
    open_host(page, devhost_url, provider.issuer)
    frame = component(page)
    popup = open_login_popup(page)
    expect(frame.get_by_role("button", name="Cancel login")).to_be_visible()
    expect(frame.locator(".sc-text")).to_have_text("(signing in, in the popup)")
    assert our_storage(page) == {}, "a popup login keeps its pending login in the iframe"
    popup.close()
    expect(frame.locator(".sc-text")).to_contain_text("waiting for the login window")
    frame.get_by_role("button", name="Cancel login").click()
    expect_logged_out(page, HOSTNAME)
    wait_for_event(page, lambda e: e["name"] == "onActionRequest" and e["data"] == {"action": "cancel_login"})
    assert our_storage(page) == {}


def test_cancel_closes_an_open_popup(page, devhost_url, provider):
    open_host(page, devhost_url, provider.issuer)
    popup = open_login_popup(page)
    with popup.expect_event("close"):
        component(page).get_by_role("button", name="Cancel login").click()
    expect_logged_out(page, HOSTNAME)
    assert len(page.context.pages) == 1


def test_a_blocked_popup_runs_the_login_in_the_tab(page, devhost_url, provider):
    open_host(page, devhost_url, provider.issuer)
    expect_logged_out(page, HOSTNAME)
    frame = component(page)
    frame.evaluate("() => { window.open = () => null; }")
    frame.get_by_role("button", name="Click to login...").click()
    fill_sign_in_form(page)
    page.wait_for_url(f"{devhost_url}/index.html", timeout=30_000)
    expect(page.locator("#dh-args")).to_be_visible(timeout=30_000)
    assert [k for k in our_storage(page) if "|session|" in k], "the callback page stored the session"
    entries = history_urls(page)
    assert len(entries) >= 3 and not [url for url in entries if "code=" in url], entries
    open_host(page, devhost_url, provider.issuer)
    expect_logged_in(page)
    assert not [k for k in our_storage(page) if "|pending|" in k]


def test_a_provider_that_is_down_is_reported(page, devhost_url):
    open_host(page, devhost_url, f"http://localhost:{free_port()}")
    expect_logged_out(page, HOSTNAME)
    frame = component(page)
    with page.expect_popup() as popup_info:
        frame.get_by_role("button", name="Click to login...").click()
    popup = popup_info.value
    wait_closed(popup, 30)
    event = wait_for_event(page, error("discovery_failed"))
    assert "cannot be reached" in event["data"]["message"]
    expect(frame.get_by_role("alert")).to_contain_text("discovery failed")
    expect_logged_out(page, HOSTNAME)
    assert our_storage(page) == {}
    # The line expands into what it means and the fix; the frame grows to show it.
    line_height = int(page.locator("#dh-height").inner_text())
    why = frame.locator("details.sc-why")
    expect(why.locator("p").first).to_be_hidden()
    why.get_by_text("Why, and how to fix it").click()
    expect(why).to_contain_text("could not be reached, or did not answer as an OpenID Connect provider")
    expect(why).to_contain_text("The app's administrator can run `python -m streamlit_component doctor`")
    expect(page.locator("#dh-height")).not_to_have_text(str(line_height))
    assert int(page.locator("#dh-height").inner_text()) > line_height + 20


def test_leftovers_of_an_abandoned_login_are_purged_on_load(page, devhost_url, provider):
    open_host(page, devhost_url, provider.issuer)
    expect_logged_out(page, HOSTNAME)
    stale = {
        f"{KEY_PREFIX}pending|{provider.issuer}|{CLIENT_ID}": "{not a pending login",
        f"{KEY_PREFIX}lease|{provider.issuer}|{CLIENT_ID}": '{"owner":"gone","until":1}',
    }
    component(page).evaluate("(s) => Object.entries(s).forEach(([k, v]) => localStorage.setItem(k, v))", stale)
    open_host(page, devhost_url, provider.issuer)
    expect_logged_out(page, HOSTNAME)
    page.wait_for_timeout(300)
    assert our_storage(page) == {}


def test_a_provider_that_never_answers_times_out(page, devhost_url):
    # The kernel accepts connections on a listening socket nobody serves: requests hang.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        open_host(page, devhost_url, f"http://localhost:{silent.getsockname()[1]}")
        expect_logged_out(page, HOSTNAME)
        with page.expect_popup() as popup_info:
            component(page).get_by_role("button", name="Click to login...").click()
        wait_closed(popup_info.value, 30)
        wait_for_event(page, error("discovery_failed"))
        expect_logged_out(page, HOSTNAME)


def test_corrupt_storage_is_removed_and_reported(page, devhost_url, provider):
    open_host(page, devhost_url, provider.issuer)
    expect_logged_out(page, HOSTNAME)
    key = f"{KEY_PREFIX}session|{provider.issuer}|{CLIENT_ID}"
    # Written by another tab (the storage event path) and by this one (the heartbeat path).
    other = page.context.new_page()
    other.goto(page.url)
    other.evaluate("([k]) => localStorage.setItem(k, '{\"user\": 1')", [key])
    wait_for_event(page, error("corrupt_session"))
    expect(component(page).get_by_role("alert")).to_contain_text("stored session is not JSON")
    assert our_storage(page) == {}


def test_a_replayed_callback_is_refused(page, devhost_url, provider):
    open_host(page, devhost_url, provider.issuer)
    frame = component(page)
    callbacks = []
    page.context.on("request", lambda r: callbacks.append(r.url) if "code=" in r.url and r.url.startswith(devhost_url) else None)
    sign_in(page)
    expect_logged_in(page)
    assert callbacks, "the provider sent the popup back with a code"
    expect_replay_refused(page, callbacks[0])
    frame.get_by_role("button", name="Click to logout...").click()


def test_a_short_token_expires_to_logged_out_without_refresh(page, devhost_url):
    with running_idp([f"{devhost_url}/index.html"], access_token=6, id_token=6) as short:
        open_host(page, devhost_url, short.issuer, refresh=False, heartbeat_s=1)
        sign_in(page)
        expect_logged_in(page)
        wait_for_event(page, status("Logged out", "expired"), timeout_s=20)
        expect_logged_out(page, HOSTNAME)
        assert our_storage(page) == {}


def test_a_short_token_is_refreshed_when_enabled(page, devhost_url):
    with running_idp([f"{devhost_url}/index.html"], access_token=6, id_token=6) as short:
        open_host(page, devhost_url, short.issuer, heartbeat_s=1)
        sign_in(page)
        expect_logged_in(page)
        first = stored_session(page)
        event = wait_for_event(page, status("Logged in", "refresh"), timeout_s=20)
        second = stored_session(page)
        assert second["token"]["value"] != first["token"]["value"]
        assert second["refresh_token"] != first["refresh_token"], "the refresh token rotates"
        assert event["data"]["session"]["token"]["expiry"] >= first["token"]["expiry"]
        assert not [e for e in events(page) if e["name"] == "onError"]


def test_logout_can_end_the_provider_session_in_the_popup(page, devhost_url, provider):
    requests: list = []
    page.context.on("request", lambda request: requests.append(request))
    open_host(page, devhost_url, provider.issuer, end_session=True)
    sign_in(page)
    expect_logged_in(page)
    id_token = stored_session(page)["token"]["value_id_token"]
    frame = component(page)
    with page.expect_popup() as popup_info:
        frame.get_by_role("button", name="Click to logout...").click()
    logout = popup_info.value
    wait_closed(logout, 15)
    # RP-initiated logout by client_id: no ID token in any URL the browser loaded, kept in its
    # history or sent to the provider's request log.
    ends = [r for r in requests if r.url.startswith(f"{provider.issuer}/session/end")]
    assert ends and ends[0].method == "GET" and "client_id=" in ends[0].url, [r.url for r in ends]
    assert id_token and id_token not in "".join(r.url + (r.post_data or "") for r in requests)
    assert not [r.url for r in requests if "eyJ" in r.url], "no JWT in any URL"
    expect_logged_out(page, HOSTNAME)
    wait_for_event(page, status("Logged out", "logout"))
    # The provider forgot the user: the next login asks for the password again.
    with page.expect_popup() as popup_info:
        frame.get_by_role("button", name="Click to login...").click()
    expect(popup_info.value.get_by_label("Password")).to_be_visible(timeout=15_000)
    popup_info.value.close()


def test_without_end_session_the_provider_remembers_the_user(page, devhost_url, provider):
    open_host(page, devhost_url, provider.issuer)
    sign_in(page)
    expect_logged_in(page)
    component(page).get_by_role("button", name="Click to logout...").click()
    expect_logged_out(page, HOSTNAME)
    # The provider's session cookie signs the user in again without a form.
    with page.expect_popup() as popup_info:
        component(page).get_by_role("button", name="Click to login...").click()
    wait_closed(popup_info.value, 15)
    expect_logged_in(page)


def test_two_tabs_at_expiry_make_one_refresh_grant(page, devhost_url):
    # Both tabs see the token near its end on the same heartbeat; one refresh reaches the
    # provider (Web Locks), and both follow its result.
    with running_idp([f"{devhost_url}/index.html"], access_token=8, id_token=8) as short:
        open_host(page, devhost_url, short.issuer, heartbeat_s=1)
        sign_in(page)
        expect_logged_in(page)
        other = open_host(page.context.new_page(), devhost_url, short.issuer, heartbeat_s=1)
        expect_logged_in(other)
        first = stored_session(page)["token"]["value"]
        deadline = time.monotonic() + 20
        while stored_session(page)["token"]["value"] == first:
            assert time.monotonic() < deadline, "no refresh within 20 s"
            page.wait_for_timeout(200)
        page.wait_for_timeout(2000)
        assert short.grants("refresh_token") == 1, short.log.read_text()[-2000:]
        for tab in (page, other):  # whichever refreshed, both report the new token
            wait_for_event(tab, lambda e: e["name"] == "onStatusUpdate" and e["data"]["status"] == "Logged in"
                           and e["data"]["session"]["token"]["value"] not in (first,))


def test_a_held_refresh_lock_keeps_every_tab_from_refreshing(page, devhost_url):
    # Another holder of the Web Lock (a tab mid-refresh) stops this tab's refresh until it lets
    # go: the single flight is the browser's lock, not only the storage lease.
    with running_idp([f"{devhost_url}/index.html"], access_token=6, id_token=6) as short:
        open_host(page, devhost_url, short.issuer, heartbeat_s=1)
        sign_in(page)
        expect_logged_in(page)
        lock = f"{KEY_PREFIX}lease|{short.issuer}|{CLIENT_ID}"
        holder = page.context.new_page()
        holder.goto(devhost_url + "/index.html")
        holder.evaluate("(name) => new Promise((held) => navigator.locks.request(name, () => "
                        "new Promise((release) => { window.releaseLock = release; held(); })))", lock)
        page.wait_for_timeout(8000)  # past the token's end
        assert short.grants("refresh_token") == 0, "no refresh while another holds the lock"
        holder.evaluate("() => window.releaseLock()")
        wait_for_event(page, status("Logged in", "refresh"), timeout_s=10)
        assert short.grants("refresh_token") == 1


def test_a_login_that_does_not_come_back_stops_after_ten_minutes(page, devhost_url, provider):
    # Playwright's clock stands in for ten minutes of waiting: the page's time jumps ahead,
    # and the popup's watch (every 0.5 s) finds the login too old.
    page.clock.install()
    open_host(page, devhost_url, provider.issuer)
    popup = open_login_popup(page)
    page.clock.set_system_time(time.time() + 605)
    event = wait_for_event(page, error("login_timeout"))
    assert event["data"]["message"].startswith("The login took longer than 10 minutes and was stopped.")
    assert f"{devhost_url}/index.html" in event["data"]["message"], "it names the redirect URI to register"
    wait_closed(popup, 10)
    expect_logged_out(page, HOSTNAME)
    assert our_storage(page) == {}


def post_from_the_host_window(page: Page, popup: Page, message: dict) -> None:
    """The right origin, but the dev host's own window: not the popup."""
    page.evaluate("(m) => document.querySelector('iframe').contentWindow.postMessage(m, location.origin)", message)


def post_from_the_popup_on_the_providers_page(page: Page, popup: Page, message: dict) -> None:
    """The popup itself, while it shows the provider's page: the right source, another origin."""
    assert urlsplit(popup.url).netloc != urlsplit(page.url).netloc
    popup.evaluate("(m) => window.opener.postMessage(m, '*')", message)


@pytest.mark.parametrize("post", [post_from_the_host_window, post_from_the_popup_on_the_providers_page])
def test_an_answer_not_from_the_popup_at_the_redirect_origin_is_ignored(page, devhost_url, provider, post):
    # The right state, from the wrong window or at the wrong origin: the component does not
    # take it, and the real login goes on.
    open_host(page, devhost_url, provider.issuer)
    requests_seen = []
    page.context.on("request", lambda r: requests_seen.append(r.url) if "/auth?" in r.url else None)
    popup = open_login_popup(page)
    state = dict(parse_qsl(urlsplit(requests_seen[0]).query))["state"]
    post(page, popup, {"type": "streamlit_component.callback", "query": f"code=forged&state={state}"})
    page.wait_for_timeout(1000)
    expect(component(page).locator(".sc-text")).to_have_text("(signing in, in the popup)")
    assert not [e for e in events(page) if e["name"] == "onError"], "the forged answer was not taken"
    fill_sign_in_form(popup)
    expect_logged_in(page)


def test_every_login_sends_a_fresh_state_nonce_and_pkce_challenge(page, devhost_url, provider):
    open_host(page, devhost_url, provider.issuer)
    sent = []
    page.context.on("request", lambda r: sent.append(dict(parse_qsl(urlsplit(r.url).query))) if "/auth?" in r.url else None)
    sign_in(page)
    expect_logged_in(page)
    component(page).get_by_role("button", name="Click to logout...").click()
    expect_logged_out(page, HOSTNAME)
    log_in_remembered(page)
    expect_logged_in(page)
    first, second = sent[0], sent[-1]
    for name in ("state", "nonce", "code_challenge"):
        assert first[name] != second[name], f"{name} is made anew for each login"
    assert first["code_challenge_method"] == second["code_challenge_method"] == "S256"


def test_a_same_tab_login_never_returns_to_another_origin(page, devhost_url, provider):
    # A pending login planted with a foreign way back: the callback page refuses to go there.
    open_host(page, devhost_url, provider.issuer)
    expect_logged_out(page, HOSTNAME)
    pending = {"state": "planted-state", "nonce": "n" * 22, "verifier": "v" * 43, "issuer": provider.issuer,
               "client_id": CLIENT_ID, "redirect_uri": f"{devhost_url}/index.html", "scope": "openid",
               "audience": None, "created_at": int(time.time()), "return_to": "http://evil.example/"}
    key = f"{KEY_PREFIX}pending|{provider.issuer}|{CLIENT_ID}"
    component(page).evaluate("([k, v]) => localStorage.setItem(k, v)", [key, json.dumps(pending)])
    callback = page.context.new_page()
    callback.goto(f"{devhost_url}/index.html?code=c&state=planted-state")
    expect(callback.locator("body")).to_have_text("Login failed: the way back to the app is not valid.")
    assert callback.url.startswith(devhost_url)
    assert key not in our_storage(page), "the planted login is used up"


def test_a_refresh_that_ends_after_logout_writes_nothing_back(page, devhost_url):
    with running_idp([f"{devhost_url}/index.html"], access_token=6, id_token=6) as short:
        held = []
        page.context.route(f"{short.issuer}/token", lambda route: held.append(route)
                           if "grant_type=refresh_token" in (route.request.post_data or "") else route.continue_())
        open_host(page, devhost_url, short.issuer, heartbeat_s=1)
        sign_in(page)
        expect_logged_in(page)
        deadline = time.monotonic() + 20
        while not held:
            assert time.monotonic() < deadline, "no refresh request within 20 s"
            page.wait_for_timeout(200)
        component(page).get_by_role("button", name="Click to logout...").click()
        expect_logged_out(page, HOSTNAME)
        held[0].continue_()  # the provider answers now, after the logout
        page.wait_for_timeout(2000)
        expect_logged_out(page, HOSTNAME)
        assert our_storage(page) == {}, "the refreshed tokens were not written back"


@pytest.mark.parametrize("endpoint", ["discovery", "token"])
def test_a_provider_endpoint_that_redirects_is_refused(page, devhost_url, provider, endpoint):
    # Answered 307 once, pointing at the same endpoint with a query: followed, the login would
    # go through (the token request re-posting the code and the verifier); it must fail.
    path = "/.well-known/openid-configuration" if endpoint == "discovery" else "/token"
    redirected = []

    def redirect(route):
        if redirected:
            return route.continue_()
        redirected.append(route.request.url)
        route.fulfill(status=307, headers={"Location": f"{provider.issuer}{path}?moved=1",
                                           "Access-Control-Allow-Origin": "*"})

    page.context.route(f"{provider.issuer}{path}", redirect)
    open_host(page, devhost_url, provider.issuer)
    if endpoint == "discovery":
        with page.expect_popup() as popup_info:
            component(page).get_by_role("button", name="Click to login...").click()
        wait_closed(popup_info.value, 30)
        wait_for_event(page, error("discovery_failed"))
    else:
        sign_in(page)
        wait_for_event(page, error("token_request_failed"))
    assert redirected, "the provider's answer was a redirect"
    expect_logged_out(page, HOSTNAME)
    assert not [k for k in our_storage(page) if "|session|" in k]


# --- Faults: each ends in a clear state and message, nothing half-written --------------------

def test_a_provider_down_during_refresh_is_reported_and_the_session_ends_at_expiry(page, devhost_url):
    with running_idp([f"{devhost_url}/index.html"], access_token=6, id_token=6) as short:
        open_host(page, devhost_url, short.issuer, heartbeat_s=1)
        sign_in(page)
        expect_logged_in(page)
        page.context.route(f"{short.issuer}/token", lambda route: route.abort())
        event = wait_for_event(page, error("refresh_failed"), timeout_s=20)
        assert "cannot be reached" in event["data"]["message"]
        wait_for_event(page, status("Logged out", "expired"), timeout_s=20)
        expect_logged_out(page, HOSTNAME)
        assert our_storage(page) == {}, "no session left that could not be refreshed"
        # Once the provider is back, a login works again.
        page.context.unroute(f"{short.issuer}/token")
        log_in_remembered(page)
        expect_logged_in(page)


FILL_STORAGE = """() => {
    const big = 'x'.repeat(256 * 1024), small = 'x'.repeat(512);
    let i = 0;
    for (const chunk of [big, small]) {
        try { for (;;) localStorage.setItem('filler' + i++, chunk); } catch (e) { if (e.name !== 'QuotaExceededError') throw e; }
    }
    return i;
}"""


def test_full_storage_fails_the_login_with_a_message_and_writes_nothing(page, devhost_url, provider):
    open_host(page, devhost_url, provider.issuer)
    expect_logged_out(page, HOSTNAME)
    assert page.evaluate(FILL_STORAGE) > 10, "localStorage is full"
    popup = open_login_popup(page)
    fill_sign_in_form(popup)
    event = wait_for_event(page, error("storage_unavailable"), timeout_s=30)
    assert event["data"]["message"] == "the session cannot be stored"
    expect(component(page).get_by_role("alert")).to_contain_text("cannot be stored")
    expect(component(page).get_by_role("button", name="Click to login...")).to_be_visible()
    assert our_storage(page) == {}, "no half-written session or pending login"
    # With room again, the same tab logs in.
    page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('filler')).forEach((k) => localStorage.removeItem(k))")
    log_in_remembered(page)
    expect_logged_in(page)


def test_storage_cleared_by_the_user_logs_out_every_tab(page, devhost_url, provider):
    open_host(page, devhost_url, provider.issuer)
    sign_in(page)
    expect_logged_in(page)
    other = open_host(page.context.new_page(), devhost_url, provider.issuer)
    expect_logged_in(other)
    # As the browser's "clear site data" for storage: every key at once, from another document.
    page.evaluate("localStorage.clear()")
    for tab in (page, other):
        wait_for_event(tab, status("Logged out"))
        expect_logged_out(tab, HOSTNAME)
    assert not [e for e in events(page) + events(other) if e["name"] == "onError"], "a cleared store is no error"


def test_a_double_click_on_login_opens_one_popup_and_the_login_goes_on(page, devhost_url, provider):
    # The second click of a double click is not a click on "Cancel login".
    open_host(page, devhost_url, provider.issuer)
    expect_logged_out(page, HOSTNAME)
    opened = []
    page.context.on("page", lambda p: opened.append(p))
    # Both clicks of a double click reach the button (the popup opens elsewhere on the screen).
    component(page).get_by_role("button", name="Click to login...").evaluate(
        "(b) => { for (const detail of [1, 2]) b.dispatchEvent(new MouseEvent('click', {bubbles: true, detail})); }")
    page.wait_for_timeout(1000)
    assert len(opened) == 1, "one popup"
    expect(opened[0].get_by_label("Username")).to_be_visible(timeout=30_000)
    expect(component(page).locator(".sc-text")).to_have_text("(signing in, in the popup)")
    assert not opened[0].is_closed()
    fill_sign_in_form(opened[0])
    expect_logged_in(page)
    assert not [e for e in events(page) if e["data"] == {"action": "cancel_login"}]


# Every setInterval/clearInterval of every frame, by period: what is still ticking.
COUNT_INTERVALS = """
(() => {
  const set = window.setInterval.bind(window), clear = window.clearInterval.bind(window);
  window.__live = new Map();
  window.setInterval = (f, ms, ...a) => { const id = set(f, ms, ...a); window.__live.set(id, ms); return id; };
  window.clearInterval = (id) => { window.__live.delete(id); clear(id); };
})();
"""


def live_intervals(page: Page) -> list[int]:
    return sorted(component(page).evaluate("() => [...window.__live.values()]"))


def test_a_finished_or_cancelled_login_stops_watching_its_popup(page, devhost_url, provider):
    page.add_init_script(COUNT_INTERVALS)
    open_host(page, devhost_url, provider.issuer, heartbeat_s=7)
    expect_logged_out(page, HOSTNAME)
    assert live_intervals(page) == [7000], "only the heartbeat"
    open_login_popup(page)
    assert live_intervals(page) == [500, 7000], "the popup is watched every 0.5 s"
    component(page).get_by_role("button", name="Cancel login").click()
    expect_logged_out(page, HOSTNAME)
    assert live_intervals(page) == [7000], "the popup watch stopped with the cancel"
    popup = open_login_popup(page)
    with popup.expect_event("close", timeout=30_000):
        fill_sign_in_form(popup)
    expect_logged_in(page)
    assert live_intervals(page) == [7000], "and with the login"


def test_a_callback_page_opened_by_another_site_hands_it_nothing(page, devhost_url, provider):
    # The callback page posts the provider's answer to its opener at its own origin only: a
    # page of another site that opened it (after getting the provider to send a code there)
    # receives nothing.
    page.goto(f"{provider.issuer}/.well-known/openid-configuration")
    page.evaluate("() => { window.received = []; addEventListener('message', (e) => window.received.push(e.data)); }")
    with page.expect_popup() as opened:
        page.evaluate("(u) => { window.open(u); }", f"{devhost_url}/index.html?code=stolen&state=s1")
    callback = opened.value
    expect(callback.locator("body")).to_contain_text("Returning to the app", timeout=30_000)
    page.wait_for_timeout(1000)
    assert page.evaluate("() => window.received") == [], "the answer went to the page's own origin only"


def test_an_error_answer_is_used_up_and_its_replay_is_refused(page, devhost_url, provider):
    # "Deleted on first use, including errors": the provider's error answer ends the login;
    # the same answer opened again is taken by nobody and reported once only.
    open_host(page, devhost_url, provider.issuer)
    answers = []
    page.context.on("request", lambda r: answers.append(r.url)
                    if r.url.startswith(devhost_url) and "error=access_denied" in r.url else None)
    popup = open_login_popup(page)
    popup.get_by_role("link", name="Cancel").click()
    wait_for_event(page, error("login_cancelled"))
    expect_logged_out(page, HOSTNAME)
    assert answers, "the provider sent the popup back with an error"
    expect_replay_refused(page, answers[0])
    page.wait_for_timeout(1000)
    assert len([e for e in events(page) if e["name"] == "onError"]) == 1, "the replay reported nothing"
    assert our_storage(page) == {}


def test_the_login_windows_page_takes_the_apps_theme(page, devhost_url, provider):
    # A dark app: the login window's messages are a dark card on the app's background, not
    # black text on white at the window's edge.
    open_host(page, devhost_url, provider.issuer)
    expect_logged_out(page, HOSTNAME)
    page.get_by_label("Dark theme").check()
    frame = component(page)
    expect(frame.locator(".sc-text")).to_have_css("color", "rgb(250, 250, 250)")
    with page.expect_popup() as opened:
        frame.evaluate("() => { window.open('index.html?code=c&state=not-a-login'); }")
    window = opened.value
    card = window.locator("main.sc-page")
    expect(card).to_contain_text("Returning to the app", timeout=30_000)
    expect(window.locator("body")).to_have_css("background-color", "rgb(14, 17, 23)")
    expect(card).to_have_css("background-color", "rgb(38, 39, 48)")
    expect(card).to_have_css("color", "rgb(250, 250, 250)")
