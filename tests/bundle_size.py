"""Prints the shipped bundle's size, raw and gzip -9, by kind (html / js / wasm / css)."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path


def sizes(directory: Path) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    for path in sorted(directory.iterdir()):
        kind = path.suffix.lstrip(".")
        if kind not in {"html", "js", "wasm", "css"}:
            continue
        data = path.read_bytes()
        raw, gz = totals.get(kind, (0, 0))
        totals[kind] = (raw + len(data), gz + len(gzip.compress(data, compresslevel=9, mtime=0)))
    return totals


def main() -> None:
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else "streamlit_component/frontend")
    totals = sizes(directory)
    print(f"{'kind':<6}{'raw':>10}{'gzip -9':>10}")
    for kind, (raw, gz) in totals.items():
        print(f"{kind:<6}{raw:>10}{gz:>10}")
    print(f"{'total':<6}{sum(r for r, _ in totals.values()):>10}{sum(g for _, g in totals.values()):>10}")


if __name__ == "__main__":
    main()
