"""The peer components: their wheels, fetched with `pip download --no-deps` (pinned, cached under
bench/.cache/wheels so re-runs skip the download), and the frontend build each one ships."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from common import CACHE, log

#: Pinned peers: (PyPI name, version, the build directory inside the wheel).
PEERS: dict[str, tuple[str, str]] = {
    "streamlit-oauth": ("0.1.14", "streamlit_oauth/frontend/dist"),
    "streamlit-keycloak": ("1.1.1", "streamlit_keycloak/frontend/public"),
    "streamlit-auth0": ("1.0.5", "streamlit_auth0/frontend/build"),
}

WHEELS = CACHE / "wheels"
EXTRACTED = CACHE / "peers"


@dataclass(frozen=True)
class Peer:
    name: str
    version: str
    wheel: Path
    build: Path


def _wheel_path(name: str, version: str) -> Path:
    return WHEELS / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"


def _download(names: list[str], timeout_s: float) -> str | None:
    """Downloads the wheels of `names` that are not cached; returns an error text or None."""
    WHEELS.mkdir(parents=True, exist_ok=True)
    specs = [f"{name}=={PEERS[name][0]}" for name in names]
    log(f"pip download --no-deps {' '.join(specs)}")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--quiet", "--timeout", "15", "--retries", "1",
               "--dest", str(WHEELS), *specs]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return f"pip download timed out after {timeout_s:.0f} s"
    if result.returncode != 0:
        return (result.stderr.strip().splitlines() or ["pip download failed"])[-1]
    return None


def fetch_peers(download: bool = True, timeout_s: float = 180) -> tuple[dict[str, Peer], dict[str, str]]:
    """The peers whose wheel is cached or could be downloaded, extracted; and, by name, why the
    others are missing."""
    missing = [name for name, (version, _) in PEERS.items() if not _wheel_path(name, version).is_file()]
    errors: dict[str, str] = {}
    if missing:
        if download:
            error = _download(missing, timeout_s)
            if error:
                errors.update({name: error for name in missing})
        else:
            errors.update({name: "not cached (no download in this mode)" for name in missing})
    peers: dict[str, Peer] = {}
    for name, (version, build_dir) in PEERS.items():
        wheel = _wheel_path(name, version)
        if not wheel.is_file():
            errors.setdefault(name, "wheel missing after download")
            continue
        target = EXTRACTED / f"{name}-{version}"
        if not (target / ".extracted").is_file():
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(target)
            (target / ".extracted").touch()
        build = target / build_dir
        if not (build / "index.html").is_file():
            errors[name] = f"no index.html in {build_dir} of the wheel"
            continue
        errors.pop(name, None)
        peers[name] = Peer(name, version, wheel, build)
    return peers, errors
