"""Bench app: this component (the raw `login()`), with an issuer nothing listens at: the component
shows its logged-out line without contacting the provider."""

import os

import streamlit as st

from streamlit_component import login

st.title("Bench app")
login(key="login", issuer=os.environ["BENCH_ISSUER"], client_id="bench-client", hostname="bench")
