"""Test app: the raw component (`streamlit_component.login`) with args from LOGIN_ARGS (JSON);
shows the last event the component sent, as Python received it."""

import json
import os

import streamlit as st

from streamlit_component import login

st.title("Login test app")
value = login(key="login", **json.loads(os.environ.get("LOGIN_ARGS", "{}")))
if value is None:
    st.text("no event yet")
else:
    data = value["data"]
    st.text(f"event {value['name']} from {value['source']}")
    if value["name"] == "onStatusUpdate":
        user = (data.get("session") or {}).get("user")
        st.text(f"status {data['status']} ({data['reason']}) user {user}")
    elif value["name"] == "onError":
        st.text(f"error {data['code']}: {data['message']}")
