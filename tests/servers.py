"""Local servers and the browser for the tests and the bench: free ports, waiting for a URL, a
real `streamlit run`, a static file server, and the flags for Debian's chromium (never a
downloaded browser)."""

from __future__ import annotations

import contextlib
import errno
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's chromium (`make chromium` installs it)."""
    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("chromium is not installed: run `make chromium`")
    return executable


def free_port() -> int:
    """A loopback port nothing listens on now, on 127.0.0.1 nor on ::1: the servers are reached
    as `localhost`, which a client tries on ::1 first, so a server of another test listening on
    ::1 alone would answer in place of ours."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if _free_on_ipv6_loopback(port):
            return port
    raise RuntimeError("no port is free on both 127.0.0.1 and ::1")


def _free_on_ipv6_loopback(port: int) -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", port))
    except OSError as error:
        # EADDRINUSE: taken. A machine without IPv6 (no ::1, or no AF_INET6) has nothing there.
        return error.errno != errno.EADDRINUSE
    return True


def wait_for_http(url: str, timeout_s: float, process: subprocess.Popen | None = None) -> None:
    """Polls `url` until it answers 200, the process dies, or the time is up; the error says what
    the last try got."""
    deadline = time.monotonic() + timeout_s
    last = "nothing yet"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except OSError as error:  # refused, timed out, or an HTTP error status
            last = repr(error)
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s; the last try got: {last}")


@contextlib.contextmanager
def streamlit_server(
    script: Path,
    *options: str,
    python: str = sys.executable,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    log_dir: Path = ARTIFACTS,
    health_path: str = "/_stcore/health",
    port: int | None = None,
) -> Iterator[str]:
    """Runs `streamlit run script` on a free loopback port, its output logged in `log_dir`;
    yields the server's URL (`health_path` is where it answers once up: under a
    `baseUrlPath`, give it with the path). `port`: a given one instead of a free one. Stopped with SIGTERM (SIGKILL after 10 s) when the block ends."""
    port = port or free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"streamlit-{script.stem}-{port}.log"
    command = [
        python, "-m", "streamlit", "run", str(script),
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
        "--global.developmentMode=false", *options,
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env or os.environ.copy(), cwd=cwd
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for_http(f"{url}{health_path}", 90, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for `localhost` valid one day, made with openssl; (certificate, key)."""
    cert, key = directory / "localhost-cert.pem", directory / "localhost-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


@contextlib.contextmanager
def static_server(directory: Path) -> Iterator[str]:
    """Serves `directory` on a free loopback port (wasm as application/wasm); yields its URL."""
    handler = lambda *a, **kw: _QuietHandler(*a, directory=str(directory), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def serving(body: bytes, content_type: str, host: str = "127.0.0.1") -> Iterator[str]:
    """Serves `body` as `content_type` at every path on a free loopback port; yields
    `http://<host>:<port>` (`localhost` makes it another site than `127.0.0.1`)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
