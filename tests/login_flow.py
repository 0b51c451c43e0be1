"""Browser steps shared by the login tests: sign in through the popup, read localStorage, watch
the events a component sent."""

from __future__ import annotations

import json

from playwright.sync_api import Frame, Page, expect

KEY_PREFIX = "streamlit_component.v1|"


def component(page: Page) -> Frame:
    """The component's frame (the iframe Streamlit or the dev host titles with the component name)."""
    handle = page.wait_for_selector('iframe[title="streamlit_component.login"]', timeout=60_000)
    frame = handle.content_frame()
    assert frame is not None
    return frame


def sign_in(page: Page, username: str = "alice", password: str = "alice-password") -> None:
    """Clicks login in the component, signs in at the provider's form in the popup, and waits
    for the popup to close itself."""
    frame = component(page)
    with page.expect_popup() as popup_info:
        frame.get_by_role("button", name="Click to login...").click()
    popup = popup_info.value
    popup.get_by_label("Username").fill(username)
    popup.get_by_label("Password").fill(password)
    with popup.expect_event("close", timeout=30_000):
        popup.get_by_role("button", name="Sign in").click()


def our_storage(page: Page) -> dict[str, str]:
    """The component's localStorage entries (same origin as the component's frame)."""
    entries = component(page).evaluate("() => Object.entries(localStorage)")
    return {key: value for key, value in entries if key.startswith(KEY_PREFIX)}


def stored_session(page: Page) -> dict | None:
    sessions = [json.loads(v) for k, v in our_storage(page).items() if k.startswith(KEY_PREFIX + "session|")]
    return sessions[0] if sessions else None


def expect_logged_in(page: Page, user: str = "Alice Example", timeout: int = 15_000) -> None:
    frame = component(page)
    expect(frame.get_by_role("button", name="Click to logout...")).to_be_visible(timeout=timeout)
    expect(frame.locator(".sc-text")).to_contain_text(f"{user} (current login valid till ", timeout=timeout)


def expect_logged_out(page: Page, hostname: str, timeout: int = 15_000) -> None:
    frame = component(page)
    expect(frame.get_by_role("button", name="Click to login...")).to_be_visible(timeout=timeout)
    expect(frame.locator(".sc-text")).to_have_text(f"{hostname} (logged out)", timeout=timeout)
