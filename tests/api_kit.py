"""A local API for delegated-request tests: records each request, answers with what it saw."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import time
from typing import Iterator


@contextlib.contextmanager
def api_server() -> Iterator[tuple[str, list[dict]]]:
    """An API on a free port; yields its origin and the requests it received."""
    received: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            received.append({"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body})
            if self.path.startswith("/slow"):
                time.sleep(1.5)
            status = {"/unauthorized": 401, "/redirect": 302}.get(self.path.split("?")[0], 200)
            payload = json.dumps({"path": self.path, "authorization": self.headers.get("authorization"),
                                  "body": json.loads(body) if body else None}).encode()
            try:
                self.send_response(status)
                if status == 302:
                    self.send_header("location", "http://127.0.0.1:1/elsewhere")
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up (timeout test)

        do_GET = do_POST = answer  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
