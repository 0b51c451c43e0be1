"""Bench app: streamlit-oauth's frontend build (from its wheel, path in BENCH_OAUTH_BUILD), declared
here without importing streamlit_oauth (whose dependencies need not be installed), rendered with
the args its Python wrapper sends so that it shows its button."""

import os

import streamlit as st
import streamlit.components.v1 as components

oauth_peer = components.declare_component("oauth_peer", path=os.environ["BENCH_OAUTH_BUILD"])

st.title("Bench app")
issuer = os.environ["BENCH_ISSUER"]
oauth_peer(
    key="login",
    authorization_url=f"{issuer}/authorize?response_type=code&client_id=bench-client&state=bench",
    name="Click to login...",
    popup_height=800,
    popup_width=600,
    icon=None,
    use_container_width=False,
    auto_click=False,
)
