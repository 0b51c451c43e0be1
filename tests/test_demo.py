"""`make demo` as a user meets it: examples/demo.py (what the make target runs) starts the local
provider, the demo API and the multipage Streamlit app on free ports; a real browser logs in
through the popup and calls the API; Ctrl-C stops everything and frees the ports.

The end-to-end test also saves the screenshots the README shows (docs/screenshots/)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from conftest import ARTIFACTS, ROOT, free_port, load_script
from idp import API_AUDIENCE, CLIENT_ID, running_idp
from login_flow import expect_logged_in, expect_logged_out, our_storage, sign_in, stored_session

DEMO = ROOT / "examples" / "demo.py"
SCREENSHOTS = ROOT / "docs" / "screenshots"
HOSTNAME = "streamlit_component demo"




launcher = load_script(DEMO, "demo_launcher")


@dataclass
class Demo:
    """A running launcher: its process, ports and everything it printed so far."""

    process: subprocess.Popen[bytes]
    ports: dict[str, int]
    lines: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.ports['DEMO_PORT']}"

    def output(self) -> str:
        return "\n".join(self.lines)


def distinct_free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


@contextlib.contextmanager
def running_demo(ports: dict[str, int] | None = None, secrets_file: Path | None = None,
                 timeout_s: float = 120, mode: str | None = None) -> Iterator[Demo]:
    """``python examples/demo.py`` on ``ports`` (default: free ones), with ``DEMO_SECRETS`` when
    ``secrets_file`` is given, until it printed that it is running."""
    ports = ports or dict(zip(("DEMO_PORT", "IDP_PORT", "API_PORT"), distinct_free_ports(3)))
    env = dict(os.environ, STREAMLIT_SERVER_FILE_WATCHER_TYPE="none", **{k: str(v) for k, v in ports.items()})
    env.pop("DEMO_SECRETS", None)
    env.pop("DEMO_MODE", None)
    if mode is not None:
        env["DEMO_MODE"] = mode
    if secrets_file is not None:
        env["DEMO_SECRETS"] = str(secrets_file)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / f"demo-{ports['DEMO_PORT']}.log", "w", encoding="utf-8")
    # Its own process group, as a shell gives a foreground job: a signal here reaches only it.
    process = subprocess.Popen([sys.executable, str(DEMO)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    demo = Demo(process, ports)

    def read() -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            demo.lines.append(line)
            log.write(line + "\n")
            log.flush()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + timeout_s
        while not any(launcher.READY_LINE in line for line in demo.lines):
            if process.poll() is not None or time.monotonic() > deadline:
                reader.join(timeout=5)
                pytest.fail(f"the demo did not start (exit code {process.poll()}):\n{demo.output()}")
            time.sleep(0.1)
        yield demo
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        reader.join(timeout=5)
        log.close()


def descendants(pid: int) -> dict[int, str]:
    """The live descendants of ``pid`` and their command lines (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found: dict[int, str] = {}
    todo = list(children.get(pid, []))
    while todo:
        child = todo.pop()
        with contextlib.suppress(OSError):
            found[child] = (Path("/proc") / str(child) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            todo.extend(children.get(child, []))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def listening(port: int) -> bool:
    """Whether something accepts connections on localhost:``port`` (IPv4 or IPv6)."""
    for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(1)
            with contextlib.suppress(OSError):
                probe.connect((address, port))
                return True
    return False


HEADINGS = {"Home": "streamlit_component demo", "Call API": "Call the API", "Members only": "Members only",
            "Admins only": "Admins only"}


def settled(page: Page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=30_000)


def nav(page: Page, name: str) -> None:
    """Open a page of the app through its sidebar link, as a user does, and wait until it is
    shown (the previous page's elements stay until the new script has run)."""
    url = re.compile(r"/" + ("" if name == "Home" else name.replace(" ", "_")) + "$")
    heading = page.get_by_role("heading", name=HEADINGS[name])
    for _ in range(3):
        # A click that lands while the previous page's script still runs may be dropped by
        # Streamlit, or a rerun the previous page asked for may bring it back once the new one
        # has started (seen in a clean-clone run); a user clicks again.
        page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
        with contextlib.suppress(AssertionError):
            expect(page).to_have_url(url, timeout=10_000)
            expect(heading).to_be_visible(timeout=30_000)
            settled(page)
            expect(heading).to_be_visible(timeout=1_000)
            break
    expect(page).to_have_url(url)
    expect(heading).to_be_visible(timeout=30_000)
    settled(page)


def expect_refused(page: Page) -> None:
    expect(page.get_by_role("heading", name="Members only")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("This page is only for logged-in users")).to_be_visible(timeout=30_000)
    expect_logged_out(page, HOSTNAME, timeout=30_000)
    expect(page.get_by_text("only logged-in users see this page")).to_have_count(0)


def choose(page: Page, option: str) -> None:
    page.get_by_test_id("stRadio").get_by_text(option, exact=True).click()


@pytest.fixture
def demo() -> Iterator[Demo]:
    with running_demo() as running:
        yield running


def test_the_demo_as_a_user(demo: Demo, page: Page) -> None:
    page.goto(demo.url)
    expect(page.get_by_role("heading", name="streamlit_component demo")).to_be_visible(timeout=60_000)
    expect_logged_out(page, HOSTNAME, timeout=60_000)
    expect(page.get_by_text("You are logged out")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "demo-logged-out.png"))

    # The gated page refuses while logged out.
    nav(page, "Members only")
    expect_refused(page)

    # Log in through the popup at the provider; the expander shows the verified user.
    nav(page, "Home")
    expect_logged_out(page, HOSTNAME, timeout=30_000)
    sign_in(page, "alice", "alice-password")
    expect_logged_in(page, "Alice Example", timeout=30_000)
    identity = page.get_by_test_id("stExpander").filter(has_text="Alice Example (alice@example.com)")
    expect(identity).to_be_visible(timeout=30_000)
    expect(identity).to_contain_text("Subject: alice")
    expect(identity).to_contain_text("read:chart")
    expect(identity).to_contain_text("write:solve")
    page.screenshot(path=str(SCREENSHOTS / "demo-logged-in.png"))

    # The API through delegated requests: public and secure calls, and a POST with write:solve.
    nav(page, "Call API")
    expect(page.get_by_role("heading", name="Call the API")).to_be_visible(timeout=30_000)
    choose(page, "Call public API")
    expect(page.get_by_text("GET /api/ping: HTTP 200")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("ping: the public endpoint answers anyone")).to_be_visible()
    choose(page, "Call secure API")
    expect(page.get_by_text("GET /api/pong: HTTP 200")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("pong: the secure endpoint verified a token for alice")).to_be_visible()
    page.get_by_role("button", name="Solve").click()
    expect(page.get_by_text("POST /api/solve: HTTP 200")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("1·x² + -3·x + 2 = 0")).to_be_visible()

    # Debug info: the events received, tokens redacted.
    page.get_by_text("debug info", exact=True).click()
    events = page.get_by_test_id("stJson").last
    expect(page.get_by_role("heading", name="Events received")).to_be_visible(timeout=30_000)
    expect(events).to_contain_text("onStatusUpdate")
    expect(events).to_contain_text("[redacted]")
    session = stored_session(page)
    assert session is not None
    assert session["token"]["value"] not in page.locator("body").inner_text()

    # The gated page opens while logged in; the admins' page too, for alice.
    nav(page, "Members only")
    expect(page.get_by_text("Welcome, Alice Example: only logged-in users see this page.")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("This page is only for logged-in users")).to_have_count(0)
    nav(page, "Admins only")
    expect(page.get_by_text("Welcome, Alice Example: your login has the admin role.")).to_be_visible(timeout=30_000)

    # Log out from Python: the secure call is then refused by the API (401), the page too.
    nav(page, "Call API")
    choose(page, "Call secure API")
    expect(page.get_by_text("GET /api/pong: HTTP 200")).to_be_visible(timeout=30_000)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").click()
    expect(page.get_by_text("GET /api/pong failed: the server answered HTTP 401")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("GET /api/pong: HTTP 200")).to_have_count(0)
    expect_logged_out(page, HOSTNAME, timeout=30_000)
    assert our_storage(page) == {}
    nav(page, "Members only")
    expect_refused(page)

    # The API saw both: Werkzeug colours its request log, even into a pipe.
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in demo.lines]
    api_log = [line for line in plain if line.startswith("[api]") and "/api/pong" in line]
    assert any('"GET /api/pong HTTP/1.1" 401' in line for line in api_log), api_log
    assert any('"GET /api/pong HTTP/1.1" 200' in line for line in api_log), api_log


def test_ctrl_c_stops_all_three_and_frees_the_ports() -> None:
    with running_demo() as demo:
        services = descendants(demo.process.pid)
        commands = " | ".join(services.values())
        assert "server.js" in commands and "examples/api/app.py" in commands and "streamlit run" in commands, commands
        assert all(listening(port) for port in demo.ports.values()), demo.ports
        assert "alice / alice-password" in demo.output() and f"App       {demo.url}" in demo.output()

        demo.process.send_signal(signal.SIGINT)
        assert demo.process.wait(timeout=30) == 0, demo.output()
        assert not [pid for pid in services if alive(pid)], services
        assert not [port for port in demo.ports.values() if listening(port)]
        assert all(launcher.port_is_free(port) for port in demo.ports.values())
        assert "demo: stopped" in demo.output()


def test_when_a_service_dies_the_others_are_stopped() -> None:
    with running_demo() as demo:
        services = descendants(demo.process.pid)
        api = next(pid for pid, command in services.items() if "examples/api/app.py" in command)
        os.kill(api, signal.SIGKILL)
        assert demo.process.wait(timeout=30) == 1
        assert not [pid for pid in services if alive(pid)], services
        assert "api exited with code -9: stopping the others" in demo.output()


def test_a_port_in_use_is_reported_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        app, idp = distinct_free_ports(2)
        env = dict(os.environ, DEMO_PORT=str(app), IDP_PORT=str(idp), API_PORT=str(port))
        result = subprocess.run([sys.executable, str(DEMO)], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert f"port in use: API_PORT={port}" in result.stdout
    bad = subprocess.run([sys.executable, str(DEMO)], env=dict(os.environ, DEMO_PORT="http"), capture_output=True,
                         text=True, timeout=30)
    assert bad.returncode == 2 and "DEMO_PORT='http' is not a port number" in bad.stdout


def test_a_hosted_provider_is_only_a_secrets_change(tmp_path: Path, page: Page) -> None:
    """DEMO_SECRETS points the app and the API at another provider (here a second local one
    stands in for Auth0 or Keycloak): the launcher starts no provider of its own."""
    app_port, api_port, unused = distinct_free_ports(3)
    redirect = f"http://localhost:{app_port}/component/streamlit_component.login/index.html"
    with running_idp([redirect]) as hosted:
        secrets_file = tmp_path / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'server_metadata_url = "{hosted.issuer}/.well-known/openid-configuration"\n'
            f'client_id = "{CLIENT_ID}"\n'
            f'audience = "{API_AUDIENCE}"\n'
            'scope = "openid profile email read:chart"\n'
            f'api_origins = ["http://localhost:{api_port}"]\n'
            'hostname = "hosted demo"\n'
            "\n[demo]\n"
            f'api_url = "http://localhost:{api_port}/api"\n')
        ports = {"DEMO_PORT": app_port, "IDP_PORT": unused, "API_PORT": api_port}
        with running_demo(ports, secrets_file) as demo:
            commands = " | ".join(descendants(demo.process.pid).values())
            assert "server.js" not in commands and not listening(unused), commands
            assert f"Provider  {hosted.issuer}/.well-known/openid-configuration  (from DEMO_SECRETS)" in demo.output()
            assert "Sign in with a user of your provider." in demo.output()

            page.goto(demo.url)
            expect_logged_out(page, "hosted demo", timeout=60_000)
            expect(page.get_by_text("Local test users")).to_be_visible()  # a provider on localhost
            sign_in(page, "bob", "bob-password")
            expect(page.get_by_text("Bob Example (bob@example.com)")).to_be_visible(timeout=30_000)
            nav(page, "Call API")
            choose(page, "Call secure API")
            expect(page.get_by_text("pong: the secure endpoint verified a token for bob")).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Solve").click()
            # This provider granted no write:solve: the API refuses the POST.
            expect(page.get_by_text("POST /api/solve failed: the server answered HTTP 403")).to_be_visible(timeout=30_000)
            # Bob is no admin: the admins' page says which rule refused him.
            nav(page, "Admins only")
            expect(page.get_by_text("You are signed in as bob@example.com, but this page is not open to you: this "
                                    "page needs the role admin; your login has user (claim realm_access.roles).")
                   ).to_be_visible(timeout=30_000)
            expect(page.get_by_role("button", name="Switch account")).to_be_visible()


def test_the_committed_secrets_are_what_the_launcher_writes_for_the_default_ports() -> None:
    committed = (ROOT / "examples" / "app" / ".streamlit" / "secrets.toml").read_text()
    settings = [line for line in committed.splitlines() if line and not line.startswith("#")]
    generated = [line for line in launcher.local_secrets(launcher.Ports()).splitlines() if line]
    assert settings == generated


def test_the_demo_in_confidential_mode(page: Page) -> None:
    """``make demo DEMO_MODE=confidential``: the same app as a confidential client; the sidebar
    says so, the API gets the server-held token, and the browser keeps only a sealed session."""
    with running_demo(mode="confidential") as demo:
        page.goto(demo.url)
        expect_logged_out(page, HOSTNAME, timeout=60_000)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text("Mode: confidential")
        sign_in(page, "alice", "alice-password")
        expect_logged_in(page, "Alice Example", timeout=30_000)
        session = stored_session(page)
        assert session is not None and session["sealed"].startswith("sc1.") and "value" not in session["token"]
        nav(page, "Call API")
        choose(page, "Call secure API")
        expect(page.get_by_text("pong: the secure endpoint verified a token for alice")).to_be_visible(timeout=30_000)
        page.get_by_role("button", name="Solve").click()
        expect(page.get_by_text("POST /api/solve: HTTP 200")).to_be_visible(timeout=30_000)
        sidebar.get_by_role("button", name="Log out").click()
        expect_logged_out(page, HOSTNAME, timeout=30_000)
        assert our_storage(page) == {}


def test_the_demo_refuses_an_unknown_mode() -> None:
    with pytest.raises(launcher.DemoError):
        launcher.local_secrets(launcher.Ports(), "hybrid")


@contextlib.contextmanager
def service_running(service, out) -> Iterator[None]:
    """One of the demo's services, started as the launcher starts it, until it is healthy;
    stopped (its whole process group) at the end."""
    service.start(out)
    try:
        deadline = time.monotonic() + 60
        while not service.healthy():
            assert service.exited() is None and time.monotonic() < deadline, f"{service.name} did not start"
            time.sleep(0.2)
        yield
    finally:
        service.signal_group(signal.SIGTERM)
        service.process.wait(timeout=15)


def test_the_api_going_down_is_an_error_on_the_page_and_the_login_stays(tmp_path: Path, page: Page) -> None:
    # The demo's three services started one by one, as the launcher starts them, so that the
    # API alone can go away and come back (the launcher itself stops everything when one dies).
    ports = launcher.Ports(*distinct_free_ports(3))
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(launcher.local_secrets(ports), encoding="utf-8")
    idp, api, app = launcher.services_for(ports, secrets_file, None)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with open(ARTIFACTS / f"demo-api-down-{ports.app}.log", "w", encoding="utf-8") as out, \
            service_running(idp, out), service_running(app, out):
        with service_running(api, out):
            page.goto(f"http://localhost:{ports.app}")
            expect_logged_out(page, HOSTNAME, timeout=60_000)
            sign_in(page, "alice", "alice-password")
            expect_logged_in(page, "Alice Example", timeout=30_000)
            nav(page, "Call API")
            choose(page, "Call secure API")
            expect(page.get_by_text("GET /api/pong: HTTP 200")).to_be_visible(timeout=30_000)
        # The API is gone: each call says so at once; the login is untouched.
        choose(page, "Call public API")
        origin = f"http://localhost:{ports.api}"
        expect(page.get_by_text(f"GET /api/ping failed: {origin} cannot be reached: the server is down or "
                                "the address is wrong (request_failed)")).to_be_visible(timeout=30_000)
        choose(page, "Call secure API")
        expect(page.get_by_text("GET /api/pong failed:")).to_contain_text("cannot be reached", timeout=30_000)
        expect_logged_in(page, "Alice Example")
        assert stored_session(page) is not None
        # Back up: the next call goes through with the same login.
        _, api_again, _ = launcher.services_for(ports, secrets_file, None)
        with service_running(api_again, out):
            page.get_by_role("button", name="Solve").click()
            expect(page.get_by_text("POST /api/solve: HTTP 200")).to_be_visible(timeout=30_000)
            expect_logged_in(page, "Alice Example")
