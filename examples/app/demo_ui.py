"""What the demo's pages share: the login component, the sidebar (who is logged in, the logout
button, the "debug info" switch), the log of events received, and the API's URL.

Every page renders the component with the same key, so the login is one login across pages:
the verified identity lives in ``st.session_state`` (``user``, ``email``, ``token``, ``claims``,
``scopes``), set only after Python has verified the tokens. The configuration is
``st.secrets["auth"]``; ``st.secrets["demo"]["api_url"]`` says where the demo API is.
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from streamlit_component import AuthConfig, ComponentEvent, ComponentHost, is_logged_in, run_component
from streamlit_component.events import redacted

__all__ = ["LOGIN_KEY", "api_url", "debug_panel", "login_component", "record_event", "sidebar"]

#: The component's key on every page (and the ``source`` of its events).
LOGIN_KEY = "login"
#: Where the events received are kept in ``st.session_state``.
EVENTS_KEY = "demo_events"
#: How many events the log keeps.
MAX_EVENTS = 20


def record_event(event: ComponentEvent) -> None:
    """Keep ``event`` for the "debug info" panel, its tokens redacted."""
    log: list[dict[str, Any]] = st.session_state.setdefault(EVENTS_KEY, [])
    log.append({"received": time.strftime("%H:%M:%S"), "name": event.name, "source": event.source,
                "seq": event.seq, "data": redacted(event.data)})
    del log[:-MAX_EVENTS]


def login_component() -> ComponentHost:
    """Render the login component and handle what it sent (each event is logged)."""
    host = ComponentHost(LOGIN_KEY)
    run_component(host, record_event)
    return host


def sidebar(host: ComponentHost) -> None:
    """Who is logged in and a logout button that sends the logout command to the component."""
    with st.sidebar:
        if host.config.confidential:
            st.caption("Mode: **confidential** — Python exchanges the code and keeps the tokens; "
                       "the browser holds a sealed session")
        else:
            st.caption("Mode: **public client** — the browser exchanges the code; Python verifies")
        if is_logged_in():
            st.markdown(f"Logged in as **{st.session_state.user}**")
            st.button("Log out", key="logout", on_click=host.logout,
                      help="Clears the login in Python and tells the component to log out")
        else:
            st.markdown("Logged out")


def debug_panel() -> None:
    """The "debug info" switch (sidebar) and, when on, the events received (tokens redacted)."""
    if st.sidebar.checkbox("debug info", key="debug_info"):
        events = st.session_state.get(EVENTS_KEY, [])
        st.subheader("Events received")
        if events:
            st.json(list(reversed(events)), expanded=True)
        else:
            st.caption("No event yet.")


def api_url(path: str) -> str:
    """The demo API's URL for ``path`` (``/ping``…): ``[demo] api_url`` from the secrets, else the
    first of ``[auth] api_origins`` followed by ``/api``."""
    demo = st.secrets.get("demo", {})
    base = demo.get("api_url") if hasattr(demo, "get") else None
    if not base:
        origins = AuthConfig.from_secrets().api_origins
        if not origins:
            raise RuntimeError("set [demo] api_url or [auth] api_origins in the secrets")
        base = f"{origins[0]}/api"
    return f"{str(base).rstrip('/')}{path}"


def local_test_users() -> bool:
    """Whether the app uses a provider on this machine (then the local test users apply)."""
    issuer: str = AuthConfig.from_secrets().issuer
    return issuer.startswith(("http://localhost:", "http://127.0.0.1:"))
