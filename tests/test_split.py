"""The release build's split (.ci/split.py): the shipped bundle's digests match its files, the
scripts name the renamed files without renaming what the wasm imports, and a build without the
`split` feature passes through untouched. The split at work in a browser (chunks fetched only on
first use, a chunk that cannot be fetched or is tampered with) is in test_host_browser.py."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil

import pytest

from conftest import ROOT, load_script

split = load_script(ROOT / ".ci" / "split.py", "split_build")
FRONTEND = ROOT / "streamlit_component" / "frontend"


def digest(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def test_every_digest_in_the_shipped_bundle_matches_its_file():
    html = (FRONTEND / "index.html").read_text()
    loader, = FRONTEND.glob("*-split.js")
    checked = re.findall(r'href="\./([^"]+)"[^>]*integrity="([^"]+)"', html)
    checked += re.findall(r'fetch\(new URL\("\./([^"]+)", import\.meta\.url\), \{ integrity: "([^"]+)" \}\)',
                          loader.read_text())
    names = {name for name, _ in checked}
    assert {p.name for p in FRONTEND.iterdir() if p.suffix in (".js", ".wasm")} == names, "every file is checked"
    for name, expected in checked:
        assert digest((FRONTEND / name).read_bytes()) == expected, name


def test_the_scripts_name_the_renamed_files_but_the_wasm_imports_keep_their_module_name(tmp_path):
    (tmp_path / "app-1-split_login.wasm").write_bytes(b"chunk")
    script = ('import * as import1 from "./__wasm_split.js"\n'
              'imports = { "./__wasm_split.js": import1 };\n'
              'const src = fetch(new URL("./split_login.wasm", import.meta.url));\n')
    renamed = {"__wasm_split.js": "app-1-split.js", "split_login.wasm": "app-1-split_login.wasm"}
    out = split.with_names(script, renamed, tmp_path)
    assert 'from "./app-1-split.js"' in out
    assert '"./__wasm_split.js": import1' in out, "the wasm imports module ./__wasm_split.js by that name"
    assert f'fetch(new URL("./app-1-split_login.wasm", import.meta.url), {{ integrity: "{digest(b"chunk")}" }})' in out


def test_index_html_gets_the_new_digests_and_preloads_the_chunk_loader(tmp_path):
    for name, body in (("app-1.js", b"js"), ("app-1_bg.wasm", b"wasm"), ("app-1-split.js", b"loader")):
        (tmp_path / name).write_bytes(body)
    html = ('<link rel="modulepreload" href="./app-1.js" crossorigin="anonymous" integrity="sha384-old">\n'
            '<link rel="preload" href="./app-1_bg.wasm" crossorigin="anonymous" integrity="sha384-old" as="fetch">')
    out = split.with_integrity(html, tmp_path, "app-1")
    assert "sha384-old" not in out
    assert f'href="./app-1_bg.wasm" crossorigin="anonymous" integrity="{digest(b"wasm")}"' in out
    assert f'<link rel="modulepreload" href="./app-1-split.js" crossorigin="anonymous" integrity="{digest(b"loader")}">' in out
    with pytest.raises(SystemExit, match="no preload of app-1_bg.wasm"):
        split.with_integrity(html.splitlines()[0], tmp_path, "app-1")


def test_a_build_without_the_split_feature_passes_through_untouched(tmp_path):
    (tmp_path / "index.html").write_text("<script type=module>import init from './app-1.js';</script>")
    (tmp_path / "app-1.js").write_text('import * as wbg from "./snippets/x.js"')
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert split.split(tmp_path, tmp_path / "never-read.wasm") == []
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_split_build_without_its_tools_fails_loudly(tmp_path, monkeypatch):
    shutil.copytree(FRONTEND, tmp_path / "stage")
    stage = tmp_path / "stage"
    stem = split.main_module(stage)
    (stage / f"{stem}.js").write_bytes(b'import * as p from "__wasm_split_placeholder__"')
    monkeypatch.setattr(split.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit, match="wasm-split-cli is not installed"):
        split.split(stage, tmp_path / "cargo.wasm")
