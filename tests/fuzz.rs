//! Property tests over every decoder and validator that reads untrusted input: random input
//! never panics (each answer is a value or a typed error), and what the project writes it reads
//! back unchanged. `make test` runs a short pass (256 cases each); `make fuzz` runs 100,000
//! cases each (`PROPTEST_CASES`).
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use streamlit_component::binding::Binding;
use streamlit_component::config::LoginConfig;
use streamlit_component::encoding::{base64url_decode, base64url_encode, form_encode, parse_query};
use streamlit_component::handoff::{read_message, read_relay, relay_value, Answer};
use streamlit_component::oidc::authorize::{validate_callback, ClientConfig, PendingLogin};
use streamlit_component::oidc::claims::{check_id_token, nonce_of, Expected};
use streamlit_component::oidc::token::parse_token_response;
use streamlit_component::protocol::{Inbound, Render};
use streamlit_component::secret::Secret;
use streamlit_component::session::{observe, Session, Tokens};
use streamlit_component::theme::Theme;
use streamlit_component::wire::{self, Value};
use streamlit_component::{command, confidential, events, lease};

const NOW: u64 = 1_800_000_000;
const PAGE: &str = "http://localhost:8501/component/streamlit_component.login/index.html";

/// Any JSON value, a few levels deep, with the awkward parts: escapes, non-ASCII, numbers
/// beyond 2^53, negative and fractional numbers, empty containers.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![-0.0, 0.5, -12.5e-3, 25.0, 1e300]).prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{0,6}|\\PC{0,4}", inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// JSON text: mostly valid (so that the shape checks behind the parser are reached), some of
/// it mangled, some of it noise, some of it what serde must refuse or bound: lone surrogates,
/// numbers beyond 2^53 and beyond f64, nesting far past 128 levels.
fn json_text() -> impl Strategy<Value = String> {
    prop_oneof![
        json().prop_map(|j| wire::to_text(&j)),
        (json(), any::<usize>(), any::<char>()).prop_map(|(j, at, c)| {
            let mut text: Vec<char> = wire::to_text(&j).chars().collect();
            let at = at % (text.len() + 1);
            text.insert(at, c);
            text.into_iter().collect()
        }),
        "\\PC{0,64}",
        "[\\[\\]{}\",:0-9a-z\\\\ ]{0,64}",
        prop::sample::select(vec![
            r#"{"user":"\ud800"}"#.to_owned(),
            r#"{"expiry":9007199254740993,"exp":1e400}"#.to_owned(),
            format!("{}1{}", "[".repeat(200), "]".repeat(200)),
            format!(
                r#"{{"token":{}}}"#,
                "{\"a\":".repeat(300) + "1" + &"}".repeat(300)
            ),
        ]),
    ]
}

/// JSON text of an object with some of `fields` set to random values, keys possibly repeated:
/// shapes close to the real ones.
fn object_with(fields: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(fields), json()), 0..fields.len() + 2).prop_map(
        |pairs| {
            let members: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}:{}", wire::to_text(k), wire::to_text(v)))
                .collect();
            format!("{{{}}}", members.join(","))
        },
    )
}

/// A value from JSON text that parses (repeated keys: the last one wins, as in `JSON.parse`).
fn value_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn theme() -> impl Strategy<Value = Theme> {
    prop::collection::vec(
        (
            prop::sample::select(vec![
                "base",
                "primaryColor",
                "backgroundColor",
                "textColor",
                "font",
                "other",
            ]),
            "\\PC{0,20}",
        ),
        0..6,
    )
    .prop_map(|pairs| Theme::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))))
}

fn token_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,80}"
}

fn binding() -> impl Strategy<Value = Binding> {
    (any::<[u8; 32]>(), any::<[u8; 32]>()).prop_map(|(t, s)| Binding::new(&t, &s))
}

fn session() -> impl Strategy<Value = Session> {
    (
        "\\PC{1,40}",
        prop::option::of("\\PC{1,40}"),
        (token_text(), token_text(), 1u64..4_000_000_000),
        prop::option::of(token_text()),
        prop::collection::vec("[!-~]{1,20}", 0..4),
        prop::option::of(token_text()),
        binding(),
    )
        .prop_map(
            |(user, email, (value, id, expiry), refresh, scopes, login, binding)| Session {
                user,
                email,
                token: Tokens {
                    value: Secret::new(&value),
                    value_id_token: Secret::new(&id),
                    expiry,
                },
                refresh_token: refresh.map(|r| Secret::new(&r)),
                scopes,
                login_id_token: login.map(|l| Secret::new(&l)),
                binding,
                sealed: None,
            },
        )
}

fn pending() -> impl Strategy<Value = PendingLogin> {
    (
        (
            "[A-Za-z0-9_-]{22,64}",
            "[A-Za-z0-9_-]{22,64}",
            "[A-Za-z0-9_-]{43,128}",
        ),
        "https://[a-z]{1,12}\\.example(/[a-z]{0,8})?",
        (
            "[!-~]{1,30}",
            "\\PC{0,40}",
            "[a-z:_]{1,10}( [a-z:_]{1,10}){0,3}",
        ),
        (NOW - 600)..=NOW,
        prop::option::of(binding()),
    )
        .prop_map(
            |(
                (state, nonce, verifier),
                issuer,
                (client_id, redirect, scope),
                created_at,
                binding,
            )| {
                PendingLogin {
                    state: Secret::new(&state),
                    nonce: Secret::new(&nonce),
                    verifier: Secret::new(&verifier),
                    issuer,
                    client: ClientConfig {
                        client_id,
                        redirect_uri: format!("{PAGE}{redirect}"),
                        scope,
                        audience: None,
                    },
                    created_at,
                    return_to: None,
                    binding,
                }
            },
        )
}

proptest! {
    #[test]
    fn json_text_parses_or_is_refused_and_what_is_written_reads_back(text in json_text(), value in json()) {
        let _ = wire::value_from_text(&text, usize::MAX);
        prop_assert_eq!(wire::value_from_text(&wire::to_text(&value), usize::MAX), Ok(value));
    }

    #[test]
    fn base64url_decodes_or_is_refused_and_round_trips(text in "[A-Za-z0-9_=+/ -]{0,64}", bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = base64url_decode(&text);
        prop_assert_eq!(base64url_decode(&base64url_encode(&bytes)), Ok(bytes));
    }

    #[test]
    fn queries_parse_or_are_refused_and_form_encoding_round_trips(
        text in "([a-z%+=&0-9A-F]|%[0-9a-fA-F+-]{0,2}|\\PC){0,64}",
        pairs in prop::collection::vec(("\\PC{0,12}", "\\PC{0,12}"), 0..6),
    ) {
        if parse_query(&text).is_some() {
            // Exactly two hex digits after every %: a sign is refused.
            prop_assert!(!text.contains("%+") && !text.contains("%-"));
        }
        let encoded = form_encode(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let decoded = parse_query(&encoded).expect("what form_encode writes parses");
        let expected: Vec<(String, String)> = pairs.into_iter().filter(|(k, v)| !(k.is_empty() && v.is_empty())).collect();
        prop_assert_eq!(decoded.into_iter().filter(|(k, v)| !(k.is_empty() && v.is_empty())).collect::<Vec<_>>(), expected);
    }

    #[test]
    fn callbacks_are_validated_or_refused(query in "(state|code|iss|error|error_description|access_token|id_token)=[A-Za-z0-9%:/._-]{0,20}(&(state|code|iss|error|token_type)=[A-Za-z0-9%:/._-]{0,20}){0,5}", login in pending(), iss in any::<bool>()) {
        if let Some(params) = parse_query(&query) {
            let _ = validate_callback(&params, &login, iss, NOW);
        }
        if let Ok(answer) = Answer::from_query(&query) {
            let relayed = read_relay(&wire::to_text(&relay_value(&query, NOW)), NOW);
            prop_assert_eq!(relayed, Ok(answer));
        }
        let _ = read_relay(&query, NOW);
    }

    #[test]
    fn a_callback_with_the_right_state_and_a_code_is_accepted(login in pending(), code in "[A-Za-z0-9_-]{1,64}") {
        let query = form_encode([("code", code.as_str()), ("state", login.state.expose()), ("iss", login.issuer.as_str())]);
        let params = parse_query(&query).expect("written query parses");
        let got = validate_callback(&params, &login, true, NOW).expect("a valid callback is accepted");
        prop_assert_eq!(got.expose(), code.as_str());
    }

    #[test]
    fn id_tokens_are_checked_or_refused(
        parts in prop::collection::vec(prop_oneof![json().prop_map(|j| wire::to_text(&j)), json_text(), object_with(&["alg", "iss", "aud", "azp", "exp", "iat", "sub", "nonce", "name", "email"])], 3),
        raw in "[A-Za-z0-9_.=-]{0,200}",
        nonce in token_text(),
        refreshed in any::<bool>(),
    ) {
        let jwt = parts.iter().map(|p| base64url_encode(p.as_bytes())).collect::<Vec<_>>().join(".");
        let nonce = Secret::new(&nonce);
        let expected = Expected { issuer: "https://idp.example", client_id: "demo", nonce: &nonce, refreshed, now: NOW };
        for token in [jwt.as_str(), raw.as_str()] {
            let _ = nonce_of(token);
            let _ = check_id_token(token, &expected);
        }
    }

    #[test]
    fn token_responses_are_read_or_refused(body in prop_oneof![json().prop_map(|j| wire::to_text(&j)), object_with(&["access_token", "token_type", "expires_in", "refresh_token", "id_token", "scope", "error", "error_description"])], id_required in any::<bool>()) {
        let _ = parse_token_response(&value_of(&body), id_required);
    }

    #[test]
    fn stored_sessions_are_read_or_refused_and_round_trip(text in json_text(), shaped in object_with(&["user", "email", "token", "refresh_token", "scopes", "login_id_token", "binding", "sealed"]), written in session()) {
        let _ = Session::from_stored(&text);
        let _ = Session::from_stored(&shaped);
        let _ = observe(Some(&text), NOW);
        prop_assert_eq!(Session::from_stored(&written.to_stored()), Ok(written));
    }

    #[test]
    fn pending_logins_are_read_or_refused_and_round_trip(shaped in object_with(&["state", "nonce", "verifier", "issuer", "client_id", "redirect_uri", "scope", "audience", "created_at", "return_to", "binding"]), text in json_text(), written in pending()) {
        let _ = PendingLogin::from_stored(&shaped);
        let _ = PendingLogin::from_stored(&text);
        prop_assert_eq!(PendingLogin::from_stored(&written.to_stored()), Ok(written));
    }

    #[test]
    fn leases_and_bindings_are_read_or_refused_and_round_trip(text in json_text(), owner in "\\PC{1,20}", now in 0..=wire::MAX_SAFE_INT - lease::LEASE_S, written in binding(), shaped in object_with(&["key_id", "salt"])) {
        let _ = lease::is_lapsed(&text, NOW);
        let stored = wire::to_text(&lease::lease_value(&owner, now));
        prop_assert!(lease::holds(Some(&stored), &owner, now));
        let _ = Binding::from_json(&value_of(&shaped));
        prop_assert_eq!(Binding::from_json(&wire::to_value(&written)), Ok(written));
    }

    #[test]
    fn render_args_and_messages_are_read_or_refused_and_round_trip(
        args in object_with(&["issuer", "client_id", "scope", "audience", "redirect_uri", "heartbeat_s", "events", "challenge", "refresh", "end_session", "end_session_method", "hostname", "mode", "prompt", "login_options", "command", "sealed", "ack", "verified"]),
        message in prop_oneof![json().prop_map(|j| wire::to_text(&j)), object_with(&["isStreamlitMessage", "type", "args", "dfs", "theme", "disabled"])],
        answer in prop_oneof![json().prop_map(|j| wire::to_text(&j)), object_with(&["type", "query", "state"])],
        stored in "\\PC{0,60}",
        theme in prop::option::of(theme()),
        disabled in any::<bool>(),
    ) {
        let args = value_of(&args);
        let _ = LoginConfig::from_args(&args, PAGE);
        let _ = command::from_args(&args);
        let _ = confidential::sealed_from_args(&args);
        let _ = events::ack_from_args(&args);
        let _ = Inbound::parse(&value_of(&message));
        let _ = read_message(&value_of(&answer));
        let _ = lease::is_lapsed(&stored, NOW);
        let _ = lease::may_take(Some(&stored), "me", NOW);
        let args = if args.is_object() { args } else { Value::Object(Default::default()) };
        let render = Inbound::Render(Render { args, disabled, theme });
        prop_assert_eq!(Inbound::parse(&render.to_json()), Ok(render));
    }
}
