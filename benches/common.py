"""Shared by the bench modules: paths, statistics, a `streamlit run` server on a free port, and
headless Chromium (the system's Debian chromium, as in the tests)."""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator, Sequence

ROOT = Path(__file__).resolve().parent.parent
BENCHES = ROOT / "benches"
APPS = BENCHES / "apps"
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"
FRONTEND = ROOT / "streamlit_component" / "frontend"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: The path Streamlit serves our packaged build at.
OUR_COMPONENT_PATH = "/component/streamlit_component.login/index.html"


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_http(url: str, timeout_s: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before {url} answered")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


@contextlib.contextmanager
def streamlit_server(script: Path, env: dict[str, str], log_dir: Path) -> Iterator[str]:
    """`streamlit run script` on a free loopback port, with `env` added; yields the app URL.
    Stopped with SIGTERM (SIGKILL after 10 s) when the block ends."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
        "--global.developmentMode=false", "--server.runOnSave=false",
    ]
    with open(log_dir / f"streamlit-{script.stem}-{port}.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, **env}, cwd=ROOT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for_http(f"{url}/_stcore/health", 90, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def chromium_path() -> str:
    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("chromium is not installed: run `make chromium`")
    return executable


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
