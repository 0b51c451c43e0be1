"""Second page of the multipage test app, behind the same gate."""

import streamlit as st

from streamlit_component import require_login

require_login(event_handler=lambda event: st.session_state.setdefault("seen", []).append(event))
st.markdown(f"Reports for {st.session_state.email}")
