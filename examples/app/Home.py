"""The demo's home page: the login component, and once logged in the identity Python verified.

Run it with ``make demo`` (the local provider, the API and this app), or on its own with
``streamlit run examples/app/Home.py`` and the settings in ``.streamlit/secrets.toml``.
"""

from __future__ import annotations

import datetime

import streamlit as st

from demo_ui import debug_panel, local_test_users, login_component, sidebar
from streamlit_component import is_logged_in

st.set_page_config(page_title="streamlit_component demo", page_icon=":material/lock:")
st.title("streamlit_component demo")
st.markdown(
    "A login component for Streamlit: OpenID Connect with PKCE in a popup, run by a "
    "Rust/WebAssembly frontend. Python verifies the tokens before anything reaches "
    "`st.session_state`, then calls an API with the access token (page **Call API**). "
    "The page **Members only** opens only while you are logged in; **Admins only** lets in "
    "the admin role (alice)."
)

host = login_component()
sidebar(host)

if is_logged_in():
    state = st.session_state
    claims = state.claims or {}
    expiry = datetime.datetime.fromtimestamp(state.token["expiry"], datetime.timezone.utc)
    with st.expander(f"{state.user} ({state.email})", expanded=True):
        st.markdown(
            f"- **Name:** {state.user}\n"
            f"- **Email:** {state.email}\n"
            f"- **Subject:** `{claims.get('sub')}`\n"
            f"- **Issuer:** `{claims.get('iss')}`\n"
            f"- **Scopes of the access token:** {' '.join(f'`{s}`' for s in state.scopes) or 'none'}\n"
            f"- **Access token valid till:** {expiry:%Y-%m-%d %H:%M:%S} UTC"
        )
        st.caption("Verified by Python: signatures against the provider's keys, issuer, audience, "
                   "expiry, and this browser's login key signing the challenge this server sent. "
                   "The ID token's claims:")
        st.json(claims, expanded=False)
else:
    hint = " Local test users: `alice` / `alice-password`, `bob` / `bob-password`." if local_test_users() else ""
    st.info(f"You are logged out. Click **Click to login...** above and sign in at the provider.{hint}")

debug_panel()
