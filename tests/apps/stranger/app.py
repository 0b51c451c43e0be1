"""An app written only from the README, as a stranger would: the documented public API and an
`[auth]` section with just the required keys (server_metadata_url, client_id, scope)."""

import streamlit as st

from streamlit_component import require_login

st.title("Stranger's app")
require_login()
st.write(f"Hello {st.session_state.user}")
st.write(f"query: {dict(st.query_params)}")
