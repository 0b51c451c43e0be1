"""Shipped frontend bytes, raw and gzip -9, by kind (html / js / wasm / css).

Two views of a frontend build directory:

- `loaded`: index.html and the files it references (`src=` / `href=`): what a browser fetches to
  show the component. The size target is on this view.
- `wheel`: every html / js / wasm / css file of the build directory, recursively (source maps,
  licences, images and manifests are not counted): what the wheel ships.
"""

from __future__ import annotations

import gzip
import re
import urllib.parse
from pathlib import Path
from typing import Any

KINDS = ("html", "js", "wasm", "css")
_REFERENCE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def _kind(path: Path) -> str | None:
    kind = path.suffix.lower().lstrip(".")
    return kind if kind in KINDS else None


def _table(files: list[Path], root: Path) -> dict[str, Any]:
    by_kind = {kind: {"raw": 0, "gzip": 0, "files": 0} for kind in KINDS}
    listed = []
    for path in sorted(set(files)):
        kind = _kind(path)
        if kind is None:
            continue
        data = path.read_bytes()
        gz = len(gzip.compress(data, compresslevel=9, mtime=0))
        entry = by_kind[kind]
        entry["raw"] += len(data)
        entry["gzip"] += gz
        entry["files"] += 1
        listed.append({"path": path.relative_to(root).as_posix(), "kind": kind, "raw": len(data), "gzip": gz})
    return {
        "by_kind": by_kind,
        "total": {"raw": sum(e["raw"] for e in by_kind.values()),
                  "gzip": sum(e["gzip"] for e in by_kind.values()),
                  "files": sum(e["files"] for e in by_kind.values())},
        "files": listed,
    }


def referenced(build: Path) -> list[Path]:
    """index.html and the local files its `src` / `href` attributes name."""
    index = build / "index.html"
    files = [index]
    for reference in _REFERENCE.findall(index.read_text(encoding="utf-8", errors="replace")):
        parts = urllib.parse.urlsplit(reference)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        path = (build / urllib.parse.unquote(parts.path).lstrip("/")).resolve()
        if path.is_file() and build.resolve() in path.parents:
            files.append(path)
    return files


def measure(build: Path) -> dict[str, Any]:
    build = build.resolve()
    every = [p for p in build.rglob("*") if p.is_file()]
    return {"dir": str(build), "loaded": _table(referenced(build), build), "wheel": _table(every, build)}
