"""Multipage test app: every page starts with the login gate (config from st.secrets["auth"])."""

import streamlit as st

from streamlit_component import require_login

require_login(event_handler=lambda event: st.session_state.setdefault("seen", []).append(event))
st.markdown(f"Home for {st.session_state.user}")
st.markdown(f"query: {dict(st.query_params)}")
