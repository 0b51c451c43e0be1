"""The login popup's time from the click to the provider's page, in a real `streamlit run`,
headless Chromium and the local provider (examples/idp): from the click on "Click to login..." in
the component's frame to the popup's document at the provider having loaded (`domcontentloaded`).

Each sample is a new browser context: its first login has nothing cached (`cold`); the page is
then closed and the app opened again in the same context, whose HTTP cache now holds the
component's bundle and the login's chunk (`cached`; cold, the chunk is fetched as the pointer
reaches the button). In both, the frame fetches the provider's discovery document (it is never
cached: `no-store`) and makes the login's browser key before the popup leaves for the
provider."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from common import APPS, OUR_COMPONENT_PATH, free_port, log, summary, streamlit_server
from idp import running_idp


def _one(context: Any, url: str, issuer: str, timeout_s: float = 60) -> float:
    """Opens the app, clicks login and returns the milliseconds to the provider's page."""
    page = context.new_page()
    try:
        page.goto(url)
        frame = page.frame_locator("iframe[title='streamlit_component.login']")
        button = frame.get_by_role("button", name="Click to login...")
        button.wait_for(timeout=timeout_s * 1000)
        frame.get_by_text("(logged out)").wait_for(timeout=timeout_s * 1000)
        with page.expect_popup(timeout=timeout_s * 1000) as opened:
            started = time.perf_counter()
            button.click()
        popup = opened.value
        popup.wait_for_url(re.compile("^" + re.escape(issuer) + "/"), wait_until="domcontentloaded",
                           timeout=timeout_s * 1000)
        elapsed_ms = (time.perf_counter() - started) * 1000
        popup.close()
        return round(elapsed_ms, 1)
    finally:
        page.close()


def measure(browser: Any, runs: int, log_dir: Path) -> dict[str, Any]:
    """`runs` pairs of samples (cold, then cached) against one app and one provider."""
    idp_port = free_port()
    issuer = f"http://localhost:{idp_port}"
    samples: dict[str, list[float]] = {"cold": [], "cached": []}
    with streamlit_server(APPS / "popup_app.py", {"BENCH_ISSUER": issuer}, log_dir) as url, \
            running_idp([url + OUR_COMPONENT_PATH], port=idp_port):
        for i in range(runs):
            context = browser.new_context(viewport={"width": 1000, "height": 800})
            try:
                samples["cold"].append(_one(context, url, issuer))
                samples["cached"].append(_one(context, url, issuer))
            finally:
                context.close()
            log(f"popup to provider: run {i + 1}/{runs}: cold {samples['cold'][-1]} ms, "
                f"cached {samples['cached'][-1]} ms")
    return {"runs": runs, "cold_ms": summary(samples["cold"]), "cached_ms": summary(samples["cached"])}
