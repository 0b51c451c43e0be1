"""Login options as the README shows them: the `[auth]` section's, and this page's own
(`login_options=`, read from the LOGIN_OPTIONS environment variable as JSON for the test)."""

import json
import os

import streamlit as st

from streamlit_component import require_login

require_login(login_options=json.loads(os.environ.get("LOGIN_OPTIONS", "{}")))
st.write(f"Hello {st.session_state.user}")
