"""A page for one role only: ``require_login(allow=Access(...))`` lets in the logged-in users whose
verified ID token carries the role (here Keycloak's ``realm_access.roles`` shape, which the
local provider's users have: alice is an admin, bob is not). Anyone else sees which rule
refused them, with buttons to log out or switch account."""

from __future__ import annotations

import streamlit as st

from demo_ui import debug_panel, record_event, sidebar
from streamlit_component import Access, require_login

st.set_page_config(page_title="Admins only · streamlit_component demo", page_icon=":material/shield_person:")
st.title("Admins only")
host = require_login(allow=Access(roles=["admin"], roles_claim="keycloak"), event_handler=record_event)

sidebar(host)
st.success(f"Welcome, {st.session_state.user}: your login has the admin role.")
debug_panel()
