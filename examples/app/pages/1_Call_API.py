"""Calls the demo API through a delegated WebRequest: Python makes the request, with the verified
access token as a bearer token for the secure endpoints."""

from __future__ import annotations

from typing import Any

import streamlit as st

from demo_ui import api_url, debug_panel, login_component, record_event, sidebar
from streamlit_component import ComponentEvent, WebRequest, WebResponse, is_logged_in

st.set_page_config(page_title="Call API · streamlit_component demo", page_icon=":material/lock:")
st.title("Call the API")
host = login_component()
sidebar(host)

st.markdown(
    "Python makes each call itself (a delegated `WebRequest`), so the token never travels "
    "through the browser. The secure endpoints need a valid access token with the right scope: "
    "logged out, the call goes without one and the API refuses it with **401**."
)

errors: list[dict[str, Any]] = []


def on_error(event: ComponentEvent) -> None:
    """A failed call: logged like any event and shown below."""
    record_event(event)
    errors.append(event.data)


def show(response: WebResponse | None) -> None:
    """The answer of a call, or why it failed."""
    if response is not None:
        st.success(f"`{response.label}`: HTTP {response.status}")
        st.json(response.data)
    for error in errors:
        st.error(f"`{error.get('label')}` failed: {error.get('message')} ({error.get('code')})")
        if error.get("body") is not None:
            st.json(error["body"])  # the API's own answer: its error code and description
    errors.clear()


choice = st.radio("API call", ["Do nothing", "Call public API", "Call secure API"], horizontal=True)
if choice == "Call public API":
    show(host.request(WebRequest("GET /api/ping", "GET", api_url("/ping")), on_error))
elif choice == "Call secure API":
    if not is_logged_in():
        st.caption("Logged out: the call goes without a token.")
    show(host.request(WebRequest("GET /api/pong", "GET", api_url("/pong"), useauth=is_logged_in()), on_error))

st.subheader("Solve a·x² + b·x + c = 0")
st.caption("`POST /api/solve`: the access token needs the scope `write:solve`.")
a_col, b_col, c_col = st.columns(3)
a = a_col.number_input("a", value=1.0, step=1.0)
b = b_col.number_input("b", value=-3.0, step=1.0)
c = c_col.number_input("c", value=2.0, step=1.0)
if st.button("Solve"):
    show(host.request(WebRequest("POST /api/solve", "POST", api_url("/solve"), data={"a": a, "b": b, "c": c},
                                 useauth=is_logged_in()), on_error))

debug_panel()
