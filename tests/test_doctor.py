"""`python -m streamlit_component doctor` against the local provider: all checks pass on a good
setup, and each broken setup fails its check with the fix (exit code 1)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
import requests

from conftest import ROOT, free_port
from servers import serving
from idp import CLIENT_ID, running_idp
from streamlit_component.doctor import main, redirect_uri_for

APP_URL = "http://127.0.0.1:8599"
REDIRECT_URI = APP_URL + "/component/streamlit_component.login/index.html"


def secrets_for(tmp_path: Path, metadata_url: str, **extra: str) -> Path:
    path = tmp_path / "secrets.toml"
    lines = ["[auth]", f'server_metadata_url = "{metadata_url}"', f'client_id = "{CLIENT_ID}"',
             *(f"{key} = {value}" for key, value in extra.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


def doctor(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def line(output: str, check: str) -> str:
    """The finding of `check`, with its fix line when it has one."""
    lines = output.splitlines()
    for i, text in enumerate(lines):
        if text[6:].startswith(check + " "):
            fix = lines[i + 1].strip() if i + 1 < len(lines) and lines[i + 1].startswith(" ") else ""
            return f"{text}\n{fix}".strip()
    raise AssertionError(f"no {check} line in:\n{output}")


@pytest.fixture(scope="module")
def provider():
    with running_idp([REDIRECT_URI]) as provider:
        yield provider


def test_a_good_setup_passes_every_check_from_the_command_line(tmp_path, provider):
    secrets_file = secrets_for(tmp_path, f"{provider.issuer}/.well-known/openid-configuration")
    run = subprocess.run([sys.executable, "-m", "streamlit_component", "doctor", "--secrets", str(secrets_file),
                          "--app-url", APP_URL], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    statuses = {text[6:19].strip(): text[:5].strip() for text in run.stdout.splitlines()[1:-1]}
    assert statuses == {"discovery": "PASS", "clock": "PASS", "issuer": "PASS", "pkce": "PASS", "jwks": "PASS",
                        "cors": "PASS", "redirect_uri": "PASS", "end_session": "INFO"}, run.stdout
    assert run.stdout.endswith("All checks passed.\n")


def test_a_wrong_discovery_url_fails_with_the_fix(tmp_path, provider):
    code, output = doctor("--secrets", str(secrets_for(tmp_path, f"{provider.issuer}/realms/x/.well-known/"
                                                                  "openid-configuration")))
    assert code == 1
    assert "answered HTTP 404" in line(output, "discovery")
    assert "fix: set server_metadata_url to the provider's /.well-known/openid-configuration" in output
    unreachable = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    code, output = doctor("--secrets", str(secrets_for(tmp_path, unreachable)))
    assert code == 1 and "cannot be reached (ConnectionError)" in line(output, "discovery")


def test_an_issuer_that_differs_by_a_slash_fails_with_the_exact_one(tmp_path, provider):
    secrets_file = secrets_for(tmp_path, f"{provider.issuer}/.well-known/openid-configuration",
                               issuer=f'"{provider.issuer}/"')
    code, output = doctor("--secrets", str(secrets_file))
    assert code == 1
    assert line(output, "issuer").endswith(f'fix: set issuer = "{provider.issuer}" (every token must name it exactly)')


def test_no_cors_for_the_apps_origin_fails_with_the_fix(tmp_path):
    with running_idp([REDIRECT_URI], cors=False) as closed:
        code, output = doctor("--secrets", str(secrets_for(tmp_path, f"{closed.issuer}/.well-known/openid-configuration")),
                              "--app-url", APP_URL)
    assert code == 1
    finding = line(output, "cors")
    assert finding.startswith("FAIL  cors          the token endpoint sends no Access-Control-Allow-Origin for "
                              "http://127.0.0.1:8599")
    assert "fix: allow http://127.0.0.1:8599 as a web origin (CORS) for client streamlit-demo" in finding
    assert "PASS  redirect_uri" in output, "only CORS is wrong"


@contextlib.contextmanager
def discovery_without_s256(issuer: str) -> Iterator[str]:
    """A server whose discovery document is the provider's without S256 (as
    django-oidc-provider's); yields its URL."""
    doc = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=5).json()
    doc["code_challenge_methods_supported"] = ["plain"]
    with serving(json.dumps(doc).encode(), "application/json") as server:
        yield f"{server}/.well-known/openid-configuration"


def test_a_provider_without_s256_fails_with_the_fix(tmp_path, provider):
    with discovery_without_s256(provider.issuer) as url:
        code, output = doctor("--secrets", str(secrets_for(tmp_path, url, issuer=f'"{provider.issuer}"')))
    assert code == 1
    assert line(output, "pkce") == ("FAIL  pkce          code_challenge_methods_supported is ['plain']\n"
                                    "fix: turn on PKCE with S256 for this client at the provider (the component uses "
                                    "nothing weaker), or use a provider that advertises it")
    assert "PASS  issuer" in output


def test_a_skewed_clock_fails_with_the_fix(tmp_path):
    with running_idp([REDIRECT_URI], clock_skew_s=600) as skewed:
        code, output = doctor("--secrets", str(secrets_for(tmp_path, f"{skewed.issuer}/.well-known/openid-configuration")))
    assert code == 1
    finding = line(output, "clock")
    assert re.match(r"FAIL  clock         this machine's clock is (599|600|601) s behind the provider's\n", finding), finding
    assert "fix: synchronise the clock (NTP)" in finding


def test_an_unregistered_redirect_uri_names_the_one_to_register_with_the_base_path(tmp_path, provider):
    secrets_file = secrets_for(tmp_path, f"{provider.issuer}/.well-known/openid-configuration")
    code, output = doctor("--secrets", str(secrets_file), "--app-url", "http://127.0.0.1:8599/sales/")
    assert code == 1
    expected = "http://127.0.0.1:8599/sales/component/streamlit_component.login/index.html"
    assert redirect_uri_for("http://127.0.0.1:8599/sales/?x=1") == expected
    assert line(output, "redirect_uri") == (
        f"FAIL  redirect_uri  the provider refuses the login request for {expected} (HTTP 400)\n"
        f"fix: register this redirect URI for client streamlit-demo at the provider: {expected} (and check "
        "that the client_id is right)")


def test_an_unusable_config_is_named_with_exit_code_2(tmp_path):
    bad = tmp_path / "secrets.toml"
    bad.write_text('[auth]\nclient_id = "x"\n')
    code, output = doctor("--secrets", str(bad))
    assert code == 2 and "`server_metadata_url`" in output
    assert "fix: correct `server_metadata_url`" in output, "a config error names the key to correct"
    code, output = doctor("--secrets", str(tmp_path / "missing.toml"))
    assert code == 2 and "cannot be read" in output
