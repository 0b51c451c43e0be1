"""Time to ready, in a real `streamlit run` and headless Chromium: from the component's iframe
element being created in Streamlit's page to `streamlit:componentReady`, to the first frame whose
body shows text, and to the first frame showing the rendered view (ours: the logged-out line;
streamlit-oauth: its button's label), as seen by animation frames of Streamlit's page; and the
browser's own first-contentful-paint entry of the component's document. Each sample is a fresh page load in a new browser context
(cold cache) of an already-running server; components are interleaved."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import APPS, BENCHES, free_port, log, ratio, streamlit_server, summary

PROBE = (BENCHES / "probe.js").read_text(encoding="utf-8")
METRICS = {
    "component_ready_ms": "readyAt",
    "first_text_paint_ms": "textAt",
    "rendered_view_paint_ms": "markerAt",
    "first_contentful_paint_ms": "fcpAt",
}


def probe_script(marker: str = "", block_storage_events: bool = False) -> str:
    config = json.dumps({"marker": marker, "blockStorageEvents": block_storage_events})
    return f"const BENCH = {config};\n{PROBE}"


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    marker: str


def sample(browser: Any, target: Target, timeout_s: float = 60) -> dict[str, float | None]:
    """One cold page load; milliseconds from iframe creation to each event."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    try:
        context.add_init_script(probe_script(target.marker))
        page = context.new_page()
        page.goto(target.url)
        page.wait_for_function(
            "() => { const b = window.__bench; return b && b.iframeAt && b.readyAt && b.markerAt; }",
            timeout=timeout_s * 1000, polling=50)
        # The browser reports FCP a moment after the paint (when it has one at all).
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and page.evaluate("window.__benchFcp()") is None:
            time.sleep(0.05)
        values = page.evaluate("({iframeAt: window.__bench.iframeAt, readyAt: window.__bench.readyAt,"
                               " textAt: window.__bench.textAt, markerAt: window.__bench.markerAt,"
                               " fcpAt: window.__benchFcp()})")
    finally:
        context.close()
    start = values["iframeAt"]
    return {metric: (round(values[key] - start, 2) if isinstance(values[key], (int, float)) else None)
            for metric, key in METRICS.items()}


def run(browser: Any, targets: list[Target], runs: int) -> dict[str, Any]:
    """`runs` samples of each target, interleaved (ours, peer, ours, peer, ...)."""
    samples: dict[str, list[dict[str, float | None]]] = {t.name: [] for t in targets}
    for i in range(runs):
        for target in targets:
            samples[target.name].append(sample(browser, target))
        log(f"time to ready: run {i + 1}/{runs}: " + ", ".join(
            f"{name} {s[-1]['component_ready_ms']} ms" for name, s in samples.items()))
    result: dict[str, Any] = {"runs": runs, "order": "interleaved: " + ", ".join(t.name for t in targets),
                              "components": {}}
    for name, rows in samples.items():
        result["components"][name] = {
            metric: summary([r[metric] for r in rows if r[metric] is not None], 1)
            for metric in METRICS
        }
    names = [t.name for t in targets]
    if len(names) > 1:
        ours, peer = result["components"][names[0]], result["components"][names[1]]
        result["ratio_to"] = names[1]
        result["ratios"] = {metric: {stat: ratio(ours[metric][stat], peer[metric][stat]) for stat in ("median", "p95")}
                            for metric in METRICS}
    return result


def measure(browser: Any, runs: int, oauth_build: Path | None, log_dir: Path) -> dict[str, Any]:
    """Starts the two bench apps (ours, and streamlit-oauth's build when given) once and samples
    them `runs` times each."""
    issuer = f"http://localhost:{free_port()}"
    env = {"BENCH_ISSUER": issuer}
    with streamlit_server(APPS / "ready_ours.py", env, log_dir) as ours_url:
        targets = [Target("ours", ours_url, "(logged out)")]
        if oauth_build is None:
            return run(browser, targets, runs)
        with streamlit_server(APPS / "ready_oauth.py", {**env, "BENCH_OAUTH_BUILD": str(oauth_build)},
                              log_dir) as oauth_url:
            targets.append(Target("streamlit-oauth", oauth_url, "Click to login..."))
            return run(browser, targets, runs)
