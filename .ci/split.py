"""Splits the release build's wasm into the start-up module and chunks loaded on first use.

trunk runs this after each build (a `post_build` hook in Trunk.toml, standard library only). It
acts only on a build made with the cargo feature `split` (`make build`), which it recognizes by
the placeholder import that wasm-split points leave in the module; other builds (the dev host,
`trunk serve`) pass through untouched. trunk 0.21 has no hook between cargo and wasm-bindgen,
where the split must happen, so this redoes that part of trunk's pipeline from cargo's output:

1. `wasm-split-cli` splits cargo's wasm (linked with `--emit-relocs`) at the `on_demand!`
   functions (src/split.rs) into the main module, one chunk per split name (`login`,
   `refresh`), chunks of code they share, and `__wasm_split.js`, which fetches them;
2. `wasm-bindgen` makes the main module's JavaScript, under the name trunk gave it, so the
   loader in index.html (and its CSP hash) stays as it is;
3. `wasm-opt -Oz` optimizes every module, as trunk does (`data-wasm-opt="z"`);
4. the chunks and the chunk loader take the main module's name as a prefix (it carries trunk's
   hash, so a cached chunk never meets another build's main module) and replace trunk's files
   in the staging directory; the chunk loader checks each chunk's digest (`fetch` with
   `integrity`), and index.html gets the new digests of the main module and its script, and
   preloads the chunk loader with its digest.

index.html changes here, so the CSP hook (streamlit_component/csp.py) runs after this one, in
the same hook (Trunk.toml): hooks of one stage run side by side.

Run by hand as `python3 .ci/split.py STAGING_DIR [CARGO_WASM]`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PLACEHOLDER = b"__wasm_split_placeholder__"
LOADER = "__wasm_split.js"
# The WebAssembly features rustc's wasm32-unknown-unknown target emits; wasm-opt may keep them.
WASM_FEATURES = ["--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
                 "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue"]


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"split: {name} is not installed (`make tools` installs it)")
    return path


def run(*argv: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"split: {' '.join(argv)} failed:\n{done.stdout}{done.stderr}")


def main_module(staging: Path) -> str:
    """The stem trunk gave the wasm and its JavaScript (`streamlit_component-<hash>`)."""
    html = (staging / "index.html").read_text(encoding="utf-8")
    found = re.search(r"from '\./([\w.-]+)\.js'", html)
    if found is None:
        raise SystemExit("split: index.html has no module loader")
    return found.group(1)


def cargo_wasm(source: Path, profile: str) -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", source / "target"))
    return target / "wasm32-unknown-unknown" / profile / "streamlit_component.wasm"


def split(staging: Path, wasm: Path) -> list[str]:
    """Replaces trunk's main module in `staging` with the split one; the files written."""
    stem = main_module(staging)
    if PLACEHOLDER not in (staging / f"{stem}.js").read_bytes():
        return []  # built without the `split` feature: nothing to split
    with tempfile.TemporaryDirectory() as work:
        out = Path(work)
        run(tool("wasm-split-cli"), str(wasm), str(out), "--out-name", stem)
        run(tool("wasm-bindgen"), "--target", "web", "--keep-lld-exports", "--no-typescript",
            "--out-dir", str(out / "bindgen"), "--out-name", stem, str(out / f"{stem}.wasm"))
        if PLACEHOLDER in (out / "bindgen" / f"{stem}.js").read_bytes():
            raise SystemExit("split: the split module still imports the placeholder")
        renamed = {LOADER: f"{stem}-split.js"}
        renamed.update({p.name: f"{stem}-{p.name}" for p in out.glob("*.wasm") if p.name != f"{stem}.wasm"})
        # The modules first, then the scripts that name them (with their digests), then index.html.
        modules = {f"{stem}_bg.wasm": out / "bindgen" / f"{stem}_bg.wasm"}
        modules.update({new: out / old for old, new in renamed.items() if old.endswith(".wasm")})
        for name, path in modules.items():
            run(tool("wasm-opt"), "-Oz", *WASM_FEATURES, str(path), "-o", str(staging / name))
        for name, path in ((renamed[LOADER], out / LOADER), (f"{stem}.js", out / "bindgen" / f"{stem}.js")):
            (staging / name).write_text(with_names(path.read_text(encoding="utf-8"), renamed, staging), encoding="utf-8")
        index = staging / "index.html"
        index.write_text(with_integrity(index.read_text(encoding="utf-8"), staging, stem), encoding="utf-8")
        return sorted([*modules, renamed[LOADER], f"{stem}.js"])


def integrity(path: Path) -> str:
    """A Subresource Integrity value for `path`, as trunk writes them (sha384)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def with_names(script: str, renamed: dict[str, str], staging: Path) -> str:
    """`script` importing and fetching the renamed files; each chunk's fetch checks the chunk's
    digest."""
    for old, new in renamed.items():
        fetched = f'fetch(new URL("./{old}", import.meta.url))'
        if fetched in script:
            script = script.replace(
                fetched, f'fetch(new URL("./{new}", import.meta.url), {{ integrity: "{integrity(staging / new)}" }})')
        # The import's specifier only: the wasm still names the module by its old name.
        script = script.replace(f'from "./{old}"', f'from "./{new}"')
    return script


def with_integrity(html: str, staging: Path, stem: str) -> str:
    """index.html with the digests of the replaced main module and its script, and the chunk
    loader preloaded (with its digest) beside them."""
    for name in (f"{stem}.js", f"{stem}_bg.wasm"):
        html, found = re.subn(rf'(href="\./{re.escape(name)}"[^>]*integrity=")[^"]*"',
                              lambda m: m.group(1) + integrity(staging / name) + '"', html)
        if found != 1:
            raise SystemExit(f"split: index.html has no preload of {name} with an integrity")
    loader = f"{stem}-split.js"
    preload = f'<link rel="modulepreload" href="./{loader}" crossorigin="anonymous" integrity="{integrity(staging / loader)}">'
    return re.sub(rf'(<link rel="modulepreload" href="\./{re.escape(stem)}\.js"[^>]*>)', lambda m: m.group(1) + "\n" + preload, html)


def main(argv: list[str]) -> int:
    staging = Path(argv[1]) if len(argv) > 1 else Path(os.environ["TRUNK_STAGING_DIR"])
    source = Path(os.environ.get("TRUNK_SOURCE_DIR", Path(__file__).resolve().parent.parent))
    wasm = Path(argv[2]) if len(argv) > 2 else cargo_wasm(source, os.environ.get("TRUNK_PROFILE", "release"))
    written = split(staging, wasm)
    if written:
        print(f"split: {', '.join(written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
