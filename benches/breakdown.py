"""What the wasm's bytes are: code and data per crate, and per module of this crate, read with
twiggy from the release build before wasm-opt (names are still there; wasm-opt then shrinks
everything by about a third). `make size-breakdown` builds and runs it.

    .venv/bin/python benches/breakdown.py [path/to/streamlit_component.wasm] [--top N]

Generic code is counted under the crate that names it first (`<serde_json::Value as
serde::Deserialize>::deserialize` is serde_json's; a serde impl derived in a module of ours is
that module's). Shares, not exact figures: a guide to where bytes go."""

from __future__ import annotations

import argparse
import collections
import csv
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WASM = ROOT / "target" / "wasm32-unknown-unknown" / "release" / "streamlit_component.wasm"
OURS = "streamlit_component"
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[[0-9a-f]+\])?(?:::[A-Za-z_][A-Za-z0-9_]*(?:\[[0-9a-f]+\])?)*")
_HASH = re.compile(r"\[[0-9a-f]+\]")


def rows(wasm: Path) -> list[tuple[str, int]]:
    twiggy = shutil.which("twiggy")
    if twiggy is None:
        raise SystemExit("twiggy is missing: `make size-breakdown` installs it")
    out = subprocess.run([twiggy, "top", "-n", "1000000", "-f", "csv", str(wasm)], check=True,
                         capture_output=True, text=True).stdout
    return [(r["Name"], int(r["ShallowSize"])) for r in csv.DictReader(io.StringIO(out))]


_PREFIX = re.compile(r"^(?:<|&|\*const |\*mut |mut |dyn |impl )+")
_FN_HASH = re.compile(r"^h[0-9a-f]{16}$")


def not_shipped(name: str) -> bool:
    """Debug names, custom sections and wasm-bindgen's descriptors: wasm-bindgen and wasm-opt
    remove them."""
    return (name.startswith("custom section") or name == '"function names" subsection'
            or "__wbindgen_describe" in name)


def owner(name: str) -> tuple[str, str | None]:
    """The crate an item belongs to, and for ours its module (`oidc::claims`)."""
    if name.startswith("data segment"):
        return "(data: strings and tables)", None
    if name.startswith(("import ", "export ", "table[", "elem[", "type[", "global[", "memory[")):
        return "(wasm imports, exports and tables)", None
    match = _PATH.search(_PREFIX.sub("", name))
    if not match:
        return "(unnamed)", None
    path = [p for p in _HASH.sub("", match.group(0)).split("::") if p]
    if path and _FN_HASH.match(path[-1]):
        path.pop()
    crate = path[0] if path else "(unnamed)"
    if crate != OURS:
        return (crate if len(crate) > 1 else "(generic impls)"), None
    module = [p for p in path[1:-1] if p[0].islower() and not p.startswith("_")][:2]
    return crate, "::".join(module) or "(crate root)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wasm", nargs="?", type=Path, default=WASM)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    crates: collections.Counter[str] = collections.Counter()
    modules: collections.Counter[str] = collections.Counter()
    names_and_custom = 0
    for name, size in rows(args.wasm):
        if not_shipped(name):
            names_and_custom += size
            continue
        crate, module = owner(name)
        crates[crate] += size
        if module is not None:
            modules[module] += size
    total = sum(crates.values())
    print(f"{args.wasm} (before wasm-opt): {total:,} bytes of code and data "
          f"(+{names_and_custom:,} of names, custom sections and wasm-bindgen descriptors, not shipped)\n")
    print("| crate | bytes | share |\n|---|---:|---:|")
    for crate, size in crates.most_common(args.top):
        print(f"| {crate} | {size:,} | {size / total:.1%} |")
    ours = crates.get(OURS, 0) or 1
    print(f"\n| module of {OURS} | bytes | share of the crate |\n|---|---:|---:|")
    for module, size in modules.most_common(args.top):
        print(f"| {module} | {size:,} | {size / ours:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
