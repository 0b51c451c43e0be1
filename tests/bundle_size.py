"""Prints the shipped bundle's size, raw and gzip -9, by kind (html / js / wasm / css): what
loads at start (index.html and what it references) and every file (with the chunks loaded on
first use). The same measure as `make bench` (benches/sizes.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benches"))
from sizes import KINDS, measure  # noqa: E402


def main() -> None:
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else "streamlit_component/frontend")
    measured = measure(directory)
    for view, title in (("loaded", "at start (index.html and what it references)"), ("wheel", "every file")):
        table = measured[view]
        print(f"{title}:")
        print(f"{'kind':<6}{'raw':>10}{'gzip -9':>10}")
        for kind in KINDS:
            entry = table["by_kind"][kind]
            if entry["files"]:
                print(f"{kind:<6}{entry['raw']:>10}{entry['gzip']:>10}")
        print(f"{'total':<6}{table['total']['raw']:>10}{table['total']['gzip']:>10}")
    on_demand = [f for f in measured["wheel"]["files"] if f not in measured["loaded"]["files"]]
    if on_demand:
        print("on first use: " + ", ".join(f"{f['path']} {f['gzip']}" for f in on_demand))


if __name__ == "__main__":
    main()
