"""Bench app for the popup timing (benches/popup.py): this component (the raw `login()`) against
the local provider given in BENCH_ISSUER."""

import os

import streamlit as st

from streamlit_component import login

st.title("Popup bench app")
login(key="login", issuer=os.environ["BENCH_ISSUER"], client_id="streamlit-demo", hostname="bench")
