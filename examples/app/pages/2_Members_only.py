"""A page only logged-in users can open: ``require_login()`` renders the login component and stops
the script until Python has verified a login."""

from __future__ import annotations

import streamlit as st

from demo_ui import debug_panel, record_event, sidebar
from streamlit_component import is_logged_in, require_login

st.set_page_config(page_title="Members only · streamlit_component demo", page_icon=":material/lock:")
st.title("Members only")
refusal = st.empty()
if not is_logged_in():
    refusal.warning("This page is only for logged-in users: log in with the component below.")
host = require_login(event_handler=record_event)  # st.stop()s here until a verified login
refusal.empty()

sidebar(host)
st.success(f"Welcome, {st.session_state.user}: only logged-in users see this page.")
st.markdown(f"Your access token's scopes: {' '.join(f'`{s}`' for s in st.session_state.scopes) or 'none'}")
debug_panel()
