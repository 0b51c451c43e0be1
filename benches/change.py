"""Login-state change to Python: a session written into localStorage by another page of the same
origin (as the login popup does) until the app's Python handles the `onStatusUpdate` it causes.

The app (apps/status_log.py) is the raw component: the tokens need not be real JWTs, nothing
is verified and no provider is needed. Writes cycle through session A, session B, logged out
(each session with a unique access token, so every write is a change and its event is found
by token). Latency = Python's `time.time()` when it handles the event - the writer page's
`Date.now()` at the write (one machine, one wall clock). A random pause of 0-2 s before each
write spreads the writes over the heartbeat's phase.

Two modes: `storage` (the component as shipped: the `storage` event, with the 2 s heartbeat
behind it) and `heartbeat` (the component frame's `storage` listener is never added, so only
the 2 s heartbeat sees the change: the original design)."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

from common import APPS, free_port, log, ratio, streamlit_server, summary
from ready import probe_script

CLIENT_ID = "bench-client"
HEARTBEAT_S = 2


def _session(token: str) -> str:
    return json.dumps({
        "user": "Bench User", "email": "bench@example.com",
        "token": {"value": token, "value_id_token": f"id-{token}", "expiry": int(time.time()) + 3600},
        "scopes": ["openid", "profile", "email"],
    })


def _read_log(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _wait_for(path: Path, seen: int, predicate: Any, timeout_s: float) -> dict[str, Any] | None:
    """The first log entry after the first `seen` ones that satisfies `predicate`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for entry in _read_log(path)[seen:]:
            if predicate(entry):
                return entry
        time.sleep(0.01)
    return None


def run_mode(browser: Any, url: str, issuer: str, log_path: Path, mode: str, changes: int,
             rng: random.Random) -> dict[str, Any]:
    key = f"streamlit_component.v1|session|{issuer}|{CLIENT_ID}"
    context = browser.new_context()
    try:
        context.add_init_script(probe_script(block_storage_events=(mode == "heartbeat")))
        app = context.new_page()
        seen = len(_read_log(log_path))
        app.goto(url)
        if _wait_for(log_path, seen, lambda e: e.get("reason") == "start", 60) is None:
            raise TimeoutError("the component's first status did not reach Python")
        # Another page of the same origin, without the component: its writes reach the
        # component's frame as `storage` events.
        writer = context.new_page()
        writer.goto(f"{url}/_stcore/health")
        writer.evaluate("k => localStorage.removeItem(k)", key)
        latencies: list[float] = []
        missed = 0
        for i in range(changes):
            time.sleep(rng.uniform(0, HEARTBEAT_S))
            seen = len(_read_log(log_path))
            if i % 3 == 2:
                written_ms = writer.evaluate("k => { const t = Date.now(); localStorage.removeItem(k); return t; }", key)
                predicate = lambda e: e.get("status") == "Logged out"  # noqa: E731
            else:
                token = f"bench-{mode}-{i}-{'ab'[i % 3]}"
                written_ms = writer.evaluate(
                    "([k, v]) => { const t = Date.now(); localStorage.setItem(k, v); return t; }", [key, _session(token)])
                predicate = lambda e, token=token: e.get("token") == token  # noqa: E731
            entry = _wait_for(log_path, seen, predicate, 10 + 2 * HEARTBEAT_S)
            if entry is None:
                missed += 1
                continue
            latencies.append(entry["t"] * 1000 - written_ms)
        frame = app.evaluate("() => { const f = document.querySelector('iframe').contentWindow.__benchFrame;"
                             " return {storageBlocked: f.storageBlocked, storageReads: f.storageReads}; }")
    finally:
        context.close()
    result = summary(latencies, 1)
    result.update(missed=missed, storage_listeners_blocked=frame["storageBlocked"])
    log(f"change to event ({mode}): p50 {result['median']} ms, p95 {result['p95']} ms, missed {missed}")
    return result


def measure(browser: Any, changes: int, log_dir: Path, seed: int = 1) -> dict[str, Any]:
    issuer = f"http://localhost:{free_port()}"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"events-{int(time.time())}.jsonl"
    env = {"BENCH_ISSUER": issuer, "BENCH_EVENT_LOG": str(log_path), "BENCH_HEARTBEAT_S": str(HEARTBEAT_S)}
    rng = random.Random(seed)
    with streamlit_server(APPS / "status_log.py", env, log_dir) as url:
        modes = {mode: run_mode(browser, url, issuer, log_path, mode, changes, rng) for mode in ("storage", "heartbeat")}
    storage, heartbeat = modes["storage"], modes["heartbeat"]
    return {"changes": changes, "heartbeat_s": HEARTBEAT_S, "component": "raw login() (no verification, no provider)",
            "modes": modes, "storage_to_heartbeat_ratio": {stat: ratio(storage[stat], heartbeat[stat], 4)
                                                           for stat in ("median", "p95")}}
