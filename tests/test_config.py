"""AuthConfig: from a dict or a st.secrets section, Streamlit's native key names, and errors that
name the key."""

from __future__ import annotations

import pytest
import streamlit as st

from streamlit_component.config import ALLOWED_ALGORITHMS, DEFAULT_EVENTS, AuthConfig, ConfigError, load_config, origin_of

ISSUER = "https://idp.example"
MINIMAL = {"issuer": ISSUER, "client_id": "demo"}


def test_minimal_config_gets_defaults():
    config = AuthConfig.from_dict(MINIMAL)
    assert config.server_metadata_url == "https://idp.example/.well-known/openid-configuration"
    assert (config.scope, config.events, config.heartbeat_s) == ("openid profile email", DEFAULT_EVENTS, 2)
    assert (config.audience, config.redirect_uri, config.api_origins) == (None, None, ())
    assert (config.refresh, config.end_session, config.hostname) == (True, False, "")
    assert (config.algorithms, config.leeway_s) == (ALLOWED_ALGORITHMS, 30)


def test_native_server_metadata_url_gives_the_issuer():
    config = AuthConfig.from_dict({"server_metadata_url": f"{ISSUER}/tenant/.well-known/openid-configuration",
                                   "client_id": "demo"})
    assert config.issuer == f"{ISSUER}/tenant"


def test_every_key_is_read():
    config = AuthConfig.from_dict({
        **MINIMAL, "audience": "http://localhost:5000/api", "scope": "openid read:chart", "events": ["onStatusUpdate"],
        "heartbeat_s": 5, "api_origins": ["HTTPS://API.example", "http://localhost:5000/"], "refresh": False,
        "end_session": True, "end_session_method": "post", "redirect_uri": "https://app.example/component/streamlit_component.login/index.html",
        "hostname": "demo host", "algorithms": ["ES256"], "leeway_s": 10,
    })
    assert config.api_origins == ("https://api.example:443", "http://localhost:5000")
    assert (config.events, config.heartbeat_s, config.refresh, config.end_session) == (("onStatusUpdate",), 5, False, True)
    assert (config.algorithms, config.leeway_s, config.hostname) == (("ES256",), 10, "demo host")
    assert config.end_session_method == "post"
    assert AuthConfig.from_dict(MINIMAL).end_session_method == "get"
    with pytest.raises(ConfigError, match="end_session_method"):
        AuthConfig.from_dict({**MINIMAL, "end_session_method": "delete"})


def test_an_st_login_section_works_as_it_is():
    # The shape of Streamlit's documentation for st.login, unchanged.
    section = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "a-long-random-string",
               "client_id": "demo", "client_secret": "s3cret", "expose_tokens": ["id", "access"],
               "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration",
               "client_kwargs": {"scope": "openid email", "prompt": "select_account", "code_challenge_method": "S256"}}
    config = AuthConfig.from_dict(section)
    assert config.confidential and config.client_id == "demo"
    assert config.redirect_uri is None, "st.login's /oauth2callback is Streamlit's; the component uses its own page"
    assert (config.scope, config.prompt, config.token_endpoint_auth_method) == ("openid email", "select_account", None)
    assert "s3cret" not in repr(config) and "a-long-random-string" not in repr(config)
    assert not AuthConfig.from_dict(MINIMAL).confidential


def test_named_providers_are_picked_as_st_login_picks_them(monkeypatch):
    section = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "c",
               "google": {"client_id": "g", "client_secret": "gs", "server_metadata_url":
                          "https://accounts.google.com/.well-known/openid-configuration"},
               "microsoft": {"client_id": "m", "client_secret": "ms", "server_metadata_url":
                             "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
                             "client_kwargs": {"prompt": "login"}}}
    monkeypatch.setattr(st, "secrets", {"auth": section})
    google = load_config(provider="google")
    assert (google.client_id, google.issuer, google.cookie_secret) == ("g", "https://accounts.google.com", "c")
    microsoft = load_config(section, provider="microsoft")
    assert (microsoft.client_id, microsoft.prompt) == ("m", "login")
    with pytest.raises(ConfigError) as error:
        load_config()
    assert "provider=" in str(error.value) and "google" in str(error.value)
    with pytest.raises(ConfigError) as error:
        load_config(provider="okta")
    assert error.value.key == "auth.okta"


def test_a_client_secret_needs_a_cookie_secret():
    with pytest.raises(ConfigError) as error:
        AuthConfig.from_dict({**MINIMAL, "client_secret": "s"})
    assert error.value.key == "cookie_secret"


@pytest.mark.parametrize("values, key", [
    ({"client_id": "demo"}, "server_metadata_url"),
    ({"issuer": ISSUER}, "client_id"),
    ({"server_metadata_url": "https://idp.example/metadata.json", "client_id": "demo"}, "issuer"),
    ({**MINIMAL, "issuer": "http://idp.example"}, "issuer"),
    ({**MINIMAL, "issuer": "https://user@idp.example"}, "issuer"),
    ({**MINIMAL, "client_id": ""}, "client_id"),
    ({**MINIMAL, "client_id": 7}, "client_id"),
    ({**MINIMAL, "clientid": "typo"}, "clientid"),
    ({**MINIMAL, "heartbeat_s": 0}, "heartbeat_s"),
    ({**MINIMAL, "heartbeat_s": True}, "heartbeat_s"),
    ({**MINIMAL, "events": "onError"}, "events"),
    ({**MINIMAL, "events": [""]}, "events"),
    ({**MINIMAL, "api_origins": ["https://api.example/path"]}, "api_origins"),
    ({**MINIMAL, "api_origins": ["ftp://api.example"]}, "api_origins"),
    ({**MINIMAL, "api_origins": ["http://api.example"]}, "api_origins"),  # a bearer token in clear text
    ({**MINIMAL, "api_origins": ["http://10.0.0.5:5000"]}, "api_origins"),
    ({**MINIMAL, "refresh": "yes"}, "refresh"),
    ({**MINIMAL, "redirect_uri": "http://app.example/cb"}, "redirect_uri"),
    ({**MINIMAL, "client_kwargs": "scope=openid"}, "client_kwargs"),
    ({**MINIMAL, "client_secret": "s", "cookie_secret": "c", "token_endpoint_auth_method": "private_key_jwt"},
     "token_endpoint_auth_method"),
    ({**MINIMAL, "prompt": "always"}, "prompt"),
    ({**MINIMAL, "algorithms": ["none"]}, "algorithms"),
    ({**MINIMAL, "algorithms": ["HS256"]}, "algorithms"),
    ({**MINIMAL, "algorithms": []}, "algorithms"),
    ({**MINIMAL, "leeway_s": 120}, "leeway_s"),
])
def test_a_bad_or_missing_key_is_named(values, key):
    with pytest.raises(ConfigError) as error:
        AuthConfig.from_dict(values)
    assert error.value.key == key
    assert f"`{key}`" in str(error.value)


def test_http_is_allowed_on_localhost_only():
    assert AuthConfig.from_dict({"issuer": "http://localhost:9400", "client_id": "demo"}).issuer == "http://localhost:9400"
    assert AuthConfig.from_dict({"issuer": "http://127.0.0.1:9400", "client_id": "demo"})


def test_origins_are_exact_scheme_host_port():
    assert origin_of("https://API.example/x?y") == "https://api.example:443"
    assert origin_of("http://api.example:8080/") == "http://api.example:8080"
    assert origin_of("https://a@api.example/") is None
    assert origin_of("file:///etc/passwd") is None
    assert origin_of("http://[::1]:5000/api") == "http://[::1]:5000"


def test_config_from_a_secrets_section(monkeypatch):
    secrets = {"auth": {**MINIMAL, "cookie_secret": "x", "myidp": {"issuer": "https://other.example", "client_id": "o"}}}
    monkeypatch.setattr(st, "secrets", secrets)
    assert load_config().client_id == "demo"
    assert load_config(section="auth.myidp").issuer == "https://other.example"
    with pytest.raises(ConfigError) as error:
        load_config(section="login")
    assert error.value.key == "login"


def test_load_config_accepts_a_config_or_a_mapping():
    config = AuthConfig.from_dict(MINIMAL)
    assert load_config(config) is config
    assert load_config(MINIMAL) == config


def test_api_origins_over_http_only_on_loopback():
    config = AuthConfig.from_dict({**MINIMAL, "api_origins": ["http://127.0.0.1:5000", "http://[::1]:5000",
                                                              "http://localhost:5000"]})
    assert config.api_origins == ("http://127.0.0.1:5000", "http://[::1]:5000", "http://localhost:5000")
