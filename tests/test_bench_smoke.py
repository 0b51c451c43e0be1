"""`make bench` cannot rot: its smoke mode (sizes, one time-to-ready sample and one popup sample,
in a real Streamlit and headless Chromium) runs here and must write its JSON and markdown with the expected keys.
Figures are not checked: the bench reports, it does not assert. Peers are measured when their
wheels are cached or can be downloaded, and reported as unavailable otherwise."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

KINDS = {"html", "js", "wasm", "css"}
READY_METRICS = {"component_ready_ms", "first_text_paint_ms", "rendered_view_paint_ms", "first_contentful_paint_ms"}


def test_the_bench_smoke_writes_sizes_and_one_time_to_ready_sample(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "benches" / "bench.py"), "--smoke", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    data = json.loads((tmp_path / "smoke.json").read_text())
    markdown = (tmp_path / "smoke.md").read_text()

    assert data["meta"]["mode"] == "smoke"
    assert set(data) >= {"meta", "sizes", "ready", "popup", "targets"}
    ours = data["sizes"]["components"]["ours"]
    for view in ("loaded", "wheel"):
        assert set(ours[view]["by_kind"]) == KINDS
        assert ours[view]["by_kind"]["wasm"]["raw"] > 0 and ours[view]["by_kind"]["js"]["gzip"] > 0
        assert ours[view]["total"]["gzip"] == sum(k["gzip"] for k in ours[view]["by_kind"].values())
    for name in data["meta"]["peers"]:
        assert data["sizes"]["components"][name]["loaded"]["total"]["gzip"] > 0

    ready = data["ready"]
    assert ready["runs"] == 1
    for name, metrics in ready["components"].items():
        assert set(metrics) == READY_METRICS
        assert metrics["component_ready_ms"]["n"] == 1 and metrics["component_ready_ms"]["median"] > 0, name
        assert metrics["rendered_view_paint_ms"]["n"] == 1, name
    assert ("streamlit-oauth" in ready["components"]) == ("streamlit-oauth" in data["meta"]["peers"])

    popup = data["popup"]
    assert popup["runs"] == 1
    for cache in ("cold_ms", "cached_ms"):
        assert popup[cache]["n"] == 1 and popup[cache]["median"] > 0, cache

    assert {t["id"] for t in data["targets"]} >= {"size", "size_shipped", "time_to_ready"}
    assert all(set(t) == {"id", "what", "figure", "goal", "met"} for t in data["targets"])
    for heading in ("## Targets", "## 1. Shipped frontend bytes", "## 2. Time to ready", "## 2b. The login popup"):
        assert heading in markdown
    assert markdown in result.stdout, "the table is printed too"


def test_two_concurrent_users_never_see_each_other_in_the_load_bench_short_form(tmp_path):
    # make bench runs 20 sessions for 5 minutes; here two users, each in its own browser
    # context, log in, call the API through Python, stay over refreshes and log out, at once.
    result = subprocess.run(
        [sys.executable, str(ROOT / "benches" / "bench.py"), "--only", "load", "--load-sessions", "2",
         "--load-s", "45", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    load = json.loads((tmp_path / "latest.json").read_text())["load"]
    assert load["identity_mixups"] == [], "no session saw another's identity, in the app or at the API"
    assert load["failures"] == [] and load["app_errors"] == [] and load["failed_api_calls"] == 0
    assert load["logins"] >= 2 and load["api_calls"] > 0 and load["refresh_grants"] > 0
    assert "## 6. Load: 2 concurrent sessions" in (tmp_path / "latest.md").read_text()
