"""Shared fixtures: free ports, real `streamlit run` servers, a static file server and headless
Chromium driven by Playwright (the system's Debian chromium, never a downloaded browser)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from servers import (  # noqa: F401 - shared with the bench; tests import them from here
    ARTIFACTS,
    CHROMIUM_ARGS,
    ROOT,
    chromium_path,
    free_port,
    static_server,
    streamlit_server,
    wait_for_http,
)

COMPONENT_TITLE = "streamlit_component.login"
DEVHOST = ROOT / "target" / "devhost"


def load_script(path: Path, name: str):
    """A Python script that is not part of a package (examples/...), imported as module `name`."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def devhost_url():
    """The development build (with the dev host page) served on a free loopback port."""
    if not (DEVHOST / "index.html").is_file():
        pytest.fail("the development build is missing: run `make devhost`")
    with static_server(DEVHOST) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    try:
        executable = chromium_path()
    except RuntimeError as missing:
        pytest.fail(str(missing))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def component_iframe(page):
    """The component's iframe element, as Streamlit titles it."""
    return page.locator(f'iframe[title="{COMPONENT_TITLE}"]')


def component_frame(page):
    """A locator scope inside the component's iframe."""
    return page.frame_locator(f'iframe[title="{COMPONENT_TITLE}"]')


def send_render(page, args: str) -> None:
    """On the dev host page: puts `args` (JSON text) in the args field and sends a render."""
    page.locator("#dh-args").fill(args)
    page.get_by_role("button", name="Send render").click()


def auth_secrets(directory: Path, idp_port: int, *lines: str) -> Path:
    """A `secrets.toml` in `directory` whose `[auth]` names the local provider on `idp_port` and
    its public client, then `lines`; its path."""
    from idp import CLIENT_ID

    path = directory / "secrets.toml"
    path.write_text("\n".join([
        "[auth]",
        f'server_metadata_url = "http://localhost:{idp_port}/.well-known/openid-configuration"',
        f'client_id = "{CLIENT_ID}"',
        *lines,
    ]) + "\n")
    return path
