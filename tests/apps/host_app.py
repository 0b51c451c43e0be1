"""Test app for the Python host: config from HOST_CONFIG (JSON), verified identity shown from
st.session_state, every event listed, and a logout button that sends the logout command."""

import json
import os

import streamlit as st

from streamlit_component import ComponentHost, run_component

st.title("Host test app")
host = ComponentHost("login", config=json.loads(os.environ["HOST_CONFIG"]))
st.button("Log out from Python", on_click=host.logout)
st.button("Refresh from Python", on_click=host.refresh)
st.button("Rerun")
seen = st.session_state.setdefault("seen", [])


def describe(event):
    """One line per event: name, status or code, and a command's result."""
    command = event.data.get("command")
    outcome = f" command {command['name']} ok={command['ok']}" if command else ""
    return f"{event.name} {event.data.get('code') or event.data.get('status')}{outcome}"


run_component(host, lambda event: seen.append(describe(event)))
if st.session_state.user:
    st.text(f"verified: {st.session_state.user} <{st.session_state.email}> scopes {' '.join(st.session_state.scopes)}")
    st.text(f"token ends {st.session_state.token['value'][-12:]}")
else:
    st.text("verified: nobody")
st.text("events: " + " | ".join(seen))
st.text(f"server process {os.getpid()}")
