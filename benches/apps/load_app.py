"""The load bench's app (benches/load.py): the documented public API only. Config from
LOAD_CONFIG (JSON); the verified user, the token's tail, a call to the demo API's secure endpoint
whose answer names the token's subject, and every onError."""

import json
import os

import streamlit as st

from streamlit_component import ComponentHost, WebRequest, run_component

st.title("Load app")
host = ComponentHost("login", config=json.loads(os.environ["LOAD_CONFIG"]))
errors = st.session_state.setdefault("errors", [])


def on_event(event):
    if event.name == "onError":
        errors.append(str(event.data.get("code")))


run_component(host, on_event)
if st.session_state.user:
    st.text(f"verified: {st.session_state.email}")
    if st.button("Call API"):
        answer = host.request(WebRequest("pong", "GET", os.environ["LOAD_API"] + "/pong", useauth=True), on_event)
        st.text(f"api: {answer.data['sub'] if answer is not None else 'failed'}")
else:
    st.text("verified: nobody")
st.text("errors: " + " ".join(errors))
