"""The demo in one command (``make demo`` runs it): starts the local OpenID Connect provider, the
demo API and the Streamlit app, waits until each answers, prints the URLs and the test users,
and on Ctrl-C (SIGINT), SIGTERM or SIGHUP stops all three and waits for them.

Environment (all optional):

``DEMO_PORT``
    the Streamlit app's port (8501); the app is served on ``http://localhost:$DEMO_PORT``.
``IDP_PORT``
    the local provider's port (9400).
``API_PORT``
    the demo API's port (5000).
``DEMO_MODE``
    ``public`` (default: the browser exchanges the code as a public client) or
    ``confidential`` (Python does, with a client secret, and keeps the tokens; the browser keeps
    a sealed session). The app's sidebar says which mode is on.
``DEMO_SECRETS``
    a ``secrets.toml`` for a hosted provider (see the README). The local provider is then not
    started; the app uses that file, and the API checks tokens from its ``[auth]`` issuer for
    its ``audience``.

Each service runs in its own process group: stopping kills the whole group (SIGTERM, then
SIGKILL after 10 s), so nothing is left behind and the ports are free again. If a service
exits on its own, the others are stopped too. Standard library only: it runs before anything
else is known to work.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
IDP_DIR = ROOT / "examples" / "idp"
API_APP = ROOT / "examples" / "api" / "app.py"
STREAMLIT_APP = ROOT / "examples" / "app" / "Home.py"
CLIENT_ID = "streamlit-demo"
HOSTNAME = "streamlit_component demo"
SCOPE = "openid profile email offline_access read:chart write:solve"
#: How long a service may take to answer its health URL, in seconds.
START_TIMEOUT_S = 120.0
#: How long a stopped service may take to exit before it is killed, in seconds.
STOP_TIMEOUT_S = 10.0
#: The line printed once everything answers (tests wait for it).
READY_LINE = "streamlit_component demo is running"


class DemoError(Exception):
    """The demo cannot start (the message says why and what to do)."""


@dataclass(frozen=True)
class Ports:
    """The three ports, from ``DEMO_PORT``, ``IDP_PORT`` and ``API_PORT``."""

    app: int = 8501
    idp: int = 9400
    api: int = 5000

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Ports:
        """Read and check the ports.

        Raises
        ------
        DemoError
            When a port is not a number from 1 to 65535, or two are the same.
        """
        values = []
        for name, default in (("DEMO_PORT", cls.app), ("IDP_PORT", cls.idp), ("API_PORT", cls.api)):
            text = env.get(name, "").strip() or str(default)
            if not text.isdigit() or not 1 <= int(text) <= 65535:
                raise DemoError(f"{name}={text!r} is not a port number (1..65535)")
            values.append(int(text))
        if len(set(values)) != 3:
            raise DemoError(f"DEMO_PORT, IDP_PORT and API_PORT must differ (got {values})")
        return cls(*values)


#: The local provider's confidential client (Auth0/Entra-like: client_secret_basic, JWT access
#: tokens for the API, rotated refresh tokens), for ``DEMO_MODE=confidential``.
CONFIDENTIAL_CLIENT = ("confidential-basic", "basic-secret")


def local_secrets(ports: Ports, mode: str = "public") -> str:
    """The app's ``secrets.toml`` for the local provider and API on ``ports``; in confidential
    ``mode`` with the confidential client, its secret and a fresh ``cookie_secret``."""
    api = f"http://localhost:{ports.api}"
    if mode == "confidential":
        import secrets as random

        client = [f"client_id = {json.dumps(CONFIDENTIAL_CLIENT[0])}",
                  f"client_secret = {json.dumps(CONFIDENTIAL_CLIENT[1])}",
                  f"cookie_secret = {json.dumps(random.token_urlsafe(32))}"]
    elif mode == "public":
        client = [f"client_id = {json.dumps(CLIENT_ID)}"]
    else:
        raise DemoError(f"DEMO_MODE={mode}: must be public or confidential")
    lines = [
        "[auth]",
        f"server_metadata_url = {json.dumps(f'http://localhost:{ports.idp}/.well-known/openid-configuration')}",
        *client,
        f"audience = {json.dumps(api + '/api')}",
        f"scope = {json.dumps(SCOPE)}",
        f"api_origins = [{json.dumps(api)}]",
        f"hostname = {json.dumps(HOSTNAME)}",
        "",
        "[demo]",
        f"api_url = {json.dumps(api + '/api')}",
    ]
    return "\n".join(lines) + "\n"


def read_auth_section(path: Path) -> dict[str, Any]:
    """The ``[auth]`` table of a ``secrets.toml``.

    Raises
    ------
    DemoError
        When the file cannot be read or has no ``[auth]`` table with a provider and a client.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        raise DemoError("DEMO_SECRETS needs Python 3.11 or newer (tomllib)") from None
    try:
        with path.open("rb") as file:
            auth = tomllib.load(file).get("auth")
    except (OSError, ValueError) as error:
        raise DemoError(f"DEMO_SECRETS={path}: {error}") from None
    if not isinstance(auth, dict) or not auth.get("client_id") or not (
        auth.get("server_metadata_url") or auth.get("issuer")
    ):
        raise DemoError(f"DEMO_SECRETS={path}: needs an [auth] table with server_metadata_url (or issuer) "
                        "and client_id")
    return auth


def port_is_free(port: int) -> bool:
    """Whether a server could listen on ``127.0.0.1:port`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class Service:
    """One process of the demo and how to tell it is ready."""

    name: str
    command: Sequence[str]
    health_url: str
    env: dict[str, str]
    cwd: Path = ROOT
    process: subprocess.Popen[bytes] | None = None
    pump: threading.Thread | None = field(default=None, repr=False)

    def start(self, out: IO[str]) -> None:
        """Start it in its own process group; its output goes to ``out``, each line prefixed.

        Raises
        ------
        DemoError
            When the program cannot be started (not installed).
        """
        try:
            self.process = subprocess.Popen(
                list(self.command), cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            )
        except OSError as error:
            raise DemoError(f"cannot start {self.name} ({self.command[0]}): {error}") from None
        self.pump = threading.Thread(target=_pump, args=(self.name, self.process.stdout, out), daemon=True)
        self.pump.start()

    def healthy(self) -> bool:
        """Whether its health URL answers 200 now."""
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
                return bool(response.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def exited(self) -> int | None:
        """Its exit code once it has exited, else ``None``."""
        return None if self.process is None else self.process.poll()

    def signal_group(self, signum: int) -> None:
        """Send ``signum`` to its whole process group (gone already is fine)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signum)


_print_lock = threading.Lock()


def say(out: IO[str], text: str) -> None:
    """Print ``text`` to ``out`` at once, whole lines never mixed with the services' output."""
    with _print_lock:
        out.write(text + "\n")
        out.flush()


def _pump(name: str, stream: IO[bytes] | None, out: IO[str]) -> None:
    if stream is None:
        return
    with stream:
        for raw in iter(stream.readline, b""):
            say(out, f"[{name}] {raw.decode('utf-8', 'replace').rstrip()}")


class Stop:
    """Set by a stopping signal; the main loop polls it."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        self.event.set()

    def wait(self, seconds: float) -> bool:
        return self.event.wait(seconds)


def services_for(ports: Ports, secrets_file: Path, auth: Mapping[str, Any] | None,
                 mode: str = "public") -> list[Service]:
    """The services to start: the local provider (unless ``auth`` is a hosted provider's
    ``[auth]`` table), the API (for the ``mode``'s client) and Streamlit."""
    base = dict(os.environ, PYTHONUNBUFFERED="1")
    app_origins = f"http://localhost:{ports.app},http://127.0.0.1:{ports.app}"
    services = []
    if auth is None:
        issuer = f"http://localhost:{ports.idp}"
        audience = f"http://localhost:{ports.api}/api"
        services.append(Service(
            "idp", ["node", "server.js"], f"{issuer}/.well-known/openid-configuration",
            dict(base, IDP_PORT=str(ports.idp), IDP_ISSUER=issuer, STREAMLIT_PORT=str(ports.app),
                 IDP_CLIENT_ID=CLIENT_ID, IDP_API_AUDIENCE=audience),
            cwd=IDP_DIR,
        ))
        api_env = dict(base, API_SERVER_METADATA_URL=f"{issuer}/.well-known/openid-configuration",
                       API_AUDIENCE=audience,
                       API_CLIENT_ID=CONFIDENTIAL_CLIENT[0] if mode == "confidential" else CLIENT_ID)
        api_env.pop("API_ISSUER", None)
    else:
        api_env = dict(base, API_CLIENT_ID=str(auth["client_id"]), API_AUDIENCE=str(auth.get("audience") or ""))
        api_env.pop("API_SERVER_METADATA_URL", None)
        api_env.pop("API_ISSUER", None)
        if auth.get("server_metadata_url"):
            api_env["API_SERVER_METADATA_URL"] = str(auth["server_metadata_url"])
        if auth.get("issuer"):
            api_env["API_ISSUER"] = str(auth["issuer"])
    api_env.update(API_PORT=str(ports.api), API_HOST="127.0.0.1", API_ALLOWED_ORIGINS=app_origins)
    services.append(Service("api", [sys.executable, str(API_APP)], f"http://localhost:{ports.api}/api/ping", api_env))
    services.append(Service(
        "streamlit",
        [sys.executable, "-m", "streamlit", "run", str(STREAMLIT_APP), "--server.headless=true",
         "--server.address=localhost", f"--server.port={ports.app}", "--browser.gatherUsageStats=false",
         "--client.toolbarMode=minimal",
         f"--secrets.files={secrets_file}"],
        f"http://localhost:{ports.app}/_stcore/health", base,
    ))
    return services


def banner(ports: Ports, auth: Mapping[str, Any] | None) -> str:
    """What is running where, and who can log in."""
    rule = "-" * 78
    lines = [rule, f" {READY_LINE} (Ctrl-C stops it all)", "",
             f"   App       http://localhost:{ports.app}"]
    if auth is None:
        users = json.loads((IDP_DIR / "users.json").read_text(encoding="utf-8"))
        lines.append(f"   Provider  http://localhost:{ports.idp}  (local, examples/idp)")
    else:
        users = []
        lines.append(f"   Provider  {auth.get('issuer') or auth.get('server_metadata_url')}  (from DEMO_SECRETS)")
    api = f"http://localhost:{ports.api}/api"
    lines += [f"   API       {api}/ping (public), {api}/pong (read:chart), {api}/solve (POST, write:solve)", ""]
    if users:
        lines.append("   Test users (username / password):")
        lines += [f"     {u['username']} / {u['password']}   {u['name']} <{u['email']}>" for u in users]
    else:
        lines.append("   Sign in with a user of your provider.")
    return "\n".join([*lines, rule])


def stop_all(services: Sequence[Service], out: IO[str]) -> None:
    """SIGTERM every process group, wait up to :data:`STOP_TIMEOUT_S`, SIGKILL what is left."""
    running = [s for s in services if s.process is not None]
    for service in running:
        service.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for service in running:
        assert service.process is not None
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(out, f"{service.name} did not stop within {STOP_TIMEOUT_S:g} s: killing it")
        # Whatever else is left in its group (children of the service) goes too.
        service.signal_group(signal.SIGKILL)
        service.process.wait()
    for service in running:
        if service.pump is not None:
            service.pump.join(timeout=2)


def wait_until_ready(services: Sequence[Service], stop: Stop, out: IO[str]) -> bool:
    """Wait for every health URL; ``False`` when stopped first.

    Raises
    ------
    DemoError
        When a service exits or does not answer within :data:`START_TIMEOUT_S`.
    """
    deadline = time.monotonic() + START_TIMEOUT_S
    waiting = list(services)
    while waiting:
        for service in list(waiting):
            code = service.exited()
            if code is not None:
                raise DemoError(f"{service.name} exited with code {code} before it was ready (its output is above)")
            if service.healthy():
                say(out, f"{service.name} is ready: {service.health_url}")
                waiting.remove(service)
        if not waiting:
            return True
        if time.monotonic() > deadline:
            raise DemoError(f"{', '.join(s.name for s in waiting)} did not answer within {START_TIMEOUT_S:g} s")
        if stop.wait(0.25):
            return False
    return True


@contextlib.contextmanager
def signals_to(stop: Stop) -> Iterator[None]:
    """Route SIGINT, SIGTERM and SIGHUP (the terminal closed) to ``stop`` for the duration."""
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.signal(signum, stop) for signum in signals}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run(env: Mapping[str, str], out: IO[str] = sys.stdout) -> int:
    """Run the demo until a signal or until a service exits; the exit code for the shell."""
    stop = Stop()
    with signals_to(stop), tempfile.TemporaryDirectory(prefix="streamlit-component-demo-") as tmp:
        try:
            ports = Ports.from_env(env)
            hosted = env.get("DEMO_SECRETS", "").strip()
            mode = env.get("DEMO_MODE", "").strip() or "public"
            if hosted:
                secrets_file = Path(hosted).expanduser().resolve()
                auth: dict[str, Any] | None = read_auth_section(secrets_file)
            else:
                auth = None
                secrets_file = Path(tmp) / "secrets.toml"
                secrets_file.write_text(local_secrets(ports, mode), encoding="utf-8")
                if not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
                    raise DemoError("the local provider's packages are missing: run `make idp`")
            busy = [f"{name}={port}" for name, port in (("DEMO_PORT", ports.app), ("API_PORT", ports.api),
                                                          ("IDP_PORT", ports.idp))
                    if (auth is None or name != "IDP_PORT") and not port_is_free(port)]
            if busy:
                raise DemoError(f"port in use: {', '.join(busy)}; stop what uses it or choose another port "
                                "(DEMO_PORT, IDP_PORT, API_PORT)")
        except DemoError as error:
            say(out, f"demo: {error}")
            return 2
        services = services_for(ports, secrets_file, auth, mode)
        code = 0
        try:
            for service in services:
                service.start(out)
            if wait_until_ready(services, stop, out):
                say(out, banner(ports, auth))
                while not stop.wait(0.5):
                    gone = next((s for s in services if s.exited() is not None), None)
                    if gone is not None:
                        say(out, f"demo: {gone.name} exited with code {gone.exited()}: stopping the others")
                        code = 1
                        break
        except DemoError as error:
            say(out, f"demo: {error}")
            code = 1
        finally:
            if stop.signum is not None:
                say(out, f"demo: {signal.Signals(stop.signum).name}: stopping")
            stop_all(services, out)
            say(out, "demo: stopped")
        return code


if __name__ == "__main__":
    sys.exit(run(os.environ))
