"""Delegated requests against a local HTTP server: the token goes only to allowed origins, in the
way auth_kind says; timeouts, network failures and non-2xx answers become errors (onError)."""

from __future__ import annotations

import json
import time

import pytest

from api_kit import api_server
from conftest import free_port
from streamlit_component.webrequest import WebRequest, WebRequestError, execute

TOKEN = "access-token-for-the-api"


@pytest.fixture
def api():
    with api_server() as served:
        yield served


def test_bearer_sets_the_authorization_header(api):
    origin, received = api
    request = WebRequest("chart", "GET", f"{origin}/chart", headers={"authorization": "Basic spoofed"},
                         data={"n": "3"}, useauth=True)
    response = execute(request, access_token=TOKEN, api_origins=[origin])
    assert (response.label, response.status) == ("chart", 200)
    assert response.data["authorization"] == f"Bearer {TOKEN}"
    assert response.data["path"] == "/chart?n=3"
    assert [h for h in received[0]["headers"] if h.lower() == "authorization"] == ["Authorization"]


def test_accesstoken_puts_the_token_in_the_post_body_never_the_url(api):
    origin, received = api
    request = WebRequest("solve", "POST", f"{origin}/solve", data={"x": 1}, useauth=True, auth_kind="ACCESSTOKEN")
    response = execute(request, access_token=TOKEN, api_origins=[origin])
    assert response.data["body"] == {"x": 1, "access_token": TOKEN}
    assert response.data["authorization"] is None
    assert TOKEN not in received[0]["path"]
    with pytest.raises(ValueError, match="ACCESSTOKEN"):
        WebRequest("bad", "GET", f"{origin}/x", useauth=True, auth_kind="ACCESSTOKEN")


def test_without_useauth_no_token_is_sent(api):
    origin, received = api
    response = execute(WebRequest("public", "GET", f"{origin}/x"), access_token=TOKEN, api_origins=[])
    assert response.data["authorization"] is None and TOKEN not in json.dumps(received)


@pytest.mark.parametrize("allowed", [[], ["http://localhost:{port}"], ["https://127.0.0.1:{port}"],
                                     ["http://127.0.0.1:{other}"], ["http://127.0.0.1"]])
def test_a_disallowed_origin_is_refused_without_a_request(api, allowed):
    origin, received = api
    port = origin.rsplit(":", 1)[1]
    api_origins = [a.format(port=port, other=int(port) + 1) for a in allowed]
    with pytest.raises(WebRequestError) as error:
        execute(WebRequest("x", "GET", f"{origin}/x", useauth=True), access_token=TOKEN, api_origins=api_origins)
    assert error.value.code == "origin_not_allowed"
    assert received == []
    assert error.value.data()["code"] == "origin_not_allowed" and TOKEN not in str(error.value)


def test_no_token_means_no_request(api):
    origin, received = api
    with pytest.raises(WebRequestError) as error:
        execute(WebRequest("x", "GET", f"{origin}/x", useauth=True), access_token=None, api_origins=[origin])
    assert error.value.code == "not_logged_in" and received == []


def test_a_timeout_is_an_error(api):
    origin, _ = api
    started = time.monotonic()
    with pytest.raises(WebRequestError) as error:
        execute(WebRequest("slow", "GET", f"{origin}/slow", useauth=True), access_token=TOKEN, api_origins=[origin],
                timeout_s=0.3)
    assert error.value.code == "request_timeout" and error.value.status is None
    assert time.monotonic() - started < 1.4


def test_401_is_an_error_with_the_status(api):
    origin, _ = api
    with pytest.raises(WebRequestError) as error:
        execute(WebRequest("me", "GET", f"{origin}/unauthorized", useauth=True), access_token=TOKEN, api_origins=[origin])
    assert (error.value.code, error.value.status, error.value.label) == ("http_error", 401, "me")
    body = {"path": "/unauthorized", "authorization": f"Bearer {TOKEN}", "body": None}
    assert error.value.data() == {"code": "http_error", "message": "the server answered HTTP 401", "label": "me",
                                  "status": 401, "body": body}, "the API's own answer is kept"


def test_redirects_are_not_followed(api):
    origin, received = api
    with pytest.raises(WebRequestError) as error:
        execute(WebRequest("r", "POST", f"{origin}/redirect", data={}, useauth=True, auth_kind="ACCESSTOKEN"),
                access_token=TOKEN, api_origins=[origin])
    assert error.value.status == 302 and len(received) == 1


def test_a_network_failure_is_an_error():
    origin = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(WebRequestError) as error:
        execute(WebRequest("down", "GET", f"{origin}/x", useauth=True), access_token=TOKEN, api_origins=[origin])
    assert error.value.code == "request_failed" and error.value.status is None
    assert str(error.value).endswith(f"{origin} cannot be reached: the server is down or the address is wrong")


@pytest.mark.parametrize("kwargs", [{"type": "PUT"}, {"auth_kind": "BASIC"}, {"url": "ftp://x/"},
                                    {"url": "https://user:pw@api.example/"}, {"data": "a=b"}])
def test_invalid_requests_are_refused_when_made(kwargs):
    with pytest.raises(ValueError):
        WebRequest(**{"label": "x", "type": "GET", "url": "https://api.example/", **kwargs})
