"""Small helpers for the HTTP requests Python makes (discovery, JWKS, delegated requests)."""

from __future__ import annotations

import requests
import urllib3


def read_limited(response: requests.Response, limit: int) -> bytes:
    """The body of a streamed ``response``, stopping once it has more than ``limit`` bytes
    (so ``len(result) > limit`` means too large). Errors are ``requests`` exceptions."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)


def is_timeout(error: requests.RequestException) -> bool:
    """Whether ``error`` is a timeout, also one met while reading a streamed body."""
    cause = error.args[0] if error.args else None
    return isinstance(error, requests.Timeout) or isinstance(cause, urllib3.exceptions.ReadTimeoutError)
