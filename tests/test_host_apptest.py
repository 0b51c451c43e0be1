"""The host in Streamlit's AppTest: the login gate, event dispatch, seq de-duplication across
reruns, the backlog, the `ack` and `command` render args, and the session keys. The component
function is replaced by a fake that records its render args and returns a value set here."""

from __future__ import annotations

import time
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import streamlit_component as package
from api_kit import api_server
from token_kit import API, CLIENT_ID, BrowserKey, fake_provider, shared_keys

APPS = package.frontend_dir().parent.parent / "tests" / "apps"


class FakeComponent:
    """Plays the component: returns `value` (Streamlit returns the last value on every rerun)."""

    def __init__(self) -> None:
        self.value: Any = None
        self.calls: list[dict] = []

    def __call__(self, *, key: str | None = None, default: Any = None, **args: Any) -> Any:
        self.calls.append({"key": key, "default": default, **args})
        return default if self.value is None else self.value

    @property
    def args(self) -> dict:
        return self.calls[-1]


@pytest.fixture(scope="module")
def provider():
    with fake_provider() as provider:
        yield provider


@pytest.fixture
def fake(monkeypatch):
    component = FakeComponent()
    monkeypatch.setattr(package, "_component_func", component)
    return component


@pytest.fixture
def config(provider):
    return {"issuer": provider.issuer, "client_id": CLIENT_ID, "audience": API, "hostname": "from config",
            "api_origins": ["http://localhost:5000"]}


def status(seq: int, status: str = "Logged in", session: dict | None = None, backlog: list | None = None,
           **extra: Any) -> dict:
    value = {"name": "onStatusUpdate", "data": {"status": status, "session": session, "reason": "login", **extra},
             "source": "login", "seq": seq}
    if backlog is not None:
        value["backlog"] = backlog
    return value


def session_for(provider, challenge: str, *, browser: BrowserKey | None = None, nonce: str | None = None, key=None,
                **id_overrides: Any) -> dict:
    """The session a component reports: tokens for `browser`'s key (a new one by default) and
    its proof over the Streamlit session's `challenge` (the `nonce` overrides the commitment)."""
    browser = browser or BrowserKey()
    id_token = provider.mint(provider.id_claims(browser.nonce if nonce is None else nonce, **id_overrides), key=key)
    access = provider.mint(provider.access_claims(), headers={"typ": "at+jwt"})
    return {"user": "Mallory", "email": "mallory@evil.example", "scopes": ["admin"],
            "token": {"value": access, "value_id_token": id_token, "expiry": int(time.time()) + 300},
            "binding": browser.proof(challenge, provider.issuer)}


def gated_app(config):
    import streamlit as st

    from streamlit_component import require_login

    def handler(event):
        st.session_state.setdefault("seen", []).append(event)

    host = require_login(config, event_handler=handler, hostname="demo.local", report=True)
    st.markdown(f"Welcome {st.session_state.user}")
    st.button("Log out", on_click=host.logout)


def host_app(config, events=None):
    import streamlit as st

    from streamlit_component import ComponentHost, run_component

    host = ComponentHost("login", events, config=config, width=300)
    if st.button("Log out"):
        host.logout()
    if st.button("Refresh"):
        host.refresh()
    handled = run_component(host, lambda event: st.session_state.setdefault("seen", []).append(event))
    st.session_state["handled"] = len(handled)


def request_app(config, url):
    import streamlit as st

    from streamlit_component import ComponentHost, WebRequest, run_component

    def handler(event):
        st.session_state.setdefault("seen", []).append(event)

    host = ComponentHost("login", config=config)
    run_component(host, handler)
    st.session_state["response"] = host.request(WebRequest("api", "GET", url, useauth=True), handler, timeout_s=2)


def gated(config) -> AppTest:
    return AppTest.from_function(gated_app, kwargs={"config": config}, default_timeout=10)


def markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def seen(at: AppTest) -> list:
    return at.session_state["seen"] if "seen" in at.session_state else []


def minimal_app(config):
    from streamlit_component import require_login

    require_login(config)


def test_a_config_without_optional_keys_sends_no_empty_values(fake, provider):
    # The fewest keys an app can give: no hostname, scope or audience. Nothing optional may be
    # sent empty (the component would take "" for a value), and nothing may be None.
    config = {"server_metadata_url": f"{provider.issuer}/.well-known/openid-configuration", "client_id": CLIENT_ID}
    at = AppTest.from_function(minimal_app, kwargs={"config": config}, default_timeout=10).run()
    assert not at.exception
    args = fake.args
    assert "hostname" not in args and "audience" not in args and "redirect_uri" not in args
    assert args["scope"] == "openid profile email"
    assert all(value != "" for value in args.values()), args


def test_the_gate_stops_until_a_verified_login_and_sends_the_render_args(fake, config, provider):
    at = gated(config).run()
    assert not at.exception
    assert markdown(at) == [], "the page stops before its content"
    args = fake.args
    challenge = args.pop("challenge")
    assert len(challenge) >= 43
    assert args == {"key": "login", "default": None, "issuer": provider.issuer, "client_id": CLIENT_ID,
                    "scope": "openid profile email", "audience": API, "heartbeat_s": 2,
                    "events": ["onStatusUpdate", "onActionRequest", "onError"], "refresh": True,
                    "end_session": False, "hostname": "demo.local", "ack": 0, "command": None,
                    "verified": {"user": None}}
    for key in ("user", "email", "token", "claims", "scopes"):
        assert at.session_state[key] is None

    browser = BrowserKey()
    fake.value = status(100, session=session_for(provider, challenge, browser=browser))
    at.run()
    assert markdown(at) == ["Welcome Alice Example"]
    assert at.session_state["email"] == "alice@example.com"
    assert at.session_state["scopes"] == ["read:chart", "write:solve"]
    assert at.session_state["claims"]["nonce"] == browser.nonce
    token = at.session_state["token"]
    assert set(token) == {"value", "value_id_token", "expiry"}
    assert token["value"] == fake.value["data"]["session"]["token"]["value"]
    (event,) = seen(at)
    assert (event.name, event.seq, event.source) == ("onStatusUpdate", 100, "login")
    assert event.data["session"]["user"] == "Alice Example", "the handler gets the verified session"
    assert fake.args["challenge"] == challenge, "one challenge per Streamlit session"


def test_reruns_do_not_replay_events_and_ack_the_last_seq(fake, config, provider):
    at = gated(config).run()
    fake.value = status(200, session=session_for(provider, fake.args["challenge"]))
    at.run()
    at.run()
    at.run()
    assert len(seen(at)) == 1
    assert fake.args["ack"] == 200
    assert markdown(at) == ["Welcome Alice Example"]


def test_the_backlog_is_handled_in_order_and_only_once(fake, config, provider):
    at = AppTest.from_function(host_app, kwargs={"config": config}, default_timeout=10).run()
    challenge = fake.args["challenge"]
    login_action = {"name": "onActionRequest", "data": {"action": "login"}, "source": "login", "seq": 301}
    error = {"name": "onError", "data": {"code": "popup_blocked", "message": "allow popups"}, "source": "login", "seq": 302}
    fake.value = status(303, session=session_for(provider, challenge), backlog=[login_action, error])
    at.run()
    assert [(e.name, e.seq) for e in seen(at)] == [("onActionRequest", 301), ("onError", 302), ("onStatusUpdate", 303)]
    logout_action = {"name": "onActionRequest", "data": {"action": "logout"}, "source": "login", "seq": 304}
    fake.value = status(305, "Logged out", backlog=[error, {**status(303, session=None), "seq": 303}, logout_action])
    at.run()
    assert [e.seq for e in seen(at)] == [301, 302, 303, 304, 305]
    assert at.session_state["user"] is None
    # The logout changed what Python verified: the host reran at once to tell the component,
    # and that render acknowledged everything handled.
    assert [call["verified"] for call in fake.calls[-2:]] == [{"user": "Alice Example"}, {"user": None}]
    assert [call["ack"] for call in fake.calls[-2:]] == [303, 305]
    at.run()
    assert fake.args["ack"] == 305 and at.session_state["handled"] == 0


def test_a_failed_verification_is_an_on_error_and_clears_the_session(fake, config, provider):
    at = gated(config).run()
    challenge = fake.args["challenge"]
    fake.value = status(400, session=session_for(provider, challenge))
    at.run()
    assert at.session_state["user"] == "Alice Example"
    fake.value = status(401, session=session_for(provider, challenge, key=shared_keys()["attacker"]))
    at.run()
    assert markdown(at) == []
    assert at.session_state["user"] is None and at.session_state["token"] is None
    event = seen(at)[-1]
    assert (event.name, event.seq, event.data["code"]) == ("onError", 401, "invalid_signature")
    assert event.data["message"] and "Mallory" not in str(event.data)


def test_a_token_whose_nonce_commits_to_another_key_is_refused(fake, config, provider):
    at = gated(config).run()
    fake.value = status(500, session=session_for(provider, fake.args["challenge"], nonce="n" * 43))
    at.run()
    assert markdown(at) == [] and seen(at)[-1].data["code"] == "invalid_nonce"


def test_the_same_browser_key_logs_in_again_after_a_reload_and_a_replayed_proof_does_not(fake, config, provider):
    browser = BrowserKey()
    first = gated(config).run()
    earlier = fake.args["challenge"]
    fake.value = status(590, session=session_for(provider, earlier, browser=browser))
    first.run()
    assert markdown(first) == ["Welcome Alice Example"]
    fake.value = None
    reloaded = gated(config).run()
    assert fake.args["challenge"] != earlier, "a new Streamlit session gets a new challenge"
    # What the first session received, sent again into the new one (as Streamlit does after a
    # server restart): the proof names the old challenge, so it changes nothing and raises no
    # error; made to name the new challenge, its signature fails and names the check.
    before = len(seen(reloaded))
    fake.value = status(600, session=session_for(provider, earlier, browser=browser), reason="start")
    reloaded.run()
    assert markdown(reloaded) == [] and len(seen(reloaded)) == before, "a stale proof is no event"
    forged = session_for(provider, earlier, browser=browser)
    forged["binding"]["challenge"] = fake.args["challenge"]
    fake.value = status(601, session=forged, reason="start")
    reloaded.run()
    assert markdown(reloaded) == [] and seen(reloaded)[-1].data["code"] == "binding_signature"
    # The browser that holds the key signs the new challenge: logged in, no new login.
    fake.value = status(602, session=session_for(provider, fake.args["challenge"], browser=browser), reason="start")
    reloaded.run()
    assert markdown(reloaded) == ["Welcome Alice Example"]


def test_a_session_without_its_binding_proof_is_refused(fake, config, provider):
    at = gated(config).run()
    session = session_for(provider, fake.args["challenge"])
    del session["binding"]
    fake.value = status(650, session=session)
    at.run()
    assert markdown(at) == [] and seen(at)[-1].data["code"] == "binding_missing"


def test_logged_out_and_expiry_clear_the_session(fake, config, provider):
    at = gated(config).run()
    fake.value = status(700, session=session_for(provider, fake.args["challenge"]))
    at.run()
    at.session_state["token"] = {**at.session_state["token"], "expiry": int(time.time()) - 1}
    at.run()
    assert markdown(at) == [] and at.session_state["user"] is None and at.session_state["claims"] is None
    fake.value = status(701, session=session_for(provider, fake.args["challenge"]))
    at.run()
    assert markdown(at) == ["Welcome Alice Example"]
    fake.value = status(702, "Logged out", reason="logout")
    at.run()
    assert markdown(at) == [] and at.session_state["scopes"] is None


def test_an_invalid_value_gives_one_on_error_and_clears_the_session(fake, config, provider):
    at = gated(config).run()
    fake.value = status(800, session=session_for(provider, fake.args["challenge"]))
    at.run()
    fake.value = {"name": "onStatusUpdate", "data": {"blob": "x" * 300_000}, "source": "login", "seq": 801}
    at.run()
    at.run()
    errors = [e for e in seen(at) if e.name == "onError"]
    assert [e.data["code"] for e in errors] == ["value_too_large"]
    assert at.session_state["user"] is None
    fake.value = status(802, {"weird": True})
    at.run()
    assert seen(at)[-1].data["code"] == "invalid_event"


def test_a_forged_far_future_seq_is_refused_and_later_events_still_arrive(fake, config, provider):
    at = gated(config).run()
    challenge = fake.args["challenge"]
    fake.value = status(2**53 - 1, status="Logged out")
    at.run()
    assert [e.data["code"] for e in seen(at) if e.name == "onError"] == ["invalid_event"]
    assert fake.args["ack"] == 0, "the forged seq was not taken as handled"
    now_ms = int(time.time() * 1000)
    fake.value = status(now_ms, session=session_for(provider, challenge))
    at.run()
    assert markdown(at) == ["Welcome Alice Example"]
    at.run()
    assert fake.args["ack"] == now_ms, "acknowledged on the next render"


def test_events_outside_the_allowed_list_become_on_error(fake, config):
    at = AppTest.from_function(host_app, kwargs={"config": config, "events": ["onStatusUpdate"]}).run()
    assert fake.args["events"] == ["onStatusUpdate"] and fake.args["width"] == 300
    fake.value = {"name": "onActionRequest", "data": {"action": "login"}, "source": "login", "seq": 900}
    at.run()
    (event,) = seen(at)
    assert (event.name, event.data["code"], event.data["event"]) == ("onError", "event_not_allowed", "onActionRequest")


def test_commands_get_growing_ids_and_are_sent_until_their_result(fake, config, provider):
    at = AppTest.from_function(host_app, kwargs={"config": config}, default_timeout=10).run()
    fake.value = status(1000, session=session_for(provider, fake.args["challenge"]))
    at.run()
    assert at.session_state["user"] == "Alice Example"
    at.button[0].click().run()
    command = fake.args["command"]
    assert command["name"] == "logout" and command["id"] > 0
    assert at.session_state["user"] is None, "logout clears the Python session at once"
    at.run()
    assert fake.args["command"] == command, "sent until the result arrives"
    result = {"id": command["id"], "name": "logout", "ok": True}
    fake.value = status(1001, "Logged out", reason="command", command=result)
    at.run()
    at.run()
    assert fake.args["command"] is None
    at.button[1].click().run()
    refresh = fake.args["command"]
    assert refresh["name"] == "refresh" and refresh["id"] > command["id"]
    stale = {"id": command["id"], "name": "logout", "ok": True}
    fake.value = status(1002, "Logged out", reason="command", command=stale)
    at.run()
    at.run()
    assert fake.args["command"] == refresh, "another command's result does not settle it"


def test_the_report_is_printed_without_tokens(fake, config, provider, capsys):
    at = gated(config).run()
    session = session_for(provider, fake.args["challenge"])
    fake.value = status(1100, session=session)
    at.run()
    out = capsys.readouterr().out
    assert "onStatusUpdate from 'login' (seq 1100)" in out and "Alice Example" in out
    assert session["token"]["value"] not in out and session["token"]["value_id_token"] not in out


def test_a_provider_that_is_down_shows_an_error_and_reports_once(fake):
    config = {"issuer": "http://127.0.0.1:9", "client_id": CLIENT_ID}
    at = AppTest.from_function(host_app, kwargs={"config": config}, default_timeout=15).run()
    at.run()
    assert [e.data["code"] for e in seen(at)] == ["discovery_failed"]
    assert at.error and "Login is unavailable" in at.error[0].value
    assert fake.calls == [], "no component without a verified issuer"


def test_a_bad_config_names_the_key(fake, config):
    at = gated({**config, "heartbeat_s": 0}).run()
    assert at.exception and "heartbeat_s" in at.exception[0].message


def test_multipage_gate_from_secrets_keeps_query_params(fake, config, provider):
    at = AppTest.from_file(str(APPS / "login_pages" / "app.py"), default_timeout=10)
    at.secrets["auth"] = config
    at.query_params["tab"] = "sales"
    at.run()
    assert markdown(at) == []
    fake.value = status(1200, session=session_for(provider, fake.args["challenge"]))
    at.run()
    assert markdown(at) == ["Home for Alice Example", "query: {'tab': 'sales'}"]
    at.switch_page("pages/reports.py").run()
    assert markdown(at) == ["Reports for alice@example.com"]
    assert len(seen(at)) == 1, "the other page needs no new event"
    fake.value = status(1201, "Logged out", reason="logout")
    at.run()
    assert markdown(at) == []


def test_the_reports_page_is_gated_on_its_own(fake, config):
    at = AppTest.from_file(str(APPS / "login_pages" / "app.py"), default_timeout=10)
    at.secrets["auth"] = config
    at.switch_page("pages/reports.py").run()
    assert not at.exception and markdown(at) == []


def test_a_logout_button_callback_sends_the_command_in_the_same_run(fake, config, provider):
    at = gated(config).run()
    fake.value = status(1300, session=session_for(provider, fake.args["challenge"]))
    at.run()
    at.button[0].click().run()
    assert markdown(at) == [] and at.session_state["user"] is None
    assert fake.args["command"]["name"] == "logout"


def test_delegated_requests_use_the_verified_token_and_report_failures(fake, config, provider):
    with api_server() as (origin, received):
        config = {**config, "api_origins": [origin]}
        at = AppTest.from_function(request_app, kwargs={"config": config, "url": f"{origin}/api/x"}).run()
        assert seen(at)[-1].data["code"] == "not_logged_in" and at.session_state["response"] is None
        session = session_for(provider, fake.args["challenge"])
        fake.value = status(1400, session=session)
        at.run()
        response = at.session_state["response"]
        assert (response.status, response.data["authorization"]) == (200, f"Bearer {session['token']['value']}")
        assert len(received) == 1
    other = AppTest.from_function(request_app, kwargs={"config": config, "url": "http://evil.example/x"}).run()
    fake.value = status(1401, session=session_for(provider, fake.args["challenge"]))
    other.run()
    event = seen(other)[-1]
    assert (event.name, event.data["code"], event.data["label"]) == ("onError", "origin_not_allowed", "api")
