"""The Python host: renders the component with its render args, turns each new component value
into :class:`ComponentEvent` objects, verifies logins before they reach ``st.session_state``,
sends commands, makes delegated requests, and gates pages with :func:`require_login`."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import streamlit as st

from .access import Access, Refusal
from .config import AuthConfig, ConfigError, load_config
from .login_options import check_login_options
from .events import (ComponentEvent, EventError, allow, error_event, fresh, parse_envelope, print_report,
                     with_original_fields)
from .session import SESSION_KEYS, clear_session, expire_session, is_logged_in, store_session, verify_session
from . import confidential
from .binding import new_challenge, thumbprint
from .sealed import Sealer
from .verify import TokenVerifier, VerificationError, verifier_for
from .webrequest import WebRequest, WebRequestError, WebResponse, execute

__all__ = ["ComponentHost", "EventHandler", "access_refusal", "require_login", "run_component"]

#: Called with each event, in order.
EventHandler = Callable[[ComponentEvent], None]


class ComponentHost:
    """One login component on the page, and its state in the Streamlit session.

    Parameters
    ----------
    key : str
        The component's Streamlit key; also the ``source`` of its events.
    events : sequence of str or None
        Event names the app accepts (``onError`` always is); ``config.events`` when ``None``.
    config : AuthConfig, Mapping or None
        The configuration, or ``None`` to read ``st.secrets[section]``.
    section : str
        The ``st.secrets`` section read when ``config`` is ``None``.
    provider : str or None
        A named provider table of the section (``[auth.<provider>]``), as ``st.login`` takes it.
    hostname : str or None
        Shown in the component's logged-out line; ``config.hostname`` when ``None``.
    initial_state : Any
        The component value before the component has sent one (Streamlit's ``default``); it is
        parsed like any other value, so ``None`` or an envelope.
    width, height : int or None
        Sent as render args of the same names when given.
    login_options : Mapping or None
        Login options for this page's logins, over the configuration's (``prompt``,
        ``login_hint``, ``max_age``, ``acr_values``, ``ui_locales``, and a provider's own
        parameters listed in ``allowed_authorize_params``).

    Raises
    ------
    ConfigError
        When the configuration or a login option is missing or invalid.
    """

    def __init__(self, key: str = "login", events: Sequence[str] | None = None, *,
                 config: AuthConfig | Mapping[str, Any] | None = None, section: str = "auth",
                 provider: str | None = None, hostname: str | None = None, initial_state: Any = None,
                 width: int | None = None, height: int | None = None,
                 login_options: Mapping[str, Any] | None = None) -> None:
        self.key = key
        self.config = load_config(config, section, provider)
        try:
            self.login_options = check_login_options(login_options or {}, self.config.extra_login_options)
            # With the configuration's, as each login sends them (at most 16).
            check_login_options({**self.config.login_options, **self.login_options}, self.config.extra_login_options,
                                checked=True)
        except ValueError as error:
            raise ConfigError("login_options", str(error)) from None
        self.events = tuple(events) if events is not None else self.config.events
        self.hostname = self.config.hostname if hostname is None else hostname
        self.initial_state = initial_state
        self.size = {k: v for k, v in (("width", width), ("height", height)) if v is not None}

    @property
    def state(self) -> dict[str, Any]:
        """This component's private state in ``st.session_state``: the session's challenge for
        the browser key, the last handled ``seq``, the pending command."""
        name = f"_streamlit_component.{self.key}"
        if name not in st.session_state:
            st.session_state[name] = {"challenge": new_challenge(), "last_seq": 0, "command": None,
                                      "command_id": 0, "rejected": None, "failure": None,
                                      # Confidential mode: the server-held login, and the
                                      # answer for the component (render arg `sealed`).
                                      "held": None, "sealed": None, "sealed_id": 0}
        state: dict[str, Any] = st.session_state[name]
        return state

    def logout(self) -> int:
        """Log out now in Python, and ask the component to log out (sent with the next render:
        call it before :func:`run_component`, or as a widget callback such as
        ``st.button("Log out", on_click=host.logout)``).

        Returns
        -------
        int
            The command's id; its result arrives as ``onStatusUpdate`` with ``reason: "command"``.
        """
        self._end_held()
        clear_session(st.session_state)
        return self._command("logout")

    def switch_account(self) -> int:
        """Log out (as :meth:`logout`) and have the next login ask the provider who signs in:
        ``prompt=select_account`` where discovery lists it in ``prompt_values_supported``,
        else ``prompt=login``. Returns the logout command's id."""
        supported = verifier_for(self.config).metadata.get("prompt_values_supported")
        wanted = "select_account" if isinstance(supported, list) and "select_account" in supported else "login"
        self.state["switch_prompt"] = wanted
        return self.logout()

    def refresh(self) -> int:
        """Ask the component to refresh its tokens (sent with the next render); returns the id.
        In confidential mode Python refreshes at once, and the component stores the new sealed
        session."""
        if self.config.confidential and self.state["held"] is not None:
            self._refresh_held(force=True)
        return self._command("refresh")

    # --- confidential mode ---------------------------------------------------------------

    def _sealer(self) -> Sealer:
        assert self.config.cookie_secret is not None  # confidential mode requires it
        return Sealer(self.config.cookie_secret, self.config.issuer, self.config.client_id)

    def _answer(self, **answer: Any) -> None:
        state = self.state
        state["sealed_id"] += 1
        state["sealed"] = {"id": state["sealed_id"], **answer}

    def _hold(self, held: confidential.Held, key_id: str) -> None:
        """Keeps a confidential login here, in ``st.session_state``, and its sealed form for
        the component."""
        state = self.state
        changed = state["held"] is None or state["held"].sealed != held.sealed
        state["held"], state["key_id"] = held, key_id
        store_session(st.session_state, held.session)
        if changed:
            self._answer(value=held.sealed, key_id=key_id, user=held.session["user"] or "-",
                         expiry=held.expiry)

    def _drop(self, error: VerificationError, *, drop: bool) -> ComponentEvent:
        self.state["held"] = None
        clear_session(st.session_state)
        self._answer(error={"code": error.code, "message": error.message}, drop=drop)
        return error_event(error.code, error.message, self.key)

    def _end_held(self) -> None:
        """Confidential mode: revokes the refresh token (where the provider can) and forgets
        the login."""
        held = self.state["held"]
        self.state["held"] = None
        if held is not None:
            confidential.revoke(verifier_for(self.config), held)

    def _refresh_held(self, *, force: bool = False) -> ComponentEvent | None:
        """Confidential mode: new tokens shortly before the access token expires (or now, with
        ``force``); an ``onError`` when the login is over."""
        held = self.state["held"]
        if held is None or (not force and not held.needs_refresh(time.time(), REFRESH_MARGIN_S)):
            return None
        try:
            refreshed = confidential.refresh_held(verifier_for(self.config), self._sealer(), held)
        except VerificationError as error:
            if error.code in ("token_request_failed", "discovery_failed") and held.expiry > time.time():
                return error_event(error.code, error.message, self.key)  # try again later
            return self._drop(error, drop=True)
        self._hold(refreshed, self.state["key_id"])
        return None

    def _confidential(self, event: ComponentEvent) -> ComponentEvent | None:
        """Confidential mode's part of an event: the code exchange, a sealed session to open,
        a logout. Returns the event the handler gets, or ``None`` to go on as usual."""
        data = event.data if isinstance(event.data, dict) else {}
        verifier = verifier_for(self.config)
        challenge = self.state["challenge"]
        if event.name == "onActionRequest" and data.get("action") == "exchange":
            try:
                held = confidential.exchange_code(verifier, self._sealer(), data, challenge)
            except VerificationError as error:
                failed = self._drop(error, drop=False)
                return replace(failed, seq=event.seq)
            self._hold(held, _key_id(data))
            # The handler never sees the code or the verifier.
            return replace(event, data={"action": "exchange", "user": held.session["user"]})
        if event.name != "onStatusUpdate":
            return None
        session = data.get("session")
        if data.get("status") == "Logged out":
            self._end_held()
            return None
        if data.get("status") != "Logged in" or not isinstance(session, dict):
            return None
        held = self.state["held"]
        if held is None or held.sealed != session.get("sealed"):
            try:
                held = confidential.open_sealed(verifier, self._sealer(), session, challenge)
            except VerificationError as error:
                if error.code == "binding_stale":
                    raise _StaleProof from None
                drop = error.code.startswith(("sealed_", "binding_")) or error.code == "invalid_nonce"
                return replace(self._drop(error, drop=drop), seq=event.seq)
            self._hold(held, _key_id(session))
        failed = self._refresh_held()
        if failed is not None:
            return replace(failed, seq=event.seq)
        session = _public(st.session_state)
        return replace(event, data=with_original_fields({**data, "session": session}, session, self.hostname))

    def _command(self, name: str) -> int:
        state = self.state
        state["command_id"] = max(state["command_id"] + 1, int(time.time() * 1000))
        state["command"] = {"id": state["command_id"], "name": name}
        return int(state["command_id"])

    def render_args(self, issuer: str) -> dict[str, Any]:
        """The render args for this run (docs/events.md)."""
        c, state = self.config, self.state
        args: dict[str, Any] = {"issuer": issuer, "client_id": c.client_id, "scope": c.scope}
        if c.audience is not None:
            args["audience"] = c.audience
        if c.redirect_uri is not None:
            args["redirect_uri"] = c.redirect_uri
        args.update(heartbeat_s=c.heartbeat_s, events=list(self.events), challenge=state["challenge"],
                    refresh=c.refresh, end_session=c.end_session,
                    ack=state["last_seq"], command=state["command"], **self.size)
        if c.end_session and c.end_session_method != "get":
            args["end_session_method"] = c.end_session_method
        options = {**c.login_options, **self.login_options}
        if state.get("switch_prompt"):
            # After "Switch account": the provider asks who signs in, once.
            options["prompt"] = state["switch_prompt"]
        if options:
            args["login_options"] = options
        if c.confidential:
            args["mode"] = "confidential"
            if state["sealed"] is not None:
                args["sealed"] = state["sealed"]
        # Optional values the app did not set are left out, not sent empty.
        if self.hostname.strip():
            args["hostname"] = self.hostname.strip()
        args["verified"] = verified_arg()
        return args

    def request(self, request: WebRequest, event_handler: EventHandler | None = None,
                timeout_s: float = 10.0) -> WebResponse | None:
        """Make a delegated request with the verified access token.

        Returns
        -------
        WebResponse or None
            ``None`` when it failed: ``event_handler`` then gets an ``onError`` whose data has
            ``code``, ``message``, ``label`` and ``status``.
        """
        token = st.session_state.get("token") if is_logged_in(st.session_state) else None
        try:
            return execute(request, access_token=token["value"] if token else None,
                           api_origins=self.config.api_origins, timeout_s=timeout_s)
        except WebRequestError as error:
            if event_handler is not None:
                event_handler(ComponentEvent("onError", error.data(), self.key))
            return None

    def apply(self, event: ComponentEvent) -> ComponentEvent | None:
        """Act on an allowed event: settle a finished command, verify and store a login or clear
        the session. Returns the event the handler gets: a login's ``session`` replaced by the
        verified one, or an ``onError`` when the data is invalid or verification failed; ``None``
        for a login proven for another Streamlit session's challenge (the component's last value
        sent again after a server restart), which changes nothing: the component proves the
        login for this session's challenge next."""
        if self.config.confidential and _is_exchange(event):
            return self._confidential(event) or event
        if event.name != "onStatusUpdate":
            return event
        data = event.data
        if not isinstance(data, dict) or data.get("status") not in ("Logged in", "Logged out"):
            clear_session(st.session_state)
            return replace(error_event("invalid_event", "onStatusUpdate needs a `status`", self.key), seq=event.seq)
        command, pending = data.get("command"), self.state["command"]
        if data.get("reason") == "command" and isinstance(command, dict) and pending and command.get("id") == pending["id"]:
            self.state["command"] = None
        if self.config.confidential:
            try:
                handled = self._confidential(event)
            except _StaleProof:
                return None
            if handled is not None:
                return handled
        if data["status"] == "Logged out":
            clear_session(st.session_state)
            return replace(event, data=with_original_fields(data, None, self.hostname))
        try:
            session = verify_session(verifier_for(self.config), data.get("session"), self.state["challenge"])
        except VerificationError as error:
            if error.code == "binding_stale":
                return None
            clear_session(st.session_state)
            return replace(error_event(error.code, error.message, self.key), seq=event.seq)
        store_session(st.session_state, session)
        return replace(event, data=with_original_fields({**data, "session": session}, session, self.hostname))


class _StaleProof(Exception):
    """A login proven for another Streamlit session's challenge: nothing to act on yet."""


#: Confidential mode: Python refreshes this long before the access token expires.
REFRESH_MARGIN_S = 30


def _key_id(proof_holder: Mapping[str, Any]) -> str:
    """The thumbprint (base64url) of the browser key in a checked proof."""
    jwk = proof_holder["binding"]["jwk"]
    import base64

    return base64.urlsafe_b64encode(thumbprint(jwk["x"], jwk["y"])).rstrip(b"=").decode()


def _is_exchange(event: ComponentEvent) -> bool:
    return event.name == "onActionRequest" and isinstance(event.data, dict) and event.data.get("action") == "exchange"


def _public(state: Mapping[str, Any]) -> dict[str, Any]:
    return {key: state.get(key) for key in SESSION_KEYS}


def verified_arg() -> dict[str, Any]:
    """The render arg ``verified``: the user Python verified, or ``None``; the component shows a
    logged-in name only from here."""
    return {"user": st.session_state.get("user") if is_logged_in(st.session_state) else None}


def _fingerprint(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=repr).encode()).hexdigest()


def run_component(host: ComponentHost, event_handler: EventHandler | None = None, *,
                  report: bool = False) -> list[ComponentEvent]:
    """Render the component and handle what it sent since the last run.

    Events are handled once: those with a ``seq`` not greater than the last handled one
    (reruns return the same value) are skipped; backlog entries come first. A value that is
    not a valid envelope gives one ``onError`` (``invalid_event`` or ``value_too_large``) and
    clears the session. An expired session is cleared before anything else.

    Parameters
    ----------
    host : ComponentHost
    event_handler : callable or None
        Called with each event, in order.
    report : bool
        Print a report of each event (tokens redacted), as the original ``print_report``.

    Returns
    -------
    list of ComponentEvent
        The events handled in this run.
    """
    import streamlit_component as package

    state = st.session_state
    if any(key not in state for key in SESSION_KEYS):
        clear_session(state)
    private = host.state
    handled: list[ComponentEvent] = []
    refresh_failure = host._refresh_held() if host.config.confidential else None
    expire_session(state)
    if is_logged_in(state):
        private["switch_prompt"] = None  # used up by the login that followed "Switch account"

    def dispatch(event: ComponentEvent) -> None:
        handled.append(event)
        if report:
            print_report(event)
        if event_handler is not None:
            event_handler(event)

    try:
        issuer = verifier_for(host.config).issuer
    except VerificationError as error:
        clear_session(state)
        st.error(f"Login is unavailable: {error.message}")
        if private["failure"] != error.code:
            private["failure"] = error.code
            dispatch(error_event(error.code, error.message, host.key))
        return handled
    private["failure"] = None
    if refresh_failure is not None:
        dispatch(refresh_failure)
    args = host.render_args(issuer)
    value = package.login(key=host.key, default=host.initial_state, **args)
    try:
        events = fresh(parse_envelope(value), private["last_seq"])
        private["rejected"] = None
    except EventError as error:
        fingerprint = _fingerprint(value)
        if private["rejected"] != fingerprint:
            private["rejected"] = fingerprint
            clear_session(state)
            dispatch(error_event(error.code, error.message, host.key))
        return handled
    for event in events:
        private["last_seq"] = event.seq
        # A code exchange is the login itself, whatever events the app listens to.
        exchange = host.config.confidential and _is_exchange(event)
        applied = host.apply(event if exchange else allow(event, host.events))
        if applied is not None:
            dispatch(allow(applied, host.events) if exchange else applied)
    if verified_arg() != args["verified"] or args.get("sealed") != private["sealed"]:
        # The component shows the name only once told, and keeps a new sealed session only
        # once given it: tell it now, not at the next rerun.
        st.rerun()
    return handled


def require_login(config: AuthConfig | Mapping[str, Any] | None = None, *, key: str = "login",
                  section: str = "auth", provider: str | None = None, event_handler: EventHandler | None = None,
                  report: bool = False, allow: Access | Callable[[Mapping[str, Any]], bool] | None = None,
                  **props: Any) -> ComponentHost:
    """Render the login component and stop the script until a verified login that the access
    rules let in.

    Call it at the top of every page of a multipage app: the login lives in
    ``st.session_state``, shared by the pages. Nothing here touches ``st.query_params``, and
    the login happens in a popup, so the page's query parameters survive it.

    A logged-in user whom the rules refuse (the configuration's ``required_roles``,
    ``allowed_domains``, ``allowed_emails``, then ``allow``) sees which rule refused them and a
    button to log out (and sign in with another account); the event handler gets one
    ``onError`` with ``code`` ``access_refused``, the ``rule`` and the ``message``.

    Parameters
    ----------
    config : AuthConfig, Mapping or None
        The configuration, or ``None`` to read ``st.secrets[section]``.
    key, section, provider, props
        As for :class:`ComponentHost`.
    event_handler : callable or None
        Gets every event, as with :func:`run_component`.
    report : bool
        Print a report of each event.
    allow : Access, callable or None
        This page's rules (:class:`~streamlit_component.access.Access`), or a function of the
        verified ID-token claims that returns ``True`` to let the user in.

    Returns
    -------
    ComponentHost
        Once logged in and let in, for ``host.logout()``, ``host.refresh()`` and
        ``host.request(...)``.
    """
    page_rules = allow if isinstance(allow, Access) or allow is None else Access(check=allow)
    host = ComponentHost(key, config=config, section=section, provider=provider, **props)
    run_component(host, event_handler, report=report)
    if not is_logged_in(st.session_state):
        st.stop()
    refusal = access_refusal(host.config, page_rules)
    if refusal is not None:
        _refuse(host, refusal, event_handler, report)
        st.stop()
    host.state["refused"] = None
    return host


def access_refusal(config: AuthConfig, page_rules: Access | None = None,
                   state: Mapping[str, Any] | None = None) -> Refusal | None:
    """Why the verified login in ``state`` (``st.session_state`` by default) may not pass the
    configuration's access rules and then ``page_rules``; ``None`` when it may."""
    state = st.session_state if state is None else state
    for rules in (config.access, page_rules):
        if rules is None:
            continue
        claims = state.get("access_claims") if rules.claims_from == "access_token" else state.get("claims")
        refusal = rules.refusal(claims, config.client_id)
        if refusal is not None:
            return refusal
    return None


def _refuse(host: ComponentHost, refusal: Refusal, event_handler: EventHandler | None, report: bool) -> None:
    """The page a logged-in user sees when the rules refuse them, and the app's event (once)."""
    user = st.session_state.get("email") or st.session_state.get("user") or "this account"
    with st.container(border=True):
        st.error(f"You are signed in as {user}, but this page is not open to you: {refusal.message}.")
        logout, switch = st.columns(2)
        logout.button("Log out", key=f"{host.key}.refused.logout", on_click=host.logout)
        switch.button("Switch account", key=f"{host.key}.refused.switch", on_click=host.switch_account)
    seen = (st.session_state.get("user"), refusal.rule, refusal.message)
    if host.state.get("refused") != seen:
        host.state["refused"] = seen
        event = error_event("access_refused", refusal.message, host.key, rule=refusal.rule)
        if report:
            print_report(event)
        if event_handler is not None:
            event_handler(event)
