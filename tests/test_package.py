"""The Python package's declaration: packaged build by default, a dev server on request, and a
clear error when the build is missing."""

from __future__ import annotations

import importlib.resources

import pytest

import streamlit_component as package


def test_the_packaged_build_is_declared_by_default(monkeypatch):
    monkeypatch.delenv(package.DEV_URL_ENV, raising=False)
    component = package._declare()
    assert component.path == str(package.frontend_dir())
    assert component.url is None
    assert component.name == "streamlit_component.login"


def test_the_dev_url_environment_variable_switches_to_a_dev_server(monkeypatch):
    monkeypatch.setenv(package.DEV_URL_ENV, " http://localhost:8080 ")
    component = package._declare()
    assert component.url == "http://localhost:8080"
    assert component.path is None


def test_a_missing_build_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv(package.DEV_URL_ENV, raising=False)
    monkeypatch.setattr(package, "frontend_dir", lambda: tmp_path)
    with pytest.raises(RuntimeError, match=r"frontend build is missing .* run `make build`"):
        package._declare()


def test_the_frontend_build_has_the_bundle():
    build = package.frontend_dir()
    assert (build / "index.html").is_file()
    assert list(build.glob("*.wasm")) and list(build.glob("*.js"))
    html = (build / "index.html").read_text()
    assert 'href="/' not in html and 'src="/' not in html, "paths are relative (public_url = ./)"


def test_the_package_is_typed():
    assert importlib.resources.files("streamlit_component").joinpath("py.typed").is_file()
