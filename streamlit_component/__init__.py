"""A Streamlit login component with a Rust/WebAssembly frontend.

The frontend is shipped inside this package (``frontend/``), so ``pip install`` is all a user
needs. For frontend development, set ``STREAMLIT_COMPONENT_DEV_URL`` to a running
``trunk serve`` (for example ``http://localhost:8080``) and the component is loaded from there
instead.

The Python API around it (see the README): :func:`require_login` gates a page until a verified
login; :class:`ComponentHost` and :func:`run_component` render the component and hand its
events to a handler; :class:`AuthConfig` reads the configuration; :class:`TokenVerifier` checks
tokens; :class:`WebRequest` describes a delegated request made with the verified token.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import streamlit.components.v1 as components

from . import config as _config
from .access import Access, Refusal
from .config import AuthConfig, ConfigError
from .events import ComponentEvent, print_report
from .host import ComponentHost, EventHandler, access_refusal, require_login, run_component
from .session import is_logged_in
from .verify import TokenVerifier, VerificationError
from .webrequest import WebRequest, WebRequestError, WebResponse

__all__ = [
    "COMPONENT_NAME",
    "Access",
    "DEFAULT_EVENTS",
    "DEV_URL_ENV",
    "AuthConfig",
    "ComponentEvent",
    "ComponentHost",
    "ConfigError",
    "EventHandler",
    "Refusal",
    "TokenVerifier",
    "VerificationError",
    "WebRequest",
    "WebRequestError",
    "WebResponse",
    "access_refusal",
    "frontend_dir",
    "is_logged_in",
    "login",
    "print_report",
    "require_login",
    "run_component",
]

#: The events the component may send when the app names none.
DEFAULT_EVENTS: list[str] = list(_config.DEFAULT_EVENTS)

#: The component's name. Declared in this module, Streamlit registers it as
#: ``streamlit_component.login`` and serves the packaged build at
#: ``/component/streamlit_component.login/index.html``.
COMPONENT_NAME = "login"

#: Environment variable that points the component at a running ``trunk serve``.
DEV_URL_ENV = "STREAMLIT_COMPONENT_DEV_URL"


def frontend_dir() -> Path:
    """The packaged frontend build (``index.html``, the JavaScript glue and the wasm)."""
    return Path(__file__).resolve().parent / "frontend"


def _declare() -> Any:
    """Declares the component on the packaged build, or on the dev server when one is set."""
    dev_url = os.environ.get(DEV_URL_ENV, "").strip()
    if dev_url:
        return components.declare_component(COMPONENT_NAME, url=dev_url)
    build = frontend_dir()
    if not (build / "index.html").is_file():
        raise RuntimeError(
            f"the component's frontend build is missing at {build}: run `make build` in the "
            f"source tree, or set {DEV_URL_ENV} to a running `trunk serve`"
        )
    return components.declare_component(COMPONENT_NAME, path=str(build))


#: The declared component, made on first use: importing the package (an API server that only
#: wants the token verifier, say) declares nothing.
_component_func: Any = None


def login(*, key: str | None = None, default: Any = None, **args: Any) -> Any:
    """Render the component and return the last value it sent.

    Parameters
    ----------
    key : str or None
        Streamlit widget key; give one when the component appears more than once on a page.
    default : Any
        Returned until the component has sent a value.
    **args : Any
        JSON-serialisable keyword arguments, sent to the frontend in each render message.

    Returns
    -------
    Any
        The JSON value the component last sent with ``streamlit:setComponentValue``, or
        ``default``.
    """
    global _component_func
    if _component_func is None:
        _component_func = _declare()
    return _component_func(key=key, default=default, **args)
