"""Access rules as the README shows them: `[auth]` says who may use the app at all
(`allowed_domains`), and this page lets in the Keycloak-style `admin` role only."""

import streamlit as st

from streamlit_component import Access, require_login

st.title("Admins' page")
events = st.session_state.setdefault("events", [])
shown = st.empty()


def show(event):
    events.append(f"{event.name} {event.data.get('code', '')} {event.data.get('rule', '')}".strip())
    shown.write("events: " + " | ".join(events))


shown.write("events: " + " | ".join(events))
require_login(allow=Access(roles=["admin"], roles_claim="keycloak"), event_handler=show)
st.write(f"Welcome, admin {st.session_state.user}")
