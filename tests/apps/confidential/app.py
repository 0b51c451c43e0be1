"""Confidential mode from an `[auth]` section written for st.login (the secrets file is the
test's): the documented public API only. It shows who is verified, a fingerprint of the
server-held access token (never the token), every event, and a delegated request."""

import hashlib
import os

import streamlit as st

from streamlit_component import WebRequest, require_login

st.title("Confidential app")
seen = st.session_state.setdefault("seen", [])


def describe(event):
    data = event.data if isinstance(event.data, dict) else {}
    return f"{event.name} {data.get('code') or data.get('status') or data.get('action')}"


host = require_login(provider=os.environ.get("AUTH_PROVIDER") or None, event_handler=lambda e: seen.append(describe(e)))
st.text(f"verified: {st.session_state.user}")
st.text("access token #" + hashlib.sha256(st.session_state.token["value"].encode()).hexdigest()[:12])
st.button("Log out", on_click=host.logout)
if st.button("Call the API"):
    response = host.request(WebRequest("api", "GET", os.environ["API_URL"], useauth=True),
                            lambda e: seen.append(describe(e)))
    st.text(f"api: {response.status if response else 'failed'} {response.data.get('sub') if response else ''}")
st.text("events: " + " | ".join(seen))
