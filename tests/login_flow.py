"""Browser steps shared by the login tests: sign in through the popup, read localStorage, watch
the events a component sent."""

from __future__ import annotations

import json

from playwright.sync_api import Frame, Page, expect

# Every helper takes the page, or the frame of an app embedded in another page.
Scope = Page | Frame

KEY_PREFIX = "streamlit_component.v1|"


def component(page: Scope) -> Frame:
    """The component's frame (the iframe Streamlit or the dev host titles with the component name)."""
    handle = page.wait_for_selector('iframe[title="streamlit_component.login"]', timeout=60_000)
    frame = handle.content_frame()
    assert frame is not None
    return frame


def open_login_popup(page: Scope) -> Page:
    """Clicks login in the component; the popup, once it shows the provider's form."""
    frame = component(page)
    top = page if isinstance(page, Page) else page.page
    with top.expect_popup() as popup_info:
        frame.get_by_role("button", name="Click to login...").click()
    popup = popup_info.value
    expect(popup.get_by_label("Username")).to_be_visible(timeout=30_000)
    return popup


def fill_sign_in_form(window: Page, username: str = "alice", password: str = "alice-password") -> None:
    window.get_by_label("Username").fill(username)
    window.get_by_label("Password").fill(password)
    window.get_by_role("button", name="Sign in").click()


def sign_in(page: Scope, username: str = "alice", password: str = "alice-password") -> None:
    """Clicks login in the component, signs in at the provider's form in the popup, and waits
    for the popup to close itself."""
    popup = open_login_popup(page)
    with popup.expect_event("close", timeout=30_000):
        fill_sign_in_form(popup, username, password)


def wait_closed(window: Page, timeout_s: float = 30) -> None:
    """Waits until `window` is closed. It may be already, its close event handled during an
    earlier call (no second one would come); Playwright handles events only inside its calls,
    so none is missed between the check and the wait."""
    if not window.is_closed():
        window.wait_for_event("close", timeout=timeout_s * 1000)


def log_in_remembered(page: Scope) -> None:
    """Clicks login when the provider still has the user's session: the popup comes straight
    back, without a form, and closes itself."""
    top = page if isinstance(page, Page) else page.page
    with top.expect_popup() as popup_info:
        component(page).get_by_role("button", name="Click to login...").click()
    wait_closed(popup_info.value)


def history_urls(page: Page) -> list[str]:
    """Every entry of the tab's session history (back and forward), as the browser keeps them."""
    cdp = page.context.new_cdp_session(page)
    try:
        return [entry["url"] for entry in cdp.send("Page.getNavigationHistory")["entries"]]
    finally:
        cdp.detach()


def our_storage(page: Scope) -> dict[str, str]:
    """The component's localStorage entries (same origin as the component's frame)."""
    entries = component(page).evaluate("() => Object.entries(localStorage)")
    return {key: value for key, value in entries if key.startswith(KEY_PREFIX)}


def stored_session(page: Scope) -> dict | None:
    sessions = [json.loads(v) for k, v in our_storage(page).items() if k.startswith(KEY_PREFIX + "session|")]
    return sessions[0] if sessions else None


def expect_logged_in(page: Scope, user: str = "Alice Example", timeout: int = 15_000) -> None:
    frame = component(page)
    expect(frame.get_by_role("button", name="Click to logout...")).to_be_visible(timeout=timeout)
    expect(frame.locator(".sc-text")).to_contain_text(f"{user} (current login valid till ", timeout=timeout)


def expect_logged_out(page: Scope, hostname: str, timeout: int = 15_000) -> None:
    frame = component(page)
    expect(frame.get_by_role("button", name="Click to login...")).to_be_visible(timeout=timeout)
    expect(frame.locator(".sc-text")).to_have_text(f"{hostname} (logged out)", timeout=timeout)


def expect_replay_refused(page: Page, callback_url: str) -> None:
    """Opens a used callback URL (the provider's answer) in a new tab: nothing takes it, the
    page says so, and the code leaves the address bar."""
    replay = page.context.new_page()
    replay.goto(callback_url)
    expect(replay.locator("body")).to_contain_text("Login failed: the app did not take this answer", timeout=30_000)
    assert "code=" not in replay.url, "the code leaves the address bar"
    assert not [url for url in history_urls(replay) if "code=" in url], "and every history entry"
    # The message is a card in the app's style, away from the window's edge.
    card = replay.locator("main.sc-page")
    expect(card).to_have_css("border-top-left-radius", "8px")
    box = card.bounding_box()
    assert box is not None and box["x"] > 0 and box["y"] > 0
