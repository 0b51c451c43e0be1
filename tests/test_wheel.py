"""`pip install` of the built wheel is all a user needs: the wheel carries the compiled bundle,
and the component renders in a real Streamlit from a fresh venv with no Rust or Node on PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import ROOT, component_frame, streamlit_server


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(ROOT)],
        check=True,
    )
    (path,) = out.glob("streamlit_component-*.whl")
    return path


def test_the_wheel_carries_the_compiled_bundle(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    frontend = [n for n in names if n.startswith("streamlit_component/frontend/")]
    assert "streamlit_component/frontend/index.html" in frontend
    assert any(n.endswith(".wasm") for n in frontend)
    assert any(n.endswith(".js") for n in frontend)
    assert "streamlit_component/py.typed" in names


def test_the_installed_wheel_renders_in_streamlit_without_rust_or_node(wheel, tmp_path, page):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)], check=True)
    # Run from a folder outside the source tree, with only the venv on PATH.
    app = tmp_path / "app.py"
    shutil.copy(ROOT / "tests" / "apps" / "login_app.py", app)
    env_args = '{"issuer": "http://localhost:9", "client_id": "demo", "hostname": "from the wheel"}'
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PATH"] = str(venv / "bin")
    env["LOGIN_ARGS"] = env_args
    for tool in ("cargo", "rustc", "trunk", "node", "npm"):
        assert shutil.which(tool, path=env["PATH"]) is None, f"{tool} must not be on the run-time PATH"
    located = subprocess.run(
        [str(python), "-c", "import streamlit_component as c; print(c.frontend_dir())"],
        check=True, capture_output=True, text=True, env=env, cwd=tmp_path,
    ).stdout.strip()
    assert Path(located).is_relative_to(venv), "the component is imported from the installed wheel"
    with streamlit_server(app, python=str(python), env=env, cwd=tmp_path) as url:
        page.goto(url)
        expect(component_frame(page).locator(".sc-text")).to_have_text("from the wheel (logged out)", timeout=60_000)
        expect(page.get_by_text("status Logged out (start) user None")).to_be_visible(timeout=30_000)
