"""A Streamlit login component with a Rust/WebAssembly frontend.

The frontend is shipped inside this package (``frontend/``), so ``pip install`` is all a user
needs. For frontend development, set ``STREAMLIT_COMPONENT_DEV_URL`` to a running
``trunk serve`` (for example ``http://localhost:8080``) and the component is loaded from there
instead.
"""

from __future__ import annotations

from ._declare import COMPONENT_NAME, DEV_URL_ENV, frontend_dir, login

__all__ = ["COMPONENT_NAME", "DEV_URL_ENV", "frontend_dir", "login"]
