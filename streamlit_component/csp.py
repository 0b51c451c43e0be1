"""The Content-Security-Policy of the component's pages, written into the built `index.html`.

trunk runs this after each build (a `post_build` hook in Trunk.toml, with the standard library
only): it hashes the inline module script trunk writes to load the wasm, and puts the policy in
a `<meta http-equiv>` right after `<meta charset>`, before any script. Run by hand as
`python3 streamlit_component/csp.py path/to/index.html`.

The policy: nothing by default; scripts only from the bundle (`'self'`, `'wasm-unsafe-eval'`
and the loader's hash); inline styles (the page's own sheet and the dev host's); fonts from
the component's own origin (the app's web font); `connect-src`
as wide as the run-time provider may need and no wider than the component's own rule for
provider URLs (https, or http on loopback); frames only from the component's own origin (the
dev host page); forms only to where a provider may be (the logout form); no `<base>` or
plugins.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import sys
from pathlib import Path

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)
# Where the run-time provider may be: the component's own origin, https, or http on loopback.
PROVIDER_SOURCES = "'self' https: http://localhost:* http://127.0.0.1:*"
CSP_META = re.compile(r'\s*<meta http-equiv="Content-Security-Policy"[^>]*>')


def policy(html: str) -> str:
    """The policy for a page whose inline scripts are those of `html`."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in INLINE_SCRIPT.findall(html)
    )
    return "; ".join([
        "default-src 'none'",
        f"script-src 'self' 'wasm-unsafe-eval' {hashes}".rstrip(),
        "style-src 'unsafe-inline'",
        # The app page's own web font, copied into this page (src/browser/style.rs).
        "font-src 'self'",
        f"connect-src {PROVIDER_SOURCES}",
        "frame-src 'self'",
        "base-uri 'none'",
        # The logout form POSTs to the provider's end-session endpoint, which redirects back.
        f"form-action {PROVIDER_SOURCES}",
        "object-src 'none'",
    ])


def with_policy(html: str) -> str:
    """`html` with its policy meta (replacing an earlier one), right after `<meta charset>`."""
    html = CSP_META.sub("", html)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(html)}">'
    charset = re.search(r"<meta charset=[^>]*>", html)
    if charset is None:
        raise ValueError("index.html has no <meta charset>: the policy must come before any script")
    return html[: charset.end()] + "\n" + meta + html[charset.end():]


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else Path(os.environ["TRUNK_STAGING_DIR"]) / "index.html"
    target.write_text(with_policy(target.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
