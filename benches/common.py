"""Shared by the bench modules: paths, statistics, a `streamlit run` server on a free port, and
headless Chromium (the system's Debian chromium, as in the tests)."""

from __future__ import annotations

import contextlib
import math
import os
import sys
from pathlib import Path
from typing import Any, Iterator, Sequence

ROOT = Path(__file__).resolve().parent.parent
BENCHES = ROOT / "benches"
APPS = BENCHES / "apps"
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"
FRONTEND = ROOT / "streamlit_component" / "frontend"

#: The path Streamlit serves our packaged build at.
OUR_COMPONENT_PATH = "/component/streamlit_component.login/index.html"

# The tests' server and browser helpers (tests/servers.py), shared rather than copied.
sys.path.insert(0, str(ROOT / "tests"))
from servers import CHROMIUM_ARGS, chromium_path, free_port  # noqa: E402,F401 - free_port: for the bench modules
from servers import streamlit_server as _streamlit_server  # noqa: E402


@contextlib.contextmanager
def streamlit_server(script: Path, env: dict[str, str], log_dir: Path) -> Iterator[str]:
    """`streamlit run script` on a free loopback port from the project root, with `env` added
    to this environment and its log in `log_dir`; yields the app URL."""
    with _streamlit_server(script, "--server.runOnSave=false", env={**os.environ, **env}, cwd=ROOT,
                           log_dir=log_dir) as url:
        yield url


def percentile(values: Sequence[float], p: float) -> float:
    """The `p`-th percentile (0..100), linear between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: Sequence[float], digits: int = 1) -> dict[str, Any]:
    """n, median, p95, min, max and the samples themselves, rounded to `digits`."""
    def r(x: float) -> float:
        return round(x, digits)

    return {
        "n": len(values),
        "median": r(percentile(values, 50)),
        "p95": r(percentile(values, 95)),
        "min": r(min(values)) if values else math.nan,
        "max": r(max(values)) if values else math.nan,
        "samples": [r(v) for v in values],
    }


def ratio(a: float | None, b: float | None, digits: int = 2) -> float | None:
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return None
    return round(a / b, digits)


@contextlib.contextmanager
def chromium(extra_args: Sequence[str] = ()) -> Iterator[Any]:
    """A headless Chromium (Playwright) for the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(),
                                             args=[*CHROMIUM_ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)
