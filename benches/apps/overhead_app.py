"""Bench app for Streamlit's AppTest (in the bench's own process): a logged-in page as
`require_login` runs it, timed with `perf_counter_ns`: `ComponentHost(...)` from a config dict,
then `run_component`. The bench wraps the declared component so that Streamlit's call runs as
usual and returns a login envelope whose ID token carries this session's nonce (made once,
before the timed part), as the frontend would."""

import time

import streamlit as st

import overhead  # benches/overhead.py: the fake provider's config and tokens
from streamlit_component import ComponentHost, is_logged_in, run_component

if "bench_runs" not in st.session_state:
    st.session_state.bench_runs = []
    overhead.APP["value"] = overhead.APP["envelope"](ComponentHost("login", config=overhead.APP["config"]).state["nonce"])

start = time.perf_counter_ns()
host = ComponentHost("login", config=overhead.APP["config"])
events = run_component(host)
elapsed = time.perf_counter_ns() - start
st.session_state.bench_runs.append({"ns": elapsed, "events": len(events), "logged_in": is_logged_in()})
