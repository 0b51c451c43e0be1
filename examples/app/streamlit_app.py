"""Demo app: the component in a real Streamlit app.

Until the login flow lands, the component shows what Streamlit sends it (render args, theme,
disabled) and can send its args back; this page shows that value as Python receives it.
"""

import streamlit as st

from streamlit_component import login

st.set_page_config(page_title="streamlit_component demo")
st.title("streamlit_component demo")
st.write(
    "The component below speaks Streamlit's component protocol v1 from Rust/WebAssembly. "
    "Edit the args, press **Send to Python** in the component, and the value comes back here."
)

hostname = st.text_input("hostname arg", value="demo.local")
value = login(key="login", hostname=hostname, note="args are sent in every render message")

st.subheader("Value received by Python")
if value is None:
    st.info("Nothing yet: press **Send to Python** in the component.")
else:
    st.json(value)
