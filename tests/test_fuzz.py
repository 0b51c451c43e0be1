"""Property tests (hypothesis) over what Python reads from the browser or the app's secrets: the
event envelope, the reported session the verifier takes, and the config loader. Random input
gives the result or the module's own typed error, never another exception; well-formed input is
read as written. The Rust decoders have theirs in tests/fuzz.rs."""

from __future__ import annotations

import secrets
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamlit_component.config import AuthConfig, ConfigError, load_config
from streamlit_component.events import EventError, parse_envelope
from streamlit_component.session import verify_session
from streamlit_component.verify import TokenVerifier, VerificationError
from token_kit import BrowserKey, CLIENT_ID, b64, fake_provider

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Any JSON value (what a component value or a secrets table can hold), a few levels deep.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=20,
)


def with_some_of(keys: list[str], values=json_values):
    """Dicts with some of `keys` (random values) and some random keys: shapes near the real ones."""
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=6), values, max_size=len(keys) + 2)


events = st.fixed_dictionaries({
    "name": st.sampled_from(["onStatusUpdate", "onActionRequest", "onError"]) | st.text(min_size=1, max_size=8),
    "data": json_values, "source": st.text(min_size=1, max_size=12),
    "seq": st.integers(min_value=1, max_value=int(time.time() * 1000)),
})


@FUZZ
@given(value=json_values | with_some_of(["name", "data", "source", "seq", "backlog"]))
def test_any_component_value_gives_events_or_an_event_error(value):
    try:
        parsed = parse_envelope(value)
    except EventError as error:
        assert error.code in ("invalid_event", "value_too_large"), error.code
        return
    seqs = [event.seq for event in parsed]
    assert seqs == sorted(set(seqs)), "in order, without duplicates"


@FUZZ
@given(envelope=events, backlog=st.lists(events, max_size=8))
def test_a_well_formed_envelope_reads_back_backlog_first(envelope, backlog):
    older = [e for e in backlog if e["seq"] < envelope["seq"]]
    parsed = parse_envelope({**envelope, "backlog": older})
    assert parsed[-1].seq == envelope["seq"] and parsed[-1].data == envelope["data"]
    assert [e.seq for e in parsed] == sorted({e["seq"] for e in older} | {envelope["seq"]})


@pytest.fixture(scope="module")
def provider():
    with fake_provider() as provider:
        yield provider


@pytest.fixture(scope="module")
def login(provider):
    """A real session, as the component reports it: tokens from the fake provider, the browser
    key's proof over the challenge."""
    key, challenge = BrowserKey(), b64(secrets.token_bytes(24))
    now = int(time.time())
    session = {
        "user": "Alice Example",
        "token": {"value": provider.mint(provider.access_claims(exp=now + 3600)),
                  "value_id_token": provider.mint(provider.id_claims(key.nonce, exp=now + 3600)),
                  "expiry": now + 3600},
        "binding": key.proof(challenge, provider.issuer),
    }
    return session, challenge


def mutated(text: str, at: int, char: str) -> str:
    at %= len(text) + 1
    return text[:at] + char + text[at + 1:]


@settings(FUZZ, max_examples=300)
@given(data=st.data())
def test_any_reported_session_is_verified_or_refused_by_name(provider, login, data):
    session, challenge = login
    verifier = TokenVerifier(provider.config())
    token = session["token"]
    # Shapes: random values anywhere, or the real session with one part swapped or one
    # character changed.
    reported = data.draw(st.one_of(
        json_values,
        with_some_of(["user", "token", "binding", "login_id_token"]),
        st.builds(lambda part, value: {**session, part: value},
                  st.sampled_from(["token", "binding", "login_id_token"]), json_values),
        st.builds(lambda field, value: {**session, "token": {**token, field: value}},
                  st.sampled_from(["value", "value_id_token", "expiry"]), json_values),
        st.builds(lambda field, at, char: {**session, "token": {**token, field: mutated(token[field], at, char)}},
                  st.sampled_from(["value", "value_id_token"]), st.integers(0, 2000), st.characters()),
        st.builds(lambda field, value: {**session, "binding": {**session["binding"], field: value}},
                  st.sampled_from(["jwk", "salt", "signature"]), json_values),
    ))
    try:
        verified = verify_session(verifier, reported, challenge)
    except VerificationError as error:
        assert error.code and error.code.replace("_", "").isalpha(), error.code
        return
    # Accepted only with every part that decides it unchanged: the signed part of the ID token
    # (a signature's last base64url character may differ in bits that decode to nothing).
    signed = verified["token"]["value_id_token"].rsplit(".", 1)[0]
    assert signed == token["value_id_token"].rsplit(".", 1)[0]
    assert reported["binding"] == session["binding"]
    assert verified["user"] == "Alice Example"


def test_the_real_session_itself_is_accepted(provider, login):
    session, challenge = login
    assert verify_session(TokenVerifier(provider.config()), session, challenge)["user"] == "Alice Example"


CONFIG_KEYS = ["issuer", "server_metadata_url", "client_id", "client_secret", "cookie_secret", "audience", "scope",
               "prompt", "events", "heartbeat_s", "api_origins", "refresh", "end_session", "end_session_method",
               "redirect_uri", "hostname", "algorithms", "leeway_s", "max_session_s",
               "token_endpoint_auth_method", "client_kwargs", "expose_tokens"]


@FUZZ
@given(values=with_some_of(CONFIG_KEYS) | st.builds(
    lambda extra: {"issuer": "https://idp.example", "client_id": "demo", **extra}, with_some_of(CONFIG_KEYS)))
def test_any_config_loads_or_names_the_key_at_fault(values):
    try:
        config = load_config(values)
    except ConfigError as error:
        assert str(error), "the error says what is wrong"
        return
    assert isinstance(config, AuthConfig) and config.client_id and config.issuer.startswith(("https://", "http://"))


@FUZZ
@given(table=with_some_of(["google", "microsoft", "auth"], with_some_of(CONFIG_KEYS)),
       name=st.none() | st.sampled_from(["google", "microsoft", "other"]))
def test_named_provider_tables_load_or_name_the_key_at_fault(table, name):
    try:
        load_config({"client_id": CLIENT_ID, **table}, provider=name)
    except ConfigError:
        pass
