"""An event handler written for the original login component runs unchanged: it reads the
original `onStatusUpdate` fields (`hostname`, `message`, `isError`, `error`, `sessioninfo`),
which the Python host fills from the verified login only.

Run it with an `[auth]` section in `.streamlit/secrets.toml` (as in the README):

    streamlit run examples/original_events.py
"""

import datetime

import streamlit as st

from streamlit_component import ComponentEvent, ComponentHost, run_component


def on_event(event: ComponentEvent) -> None:
    """The original component's handler: one line about the login, kept in the session."""
    if event.name != "onStatusUpdate":
        return
    data = event.data
    if data["isError"]:
        st.session_state["login_line"] = f"{data['hostname']}: {data['error']}"
    elif data["sessioninfo"] is None:
        st.session_state["login_line"] = f"{data['hostname']}: {data['message']}"
    else:
        user, token = data["sessioninfo"]["user"], data["sessioninfo"]["token"]
        until = datetime.datetime.fromtimestamp(token["expiry"], datetime.timezone.utc)
        st.session_state["login_line"] = (f"{data['hostname']}: {data['message']} as {user['name']} "
                                          f"({user['email']}, subject {user['sub']}), token valid till "
                                          f"{until:%Y-%m-%d %H:%M:%S} UTC")


st.title("Original event shape")
run_component(ComponentHost("login"), on_event)
st.write(st.session_state.get("login_line", "no status yet"))
