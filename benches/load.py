"""Load: concurrent browser sessions, each its own browser context and its own user, logging in
through the popup, calling the demo API through Python, staying logged in across token refreshes
and logging out, again and again, against the local provider, the demo API and one Streamlit
server. Reported: sessions, logins per minute, time from the popup's close to the verified login
(median, p95), refreshes made, errors (any onError, any step that failed), identity mix-ups (a
session that saw another user's identity, in the app or from the API) and the Streamlit server's
memory (RSS) over the run.

    .venv/bin/python benches/bench.py --only load                 # 20 sessions, 5 minutes
    .venv/bin/python benches/bench.py --only load --load-sessions 3 --load-s 60
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import APPS, CHROMIUM_ARGS, ROOT, chromium_path, free_port, log, streamlit_server, summary
# tests/ is on the path (common.py puts it there): the tests' provider and server helpers.
from idp import running_idp
from servers import wait_for_http

COMPONENT_PATH = "/component/streamlit_component.login/index.html"
#: Short lifetimes, so that every session refreshes several times in the run.
TOKEN_TTL_S = 20


def _users(path: Path, count: int) -> list[dict[str, str]]:
    users = [{"username": f"load{i:02d}", "password": f"load{i:02d}-password", "name": f"Load User {i:02d}",
              "email": f"load{i:02d}@example.com"} for i in range(1, count + 1)]
    path.write_text(json.dumps(users))
    return users


def _rss_bytes(port: int) -> int | None:
    """The resident memory of the `streamlit run` process serving `port`."""
    found = subprocess.run(["pgrep", "-f", f"server.port={port}"], capture_output=True, text=True).stdout.split()
    for pid in found:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        if match:
            return int(match.group(1)) * 1024
    return None


class Session:
    """One user's browser context, looping login → API call → refreshes → logout."""

    def __init__(self, user: dict[str, str], url: str) -> None:
        self.user, self.url = user, url
        self.logins = 0
        self.login_ms: list[float] = []
        self.failures: list[str] = []
        self.calls = 0
        self.failed_calls = 0
        self.mixups: list[str] = []
        self.app_errors: set[str] = set()

    async def run(self, browser: Any, until: float, hold_s: float) -> None:
        context = await browser.new_context(viewport={"width": 1000, "height": 800})
        try:
            page = await context.new_page()
            await page.goto(self.url)
            await page.get_by_text("Load app").wait_for(timeout=120_000)
            while time.monotonic() < until:
                try:
                    await self._round(page, hold_s)
                except Exception as error:  # one failed round is counted, the session goes on
                    self.failures.append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
                    await page.goto(self.url)
                    await page.get_by_text("Load app").wait_for(timeout=120_000)
        finally:
            await context.close()

    async def _round(self, page: Any, hold_s: float) -> None:
        frame = page.frame_locator("iframe")
        await frame.get_by_role("button", name="Click to login...").wait_for(timeout=60_000)
        async with page.expect_popup() as popup_info:
            await frame.get_by_role("button", name="Click to login...").click()
        popup = await popup_info.value
        await popup.get_by_label("Username").fill(self.user["username"], timeout=60_000)
        await popup.get_by_label("Password").fill(self.user["password"])
        async with popup.expect_event("close", timeout=60_000):
            await popup.get_by_role("button", name="Sign in").click()
        closed = time.monotonic()
        await page.get_by_text(f"verified: {self.user['email']}").wait_for(timeout=60_000)
        self.login_ms.append((time.monotonic() - closed) * 1000)
        self.logins += 1
        held_until = time.monotonic() + hold_s
        while time.monotonic() < held_until:
            await self._check_identity(page)
            await page.get_by_role("button", name="Call API").click()
            api = page.get_by_text(re.compile("^api: "))
            await api.wait_for(timeout=30_000)
            answer = (await api.inner_text()).removeprefix("api: ").strip()
            self.calls += 1
            if answer.startswith("load") and answer != self.user["username"]:
                self.mixups.append(f"the API verified a token for {answer!r}")
            elif answer != self.user["username"]:
                self.failed_calls += 1
            await asyncio.sleep(3)
        await self._check_identity(page)
        await frame.get_by_role("button", name="Click to logout...").click()
        await page.get_by_text("verified: nobody").wait_for(timeout=60_000)

    async def _check_identity(self, page: Any) -> None:
        # During a rerun that adds an element (the API's answer), Streamlit keeps the previous
        # run's line next to the new one until the run ends: every line shown is checked.
        for shown in await page.get_by_text(re.compile("^verified: ")).all_inner_texts():
            if shown not in (f"verified: {self.user['email']}", "verified: nobody"):
                self.mixups.append(f"app showed {shown!r}")
        for line in await page.get_by_text(re.compile("^errors:")).all_inner_texts():
            self.app_errors.update(line.removeprefix("errors:").split())


async def _drive(url: str, users: list[dict[str, str]], duration_s: float, hold_s: float,
                 rss: list[dict[str, Any]]) -> list[Session]:
    from playwright.async_api import async_playwright

    port = int(url.rsplit(":", 1)[1])
    sessions = [Session(user, url) for user in users]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        started = time.monotonic()

        async def sample() -> None:
            while True:
                rss.append({"t_s": round(time.monotonic() - started, 1), "rss_bytes": _rss_bytes(port)})
                await asyncio.sleep(10)

        sampler = asyncio.create_task(sample())
        until = started + duration_s
        # Staggered starts, as users arrive.
        tasks = []
        for i, session in enumerate(sessions):
            tasks.append(asyncio.create_task(session.run(browser, until, hold_s)))
            await asyncio.sleep(min(2.0, duration_s / 20 / max(len(sessions), 1)))
        await asyncio.gather(*tasks)
        sampler.cancel()
        rss.append({"t_s": round(time.monotonic() - started, 1), "rss_bytes": _rss_bytes(port)})
        await browser.close()
    return sessions


def measure(sessions: int, duration_s: float, log_dir: Path) -> dict[str, Any]:
    log_dir.mkdir(parents=True, exist_ok=True)
    users = _users(log_dir / "load-users.json", sessions)
    idp_port, api_port = free_port(), free_port()
    issuer, api = f"http://localhost:{idp_port}", f"http://localhost:{api_port}/api"
    # Each login is held for about two token lifetimes, so refreshes happen under load.
    hold_s = 2.5 * TOKEN_TTL_S
    config = {"issuer": issuer, "client_id": "streamlit-demo", "audience": api, "hostname": "load",
              "scope": "openid profile email read:chart", "api_origins": [f"http://localhost:{api_port}"],
              "heartbeat_s": 2, "prompt": "login"}  # the sign-in form every time, as a new user would
    env = {"LOAD_CONFIG": json.dumps(config), "LOAD_API": api}
    rss: list[dict[str, Any]] = []
    with streamlit_server(APPS / "load_app.py", env, log_dir) as url, \
            running_idp([url + COMPONENT_PATH], port=idp_port, users=log_dir / "load-users.json", api_audience=api,
                        access_token=TOKEN_TTL_S, id_token=TOKEN_TTL_S) as provider:
        api_env = dict(os.environ, API_PORT=str(api_port), API_HOST="127.0.0.1", API_AUDIENCE=api,
                       API_SERVER_METADATA_URL=f"{issuer}/.well-known/openid-configuration",
                       API_CLIENT_ID="streamlit-demo", API_ALLOWED_ORIGINS=url)
        with open(log_dir / "load-api.log", "wb") as api_log:
            api_process = subprocess.Popen([sys.executable, str(ROOT / "examples" / "api" / "app.py")], env=api_env,
                                           stdout=api_log, stderr=subprocess.STDOUT)
            try:
                wait_for_http(f"{api}/ping", 30, api_process)
                log(f"load: {sessions} sessions for {duration_s:.0f} s against {url}")
                started = time.monotonic()
                driven = asyncio.run(_drive(url, users, duration_s, hold_s, rss))
                elapsed_s = time.monotonic() - started
            finally:
                api_process.terminate()
                api_process.wait(timeout=10)
        refreshes = provider.grants("refresh_token")
    logins = sum(s.logins for s in driven)
    memory = [r["rss_bytes"] for r in rss if r["rss_bytes"]]
    half = len(memory) // 2
    result = {
        "sessions": sessions, "duration_s": round(elapsed_s, 1), "token_ttl_s": TOKEN_TTL_S,
        "logins": logins, "logins_per_minute": round(logins / elapsed_s * 60, 1),
        "popup_close_to_verified_ms": summary([ms for s in driven for ms in s.login_ms]),
        "refresh_grants": refreshes,
        "api_calls": sum(s.calls for s in driven), "failed_api_calls": sum(s.failed_calls for s in driven),
        "failed_rounds": sum(len(s.failures) for s in driven),
        "failures": [f"{s.user['username']}: {f}" for s in driven for f in s.failures][:20],
        "app_errors": sorted({e for s in driven for e in s.app_errors}),
        "identity_mixups": [f"{s.user['username']}: {m}" for s in driven for m in s.mixups],
        "server_rss_bytes": {"start": memory[0] if memory else None, "end": memory[-1] if memory else None,
                             "max": max(memory) if memory else None,
                             "second_half_growth": (memory[-1] - memory[half]) if memory else None,
                             "samples": rss},
    }
    log(f"load: {logins} logins ({result['logins_per_minute']}/min), p95 popup close → verified "
        f"{result['popup_close_to_verified_ms']['p95']} ms, {refreshes} refreshes, {result['failed_rounds']} failed "
        f"rounds, app errors {result['app_errors']}, {len(result['identity_mixups'])} identity mix-ups")
    return result
