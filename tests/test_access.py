"""Access rules over verified claims (streamlit_component.access), with real tokens from the
local provider, whose test users carry roles and groups in the shapes of Keycloak, Entra,
Okta, Cognito and Auth0 (examples/idp/users.json)."""

from __future__ import annotations

import re
import secrets
import time

import pytest
from playwright.sync_api import expect

from conftest import ROOT, auth_secrets, free_port, streamlit_server
from idp import API_AUDIENCE, CLIENT_ID, exchange, login_code, pkce_pair, running_idp
from streamlit_component import Access, AuthConfig, ConfigError, TokenVerifier
from streamlit_component.host import access_refusal
from streamlit_component.session import verify_tokens
from login_flow import component, expect_logged_in, log_in_remembered, sign_in
from token_kit import BrowserKey

ACCESS_APP = ROOT / "tests" / "apps" / "access" / "app.py"
COMPONENT_PATH = "/component/streamlit_component.login/index.html"


@pytest.fixture(scope="module")
def sessions():
    """The verified session (as st.session_state holds it) of each test user."""
    with running_idp(["http://127.0.0.1:1/component/streamlit_component.login/index.html"]) as idp:
        config = AuthConfig.from_dict({"issuer": idp.issuer, "client_id": CLIENT_ID, "audience": API_AUDIENCE})
        verifier = TokenVerifier(config)
        verified = {}
        for user in ("alice", "bob", "carol"):
            pkce, challenge = pkce_pair()
            nonce = BrowserKey().nonce
            callback = login_code(idp, user, f"{user}-password", challenge=challenge,
                                  state=secrets.token_urlsafe(16), nonce=nonce, scope="openid profile email read:chart")
            tokens = exchange(idp, callback["code"], pkce).json()
            verified[user] = verify_tokens(verifier, tokens["access_token"], tokens["id_token"],
                                           int(time.time()) + 300, nonce)
        yield verified


def refusal(sessions, user: str, rules: Access):
    return rules.refusal(sessions[user]["claims"], CLIENT_ID)


@pytest.mark.parametrize("preset, admin_role, bobs", [
    ("keycloak", "admin", "user"),
    ("keycloak_client", "editor", "viewer"),
    ("entra", "App.Admin", "App.Reader"),
    ("entra_groups", "staff", "guests"),
    ("okta", "engineering", "guests"),
    ("cognito", "admins", "readers"),
    ("https://demo.example/roles", "admin", "reader"),  # Auth0: a namespaced claim, named as it is
])
def test_roles_from_each_providers_claim_shape_allow_and_refuse(sessions, preset, admin_role, bobs):
    rules = Access(roles=[admin_role], roles_claim=preset)
    assert refusal(sessions, "alice", rules) is None
    refused = refusal(sessions, "bob", rules)
    assert refused.rule == "roles"
    assert f"needs the role {admin_role}; your login has {bobs}" in refused.message
    assert refusal(sessions, "carol", rules).message.endswith(f"has none (claim {rules.describe_role_paths(CLIENT_ID)})")


def test_any_one_of_the_roles_lets_in_and_several_claims_count_together(sessions):
    rules = Access(roles=["admin", "guests"], roles_claim=["keycloak", "okta"])
    assert refusal(sessions, "alice", rules) is None  # admin in realm_access.roles
    assert refusal(sessions, "bob", rules) is None  # guests in groups
    assert rules.roles_of(sessions["bob"]["claims"], CLIENT_ID) == ["user", "guests"]


def test_email_domains_and_emails_need_a_verified_email(sessions):
    by_domain = Access(domains=["EXAMPLE.com"])
    assert refusal(sessions, "alice", by_domain) is None
    # Carol's address is at the domain, but the provider has not verified it.
    carol = refusal(sessions, "carol", by_domain)
    assert (carol.rule, carol.message) == ("email", "this page is for …@example.com; the provider has not verified "
                                                    "carol@example.com")
    other = refusal(sessions, "bob", Access(domains=["example.org"]))
    assert other.message == "this page is for …@example.org; you are signed in as bob@example.com"
    only_bob = Access(emails=["Bob@Example.com"])
    assert refusal(sessions, "bob", only_bob) is None
    assert refusal(sessions, "alice", only_bob).rule == "email"
    assert refusal(sessions, "alice", Access(emails=["bob@example.com"], domains=["example.com"])) is None


def test_a_predicate_over_the_claims_decides_and_one_that_fails_refuses(sessions):
    staff = Access(check=lambda claims: "staff" in claims.get("groups", []), check_description="staff only")
    assert refusal(sessions, "alice", staff) is None
    assert refusal(sessions, "bob", staff).message == "staff only does not let this login in"
    broken = Access(check=lambda claims: claims["no such claim"])
    assert refusal(sessions, "alice", broken).message == "the app's own rule could not be checked (KeyError)"
    truthy = Access(check=lambda claims: "yes")
    assert refusal(sessions, "alice", truthy).rule == "check", "only True lets in"


def test_every_rule_must_pass(sessions):
    rules = Access(roles=["admin"], roles_claim="keycloak", domains=["example.com"],
                   check=lambda claims: claims["sub"] != "alice", check_description="not alice")
    assert refusal(sessions, "alice", rules).rule == "check"
    assert refusal(sessions, "bob", rules).rule == "roles"


def test_claims_can_come_from_the_verified_access_token(sessions):
    config = AuthConfig.from_dict({"issuer": "http://localhost:1", "client_id": CLIENT_ID, "audience": API_AUDIENCE,
                                   "required_roles": ["admin"], "roles_claim": "keycloak",
                                   "claims_from": "access_token"})
    alice = sessions["alice"]
    assert alice["access_claims"]["aud"] == API_AUDIENCE
    assert access_refusal(config, None, alice) is None
    # Without a verified access token (an opaque one, or none for the API), nothing passes.
    refused = access_refusal(config, None, {**alice, "access_claims": None})
    assert (refused.rule, refused.message) == ("claims", "this page's rules need the verified access token's "
                                                         "claims, and there are none")


def test_rules_from_the_auth_section_apply_before_the_pages_own(sessions):
    config = AuthConfig.from_dict({"issuer": "http://localhost:1", "client_id": CLIENT_ID,
                                   "allowed_domains": ["example.com"], "required_roles": ["user"],
                                   "roles_claim": "keycloak"})
    assert access_refusal(config, None, sessions["alice"]) is None
    assert access_refusal(config, None, sessions["carol"]).rule == "roles"
    admins = Access(roles=["admin"], roles_claim="keycloak")
    assert access_refusal(config, admins, sessions["alice"]) is None
    assert access_refusal(config, admins, sessions["bob"]).message.startswith("this page needs the role admin")


@pytest.mark.parametrize("values, key", [
    ({"required_roles": "admin"}, "required_roles"),
    ({"allowed_domains": [""]}, "allowed_domains"),
    ({"claims_from": "userinfo"}, "claims_from"),
    ({"claims_from": "access_token"}, "claims_from"),  # no audience: no verified access token
    ({"roles_claim": [3]}, "roles_claim"),
])
def test_bad_rules_in_the_config_are_named(values, key):
    with pytest.raises(ConfigError) as error:
        AuthConfig.from_dict({"issuer": "https://idp.example", "client_id": "app", **values})
    assert error.value.key == key


def test_bad_rules_in_code_are_refused_when_made():
    for kwargs in ({"roles": [""]}, {"claims_from": "cookie"}, {"check": "admin"}):
        with pytest.raises(ValueError):
            Access(**kwargs)
    assert Access().empty and Access().refusal(None) is None, "no rules: every login passes"


def test_a_refused_user_sees_why_and_can_log_out_or_switch_account(tmp_path, page):
    idp_port = free_port()
    secrets_file = auth_secrets(tmp_path, idp_port, 'scope = "openid profile email"',
                                'allowed_domains = ["example.com"]')
    with streamlit_server(ACCESS_APP, f"--secrets.files={secrets_file}") as url, \
            running_idp([url + COMPONENT_PATH], port=idp_port) as provider:
        page.goto(url)
        sign_in(page, "bob", "bob-password")
        expect(page.get_by_text("You are signed in as bob@example.com, but this page is not open to you: this page "
                                "needs the role admin; your login has user (claim realm_access.roles).")
               ).to_be_visible(timeout=30_000)
        expect(page.get_by_text(re.compile(r"^events: .*onError access_refused roles"))).to_be_visible()
        expect(page.get_by_text("Welcome, admin")).to_have_count(0)
        # Switch account: logged out, and the provider is asked to show who signs in.
        page.get_by_role("button", name="Switch account").click()
        expect(component(page).get_by_role("button", name="Click to login...")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("You are signed in as")).to_have_count(0)
        sign_in(page, "carol", "carol-password")
        # Carol's address is not verified: the [auth] rule refuses her before the page's.
        expect(page.get_by_text("You are signed in as carol@example.com, but this page is not open to you: this "
                                "page is for …@example.com; the provider has not verified carol@example.com."
                                )).to_be_visible(timeout=30_000)
        # Log out alone: the provider still knows Carol, and signs her in again at once.
        page.get_by_role("button", name="Log out").click()
        expect(component(page).get_by_role("button", name="Click to login...")).to_be_visible(timeout=30_000)
        log_in_remembered(page)
        expect(page.get_by_text("You are signed in as carol@example.com")).to_be_visible(timeout=30_000)
        page.get_by_role("button", name="Switch account").click()
        expect(component(page).get_by_role("button", name="Click to login...")).to_be_visible(timeout=30_000)
        sign_in(page, "alice", "alice-password")
        expect(page.get_by_text("Welcome, admin Alice Example")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("You are signed in as")).to_have_count(0)
        expect_logged_in(page)
        prompts = re.findall(r"^authorize .*?[?&]prompt=(\w+)", provider.log.read_text(), re.MULTILINE)
        assert prompts == ["login", "login"], "prompt=login after each switch, none otherwise"



def test_a_client_id_with_dots_is_one_claim_name_in_the_keycloak_client_preset():
    claims = {"resource_access": {"my.app": {"roles": ["editor"]}}, "email": "a@example.com", "email_verified": 1}
    rules = Access(roles=["editor"], roles_claim="keycloak_client")
    assert rules.refusal(claims, "my.app") is None
    assert rules.describe_role_paths("my.app") == "resource_access.my.app.roles"
    assert Access(domains=["example.com"]).refusal(claims).rule == "email", "email_verified must be true, not 1"


def test_an_empty_roles_claim_is_a_config_error():
    with pytest.raises(ConfigError) as error:
        AuthConfig.from_dict({"issuer": "https://idp.example", "client_id": "app", "roles_claim": " "})
    assert error.value.key == "roles_claim"
