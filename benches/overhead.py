"""Python host overhead, in microseconds, against a fake provider (tests/token_kit.py: keys made
here, discovery and JWKS served on a loopback port, tokens signed locally).

- per rerun: what `require_login` does on every rerun of a logged-in page (`ComponentHost(...)`
  from a config dict, then `run_component`), with a verified session in `st.session_state`
  and the JWKS cached, timed inside the script under Streamlit's AppTest; split into
  Streamlit's own component call (`declare_component`'s function with the host's render args:
  element id, args to JSON, the widget registration; the value it returns is the login
  envelope, as if the frontend had sent it) and the host's own share;
- warm verification: a new login event's session verified (`verify_session`: the ID token and
  the JWT access token, RS256) with the keys cached;
- cold first verification: the same with a fresh verifier: discovery and JWKS fetched first;
- cold first rerun: the AppTest script's first run (verifier made, discovery and JWKS fetched,
  the login verified and stored)."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from typing import Any, Callable, Iterator

from common import APPS, ROOT, log, summary

sys.path.append(str(ROOT / "tests"))  # token_kit

#: Set by `measure` for the AppTest app (apps/overhead_app.py), which runs in this process.
APP: dict[str, Any] = {}


def _us(ns: int) -> float:
    return ns / 1000


class _TimedComponent:
    """Plays the browser around the real declared component function: Streamlit's call runs with
    the args the host sends (and `default=None`, as in an app), is timed (ns), and the value
    returned is `APP["value"]`, as Streamlit returns the value the frontend last sent."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.calls: list[int] = []

    def __call__(self, **kwargs: Any) -> Any:
        start = time.perf_counter_ns()
        self.func(**kwargs)
        self.calls.append(time.perf_counter_ns() - start)
        return APP["value"]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Without Streamlit's 'missing ScriptRunContext' warnings, logged when the component is
    declared and AppTest set up outside a script run."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def measure(reruns: int = 200, verifications: int = 200, cold: int = 20) -> dict[str, Any]:
    from streamlit.testing.v1 import AppTest
    from token_kit import API, CLIENT_ID, fake_provider

    import streamlit_component as package
    from streamlit_component.session import verify_session
    from streamlit_component.verify import NONCES, TokenVerifier

    with fake_provider() as provider:
        def session(nonce: str) -> dict[str, Any]:
            id_token = provider.mint(provider.id_claims(nonce))
            access = provider.mint(provider.access_claims(), headers={"typ": "at+jwt"})
            return {"user": "Alice Example", "email": "alice@example.com", "scopes": ["read:chart"],
                    "token": {"value": access, "value_id_token": id_token, "expiry": int(time.time()) + 300}}

        config = provider.config()

        # Cold: a fresh verifier per sample (discovery + JWKS over loopback, then the checks).
        cold_ns = []
        for _ in range(cold):
            reported = session(NONCES.issue())
            verifier = TokenVerifier(config)
            start = time.perf_counter_ns()
            verify_session(verifier, reported)
            cold_ns.append(time.perf_counter_ns() - start)
        fetches = dict(provider.hits)

        # Warm: one verifier with its keys cached, a new session each time.
        verifier = TokenVerifier(config)
        verify_session(verifier, session(NONCES.issue()))
        warm_ns = []
        for _ in range(verifications):
            reported = session(NONCES.issue())
            start = time.perf_counter_ns()
            verify_session(verifier, reported)
            warm_ns.append(time.perf_counter_ns() - start)

        # Reruns under AppTest.
        APP.clear()
        APP.update(config={"issuer": provider.issuer, "client_id": CLIENT_ID, "audience": API},
                   envelope=lambda nonce: {"name": "onStatusUpdate", "source": "login", "seq": int(time.time() * 1000),
                                           "data": {"status": "Logged in", "reason": "start", "session": session(nonce)}})
        hits_before = dict(provider.hits)
        with _quiet():
            real = package._component_func or package._declare()
            app = AppTest.from_file(str(APPS / "overhead_app.py"), default_timeout=60)
        timed = _TimedComponent(real)
        package._component_func = timed
        try:
            app.run()
            if app.exception:
                raise RuntimeError(f"the overhead app failed: {app.exception}")
            first = app.session_state["bench_runs"][0]
            if not first["logged_in"] or first["events"] != 1:
                raise RuntimeError(f"the first run did not verify the login: {first}")
            cold_rerun_hits = {k: provider.hits[k] - hits_before[k] for k in provider.hits}
            for _ in range(10):  # warm-up
                app.run()
            start_index, calls_before = len(app.session_state["bench_runs"]), len(timed.calls)
            for _ in range(reruns):
                app.run()
        finally:
            package._component_func = real
        runs = app.session_state["bench_runs"][start_index:]
        component = timed.calls[calls_before:]
        if not all(r["logged_in"] and r["events"] == 0 for r in runs) or len(component) != len(runs):
            raise RuntimeError("reruns were expected to keep the verified login and handle no event")
        total = [_us(r["ns"]) for r in runs]
        streamlit_part = [_us(ns) for ns in component]
        own = [t - s for t, s in zip(total, streamlit_part)]
    result = {
        "rerun_us": summary(total, 1),
        "rerun_streamlit_component_call_us": summary(streamlit_part, 1),
        "rerun_host_own_us": summary(own, 1),
        "warm_verification_us": summary([_us(ns) for ns in warm_ns], 1),
        "cold_verification_us": summary([_us(ns) for ns in cold_ns], 1),
        "cold_first_rerun_us": round(_us(first["ns"]), 1),
        "cold_first_rerun_streamlit_component_call_us": round(_us(timed.calls[0]), 1),
        "cold_fetches": {"per_cold_verification": {k: v / cold for k, v in fetches.items()},
                         "first_rerun": cold_rerun_hits},
        "reruns": reruns, "verifications": verifications, "cold": cold,
        "algorithm": "RS256 (2048-bit), ID token and JWT access token",
    }
    log(f"python overhead: rerun p50 {result['rerun_us']['median']} us, p95 {result['rerun_us']['p95']} us")
    return result

