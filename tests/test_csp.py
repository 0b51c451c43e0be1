"""The Content-Security-Policy written into the built pages (streamlit_component/csp.py)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from conftest import ROOT, load_script

csp = load_script(ROOT / "streamlit_component" / "csp.py", "csp_build")

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script type="module">import init from './x.js'; await init();</script>
<script src="./other.js"></script>
<style>body{margin:0}</style></head><body></body></html>"""


def test_the_inline_loader_is_hashed_and_nothing_else_is_allowed():
    policy = csp.policy(PAGE)
    loader = "import init from './x.js'; await init();"
    digest = base64.b64encode(hashlib.sha256(loader.encode()).digest()).decode()
    assert f"script-src 'self' 'wasm-unsafe-eval' 'sha256-{digest}'" in policy
    assert policy.count("'sha256-") == 1, "a script with src is not hashed"
    for directive in ("default-src 'none'", "base-uri 'none'", "object-src 'none'"):
        assert directive in policy
    assert "unsafe-eval'" not in policy.replace("wasm-unsafe-eval", "")
    # Forms (the logout POST) and fetches only where a provider may be: never plain http
    # beyond loopback.
    for directive in ("connect-src", "form-action"):
        assert f"{directive} 'self' https: http://localhost:* http://127.0.0.1:*" in policy


def test_the_policy_comes_first_and_replaces_an_earlier_one():
    once = csp.with_policy(PAGE)
    assert once.index('http-equiv="Content-Security-Policy"') < once.index("<script")
    assert csp.with_policy(once) == once, "idempotent: a rebuilt page gets one policy"
    assert len(re.findall("Content-Security-Policy", csp.with_policy(once))) == 1


def test_a_page_without_charset_is_refused():
    with pytest.raises(ValueError):
        csp.with_policy("<html><head><script>x</script></head></html>")


def test_the_built_pages_carry_the_policy_of_their_own_loader():
    built = ROOT / "streamlit_component" / "frontend" / "index.html"
    if not built.is_file():
        pytest.fail("the frontend build is missing: run `make build`")
    html = built.read_text()
    assert csp.with_policy(html) == html, "the build's policy is the one its loader needs"
