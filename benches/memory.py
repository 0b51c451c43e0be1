"""Memory over a stretch of heartbeats: the component's wasm memory (`WebAssembly.Memory` of its
instance) and the JS heap (`performance.memory.usedJSHeapSize`, precise, after a forced GC),
after start and then every 10 s for the duration, with a session stored (so every beat reads
and parses it) and `heartbeat_s=1`; beside it, a control page of the same app whose heartbeat
(3600 s) does not beat in the window.

The JS heap is the renderer's for the page: Streamlit's page and the component's frame share
one (same origin), so it counts Streamlit's page too: the control tells what the page does
without heartbeats. The wasm memory is the component's own."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from common import APPS, free_port, log, streamlit_server
from ready import probe_script

MEMORY_ARGS = ["--enable-precise-memory-info", "--js-flags=--expose-gc"]
CLIENT_ID = "bench-client"

_SAMPLE = """() => {
  const win = document.querySelector('iframe').contentWindow;
  win.gc();
  window.gc();
  const frame = win.__benchFrame;
  return {
    wasm_bytes: frame.wasm ? frame.wasm.buffer.byteLength : null,
    js_heap_used_bytes: win.performance.memory.usedJSHeapSize,
    js_heap_total_bytes: win.performance.memory.totalJSHeapSize,
    storage_reads: frame.storageReads,
    text: win.document.body.innerText.trim(),
  };
}"""


def _open(browser: Any, url: str, key: str, session: str, heartbeat_s: int) -> tuple[Any, Any]:
    """A new context with the session stored and the app open at `heartbeat_s`; (context, page)."""
    context = browser.new_context()
    context.add_init_script(probe_script())
    setup = context.new_page()
    setup.goto(f"{url}/_stcore/health")
    setup.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, session])
    setup.close()
    page = context.new_page()
    page.goto(f"{url}/?heartbeat_s={heartbeat_s}")
    page.wait_for_function(
        "() => { const f = document.querySelector('iframe'); const w = f && f.contentWindow;"
        " return w && w.__benchFrame && w.__benchFrame.wasm && w.document.body"
        " && w.document.body.innerText.includes('Bench User'); }", timeout=60_000, polling=100)
    return context, page


def _summary(samples: list[dict[str, Any]], heartbeat_s: int) -> dict[str, Any]:
    first, last = samples[0], samples[-1]
    if "Bench User" not in last["text"]:
        raise RuntimeError(f"the component did not stay logged in: {last['text']!r}")
    heap = [s["js_heap_used_bytes"] for s in samples]
    wasm = [s["wasm_bytes"] for s in samples]
    half = next(i for i, s in enumerate(samples) if s["t_s"] >= last["t_s"] / 2)
    return {
        "heartbeat_s": heartbeat_s,
        "storage_reads": last["storage_reads"] - first["storage_reads"],
        "wasm_bytes": {"start": wasm[0], "end": wasm[-1], "max": max(wasm), "growth": wasm[-1] - wasm[0],
                       "second_half_growth": wasm[-1] - wasm[half]},
        "js_heap_used_bytes": {"start": heap[0], "end": heap[-1], "max": max(heap), "min": min(heap),
                               "growth": heap[-1] - heap[0], "second_half_growth": heap[-1] - heap[half]},
        "samples": [{k: v for k, v in s.items() if k != "text"} for s in samples],
    }


def measure(browser: Any, duration_s: float, log_dir: Path, interval_s: float = 10) -> dict[str, Any]:
    """Two pages side by side, each in its own context (own renderer, own heap): `beating` with
    heartbeat_s=1 and `control` with heartbeat_s=3600 (no beat in the window), sampled in turn."""
    issuer = f"http://localhost:{free_port()}"
    env = {"BENCH_ISSUER": issuer, "BENCH_EVENT_LOG": str(log_dir / "memory-events.jsonl")}
    key = f"streamlit_component.v1|session|{issuer}|{CLIENT_ID}"
    session = json.dumps({"user": "Bench User", "email": "bench@example.com", "scopes": ["openid"],
                          "token": {"value": "bench-access", "value_id_token": "bench-id",
                                    "expiry": int(time.time() + duration_s + 3600)}})
    beats = {"beating": 1, "control": 3600}
    with streamlit_server(APPS / "status_log.py", env, log_dir) as url:
        opened = {}
        try:
            for name, heartbeat_s in beats.items():
                opened[name] = _open(browser, url, key, session, heartbeat_s)
            time.sleep(2)  # let the start settle: first status sent, Python's rerun answered
            started = time.monotonic()
            samples: dict[str, list[dict[str, Any]]] = {name: [] for name in beats}

            def take() -> None:
                t_s = round(time.monotonic() - started, 1)
                for name, (_, page) in opened.items():
                    samples[name].append({"t_s": t_s, **page.evaluate(_SAMPLE)})

            take()
            while (elapsed := time.monotonic() - started) < duration_s:
                time.sleep(min(interval_s, duration_s - elapsed))
                take()
        finally:
            for context, _ in opened.values():
                context.close()
    result = {name: _summary(samples[name], beats[name]) for name in beats}
    result["duration_s"] = samples["beating"][-1]["t_s"]
    beating, control = result["beating"], result["control"]
    result["js_heap_growth_beyond_control"] = (beating["js_heap_used_bytes"]["growth"]
                                               - control["js_heap_used_bytes"]["growth"])
    log(f"memory over {result['duration_s']} s: wasm growth {beating['wasm_bytes']['growth']} B, JS heap growth "
        f"{beating['js_heap_used_bytes']['growth']} B (control {control['js_heap_used_bytes']['growth']} B), "
        f"{beating['storage_reads']} storage reads")
    return result
