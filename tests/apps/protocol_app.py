"""Test app: renders the component with a few args and shows the value it sends back."""

import json

import streamlit as st

from streamlit_component import login

st.title("Protocol test app")
value = login(key="component", greeting="hello from pytest", numbers=[1, 2, 3])
st.text(f"component value: {json.dumps(value, sort_keys=True)}")
