"""Login options: the config's and a page's own reach the provider's authorization request,
checked in Python (and again in the component, src/oidc/authorize.rs)."""

from __future__ import annotations

import json
import os
import re
import urllib.parse

import pytest
from playwright.sync_api import expect

from conftest import ROOT, auth_secrets, free_port, streamlit_server
from idp import CLIENT_ID, running_idp
from login_flow import sign_in
from streamlit_component import AuthConfig, ComponentHost, ConfigError

OPTIONS_APP = ROOT / "tests" / "apps" / "options" / "app.py"
COMPONENT_PATH = "/component/streamlit_component.login/index.html"
BASE = {"issuer": "https://idp.example", "client_id": "app"}


def test_the_configs_options_come_in_order_with_the_providers_own():
    config = AuthConfig.from_dict({**BASE, "prompt": "select_account", "login_hint": "a@example.com", "max_age": 0,
                                   "acr_values": "mfa", "ui_locales": "de", "authorize_params": {"hd": "example.com"},
                                   "allowed_authorize_params": ["organization"]})
    assert config.login_options == {"prompt": "select_account", "login_hint": "a@example.com", "max_age": "0",
                                    "acr_values": "mfa", "ui_locales": "de", "hd": "example.com"}
    assert config.extra_login_options == {"hd", "organization"}
    assert AuthConfig.from_dict(BASE).login_options == {}


@pytest.mark.parametrize("values, key", [
    ({"max_age": "60"}, "max_age"),
    ({"max_age": -1}, "max_age"),
    ({"login_hint": ""}, "login_hint"),
    ({"ui_locales": ["fr"]}, "ui_locales"),
    ({"acr_values": "x" * 2000}, "acr_values"),
    ({"authorize_params": {"state": "forged"}}, "authorize_params"),
    ({"authorize_params": {"redirect_uri": "https://evil.example/"}}, "authorize_params"),
    ({"authorize_params": {"a b": "c"}}, "authorize_params"),
    ({"authorize_params": "kc_idp_hint=github"}, "authorize_params"),
    ({"allowed_authorize_params": ["nonce"]}, "allowed_authorize_params"),
    ({"allowed_authorize_params": "organization"}, "allowed_authorize_params"),
])
def test_bad_options_in_the_config_are_named(values, key):
    with pytest.raises(ConfigError) as error:
        AuthConfig.from_dict({**BASE, **values})
    assert error.value.key == key


def test_a_pages_options_are_checked_when_it_makes_the_host():
    config = {**BASE, "allowed_authorize_params": ["organization"], "login_hint": "a@example.com"}
    host = ComponentHost(config=config, login_options={"organization": "acme", "max_age": 0, "ui_locales": None})
    assert host.login_options == {"organization": "acme", "max_age": "0"}
    for bad in ({"state": "x"}, {"kc_idp_hint": "x"}, {"prompt": "always"}, {"max_age": "5"},
                {"login_hint": "x" * 2000}, {"login_hint": 5}, ["prompt"]):
        with pytest.raises(ConfigError) as error:
            ComponentHost(config=config, login_options=bad)
        assert error.value.key == "login_options", bad


def test_each_login_option_reaches_the_providers_authorization_request(tmp_path, page):
    idp_port = free_port()
    secrets_file = auth_secrets(tmp_path, idp_port, 'prompt = "login"', 'login_hint = "alice@example.com"',
                                "max_age = 300", 'acr_values = "urn:example:loa:1 mfa"', 'ui_locales = "fr-CA fr"',
                                'allowed_authorize_params = ["organization"]', "[auth.authorize_params]",
                                'kc_idp_hint = "github&state=forged"')
    page_options = {"login_hint": "bob@example.com", "organization": "Acme & Co"}
    env = dict(os.environ, LOGIN_OPTIONS=json.dumps(page_options))
    with streamlit_server(OPTIONS_APP, f"--secrets.files={secrets_file}", env=env) as url, \
            running_idp([url + COMPONENT_PATH], port=idp_port) as provider:
        page.goto(url)
        sign_in(page, "bob", "bob-password")
        expect(page.get_by_text("Hello Bob Example")).to_be_visible(timeout=30_000)
        requests_seen = re.findall(r"^authorize \?(.*)$", provider.log.read_text(), re.MULTILINE)
        assert len(requests_seen) == 1
        params = urllib.parse.parse_qs(requests_seen[0])
        assert {name: params[name] for name in ("prompt", "login_hint", "max_age", "acr_values", "ui_locales",
                                                "kc_idp_hint", "organization", "state")} == {
            "prompt": ["login"], "login_hint": ["bob@example.com"], "max_age": ["300"],
            "acr_values": ["urn:example:loa:1 mfa"], "ui_locales": ["fr-CA fr"],
            "kc_idp_hint": ["github&state=forged"], "organization": ["Acme & Co"],
            "state": [params["state"][0]],
        }, "each option once, the page's over the config's, values encoded (one state)"


def test_the_authorize_params_table_is_shared_by_named_providers_not_taken_for_one():
    from streamlit_component.config import with_provider

    section = {"redirect_uri": "https://app.example/cb", "authorize_params": {"hd": "example.com"},
               "google": {**BASE, "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}}
    with pytest.raises(ConfigError) as error:
        with_provider(section, None)
    assert "['google']" in str(error.value), "authorize_params is no provider"
    google = AuthConfig.from_dict(with_provider(section, "google"))
    assert google.login_options == {"hd": "example.com"}


def test_the_options_are_counted_together_as_a_login_sends_them():
    twelve = {f"p{i}": "v" for i in range(12)}
    full = {**BASE, "prompt": "login", "login_hint": "a", "max_age": 1, "acr_values": "a", "ui_locales": "a"}
    with pytest.raises(ConfigError) as error:
        AuthConfig.from_dict({**full, "authorize_params": twelve})
    assert "at most 16" in str(error.value)
    config = {**full, "authorize_params": {f"p{i}": "v" for i in range(10)}, "allowed_authorize_params": ["x", "y"]}
    assert len(AuthConfig.from_dict(config).login_options) == 15
    ComponentHost(config=config, login_options={"x": "1"})
    with pytest.raises(ConfigError):
        ComponentHost(config=config, login_options={"x": "1", "y": "2"})
    with pytest.raises(ConfigError) as error:
        AuthConfig.from_dict({**BASE, "prompt": "login\tconsent"})
    assert error.value.key == "prompt"
