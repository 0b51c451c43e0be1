"""Delegated requests (the original component's ``WebRequest`` action), made by Python with the
verified access token.

The token is only ever sent to an origin listed in ``api_origins`` (exact
``scheme://host:port``); redirects are not followed, so it cannot be carried elsewhere.
``auth_kind`` says how it is sent:

- ``"BEARER"``: the header ``Authorization: Bearer <access token>`` (RFC 6750 §2.1).
- ``"ACCESSTOKEN"``: the field ``access_token`` in the JSON body of a ``POST`` (next to
  ``data``'s own fields), as the original's API read it. A ``GET`` cannot carry it: tokens never
  go into URLs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import requests

from ._http import is_timeout, read_limited
from .config import origin_of

__all__ = ["MAX_RESPONSE_BYTES", "WebRequest", "WebRequestError", "WebResponse", "execute"]

#: Largest response body read, in bytes.
MAX_RESPONSE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class WebRequest:
    """A request for Python to make.

    Attributes
    ----------
    label : str
        Names the request in results and errors.
    type : {"GET", "POST"}
        The method.
    url : str
        An http(s) URL.
    headers : Mapping
        Extra headers (an ``Authorization`` header here is replaced by the bearer token).
    data : Any
        ``GET``: query parameters (a mapping); ``POST``: the JSON body.
    useauth : bool
        Send the verified access token.
    auth_kind : {"BEARER", "ACCESSTOKEN"}
        How the token is sent (see the module's documentation).
    """

    label: str
    type: Literal["GET", "POST"]
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    data: Any = None
    useauth: bool = False
    auth_kind: Literal["BEARER", "ACCESSTOKEN"] = "BEARER"

    def __post_init__(self) -> None:
        if self.type not in ("GET", "POST"):
            raise ValueError("WebRequest.type must be 'GET' or 'POST'")
        if self.auth_kind not in ("BEARER", "ACCESSTOKEN"):
            raise ValueError("WebRequest.auth_kind must be 'BEARER' or 'ACCESSTOKEN'")
        if origin_of(self.url) is None:
            raise ValueError("WebRequest.url must be an http(s) URL without user info")
        if self.type == "GET" and self.data is not None and not isinstance(self.data, Mapping):
            raise ValueError("WebRequest.data of a GET must be a mapping of query parameters")
        if self.useauth and self.auth_kind == "ACCESSTOKEN" and (
            self.type != "POST" or not isinstance(self.data, (Mapping, type(None)))
        ):
            raise ValueError("auth_kind 'ACCESSTOKEN' needs a POST whose data is a mapping (or None)")


@dataclass(frozen=True)
class WebResponse:
    """A 2xx answer: ``data`` is the parsed JSON body, or its text when it is not JSON."""

    label: str
    status: int
    data: Any


class WebRequestError(Exception):
    """A delegated request failed.

    Attributes
    ----------
    code : str
        ``origin_not_allowed``, ``not_logged_in``, ``request_timeout``, ``request_failed``,
        ``http_error`` or ``response_too_large``.
    message : str
        For people; never contains the token.
    label : str
        The request's label.
    status : int or None
        The HTTP status, when there was an answer.
    body : Any
        The answer's body (JSON when it is JSON, else text, at most ``MAX_ERROR_BODY``
        characters) for an ``http_error``, so the page can show the API's own message.
    """

    def __init__(self, code: str, message: str, label: str, status: int | None = None,
                 body: Any = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.label, self.status, self.body = code, message, label, status, body

    def data(self) -> dict[str, Any]:
        """The ``data`` of the matching ``onError`` event."""
        return {"code": self.code, "message": self.message, "label": self.label, "status": self.status,
                "body": self.body}


#: Most characters of an error answer's text body kept in :attr:`WebRequestError.body`.
MAX_ERROR_BODY = 2000


def _decode(body: bytes, content_type: str, encoding: str) -> Any:
    """The body as JSON when it says it is JSON and parses, else as text."""
    text = body.decode(encoding, errors="replace")
    if "json" in content_type:
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


def execute(request: WebRequest, *, access_token: str | None, api_origins: Sequence[str],
            timeout_s: float = 10.0, session: requests.Session | None = None) -> WebResponse:
    """Make ``request``.

    Parameters
    ----------
    request : WebRequest
    access_token : str or None
        The verified access token; required when ``request.useauth``.
    api_origins : sequence of str
        Origins the token may be sent to (``AuthConfig.api_origins``).
    timeout_s : float
        Connect and read timeout, each.
    session : requests.Session or None
        Connection reuse, if wanted.

    Returns
    -------
    WebResponse

    Raises
    ------
    WebRequestError
        Before any request when the token would go to an origin not allowed or there is no
        token; after it on a timeout, a network failure, a non-2xx status or a too large body.
    """
    headers = dict(request.headers)
    data = request.data
    if request.useauth:
        allowed = {origin_of(origin) for origin in api_origins}
        if origin_of(request.url) not in allowed:
            raise WebRequestError("origin_not_allowed", "the URL's origin is not in api_origins", request.label)
        if not access_token:
            raise WebRequestError("not_logged_in", "there is no verified access token", request.label)
        if request.auth_kind == "BEARER":
            headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            headers["Authorization"] = f"Bearer {access_token}"
        else:
            data = {**(data or {}), "access_token": access_token}
    http = session or requests.Session()
    try:
        kwargs: dict[str, Any] = {"params": data} if request.type == "GET" else {"json": data}
        with http.request(request.type, request.url, headers=headers, timeout=(timeout_s, timeout_s),
                          allow_redirects=False, stream=True, **kwargs) as response:
            body = read_limited(response, MAX_RESPONSE_BYTES)
            status, content_type = response.status_code, response.headers.get("content-type", "")
            encoding = response.encoding or "utf-8"
    except requests.RequestException as error:
        if is_timeout(error):
            raise WebRequestError("request_timeout", f"no answer within {timeout_s} s", request.label) from None
        if isinstance(error, requests.exceptions.SSLError):
            raise WebRequestError("request_failed", f"the TLS connection to {origin_of(request.url)} failed "
                                  "(certificate or protocol)", request.label) from None
        if isinstance(error, requests.ConnectionError):
            raise WebRequestError("request_failed", f"{origin_of(request.url)} cannot be reached: the server is down "
                                  "or the address is wrong", request.label) from None
        raise WebRequestError("request_failed", f"the request failed ({type(error).__name__})", request.label) from None
    finally:
        if session is None:
            http.close()
    too_large = len(body) > MAX_RESPONSE_BYTES
    if not 200 <= status < 300:
        answer = None if too_large else _decode(body, content_type, encoding)
        if isinstance(answer, str):
            answer = answer[:MAX_ERROR_BODY]
        raise WebRequestError("http_error", f"the server answered HTTP {status}", request.label, status, answer)
    if too_large:
        raise WebRequestError("response_too_large", f"the answer is larger than {MAX_RESPONSE_BYTES} bytes",
                              request.label, status)
    return WebResponse(request.label, status, _decode(body, content_type, encoding))
