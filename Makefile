# The two commands a newcomer needs: `make demo` and `make test`. Every target installs what it
# needs first, and skips what is already there.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

TOOLS_BIN := $(CURDIR)/.ci/tools/node_modules/.bin
export PATH := $(HOME)/.cargo/bin:$(TOOLS_BIN):$(PATH)

TRUNK_VERSION := 0.21.14
# wasm-split-cli splits the release wasm at the `on_demand!` points (.ci/split.py).
WASM_SPLIT_VERSION := 0.2.4
# wasm-bindgen-cli must match the wasm-bindgen crate exactly; Trunk.toml pins the same version.
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"/\1/p;}' Cargo.lock)
VENV := .venv
PY := $(VENV)/bin/python
FRONTEND := streamlit_component/frontend
DEVHOST := target/devhost
SOURCES := $(shell find src -name '*.rs') Cargo.toml Cargo.lock index.html Trunk.toml streamlit_component/csp.py .ci/split.py

IDP := examples/idp

.PHONY: help setup tools venv chromium nginx idp build devhost test test-rust test-wasm test-python fuzz demo serve size size-breakdown bench clean

help:
	@echo "make demo   set up, build, start the local provider, the demo API and the Streamlit app"
	@echo "make test   set up, run every test"
	@echo "make serve  trunk serve: the dev host page on http://127.0.0.1:8080"
	@echo "make size   shipped bundle bytes, raw and gzip -9 (make size-breakdown: per crate and module)"
	@echo "make fuzz   the property tests over every decoder, FUZZ_CASES (100000) cases each"
	@echo "make bench  size, time to ready, change-to-event, Python overhead, memory vs peer components"
	@echo "            (bench/results/; BENCH_ARGS=--long for 10 minutes of heartbeats)"

setup: tools venv chromium nginx idp

# --- toolchain -------------------------------------------------------------------------------
tools: .ci/tools/node_modules/.installed
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@trunk --version 2>/dev/null | grep -qx "trunk $(TRUNK_VERSION)" || cargo install trunk --version $(TRUNK_VERSION) --locked
	@wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $(WASM_BINDGEN_VERSION)" || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@cargo install --list | grep -qx "wasm_split_cli_support v$(WASM_SPLIT_VERSION):" || cargo install wasm_split_cli_support --version $(WASM_SPLIT_VERSION) --locked --features build-binary
	@grep -qx 'wasm_bindgen = "$(WASM_BINDGEN_VERSION)"' Trunk.toml || { echo "Trunk.toml must pin wasm_bindgen = \"$(WASM_BINDGEN_VERSION)\" (Cargo.lock)"; exit 1; }

.ci/tools/node_modules/.installed: .ci/tools/package-lock.json
	npm ci --prefix .ci/tools --no-audit --no-fund
	touch $@

venv: $(VENV)/.installed

$(VENV)/.installed: tests/requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# The local OIDC provider (node oidc-provider), from its committed lockfile.
idp: $(IDP)/node_modules/.installed

$(IDP)/node_modules/.installed: $(IDP)/package-lock.json
	npm ci --prefix $(IDP) --no-audit --no-fund
	touch $@

chromium:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; }

# Debian's nginx (bookworm: 1.22) for the tests' TLS reverse proxy; openssl makes its certificate.
NGINX_SERIES := 1.22
nginx:
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null && command -v openssl >/dev/null || { \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx openssl; }
	@/usr/sbin/nginx -v 2>&1 | grep -q "nginx/$(NGINX_SERIES)\." || { echo "nginx $(NGINX_SERIES).x expected: $$(/usr/sbin/nginx -v 2>&1)"; exit 1; }

# --- build -----------------------------------------------------------------------------------
build: $(FRONTEND)/index.html

# Panic locations name source files; shortening the registry's paths saves shipped bytes.
REMAP := $(foreach d,$(wildcard $(HOME)/.cargo/registry/src/*),--remap-path-prefix=$(d)/=)

# `split`: the login flow and the refresh load on first use; wasm-split needs the relocations.
$(FRONTEND)/index.html: $(SOURCES) | tools
	RUSTFLAGS="$(REMAP) -Clink-args=--emit-relocs" trunk build --release --features split --dist $(FRONTEND)

# Development build (with the dev host page), for the browser tests of standalone mode.
devhost: $(DEVHOST)/index.html

$(DEVHOST)/index.html: $(SOURCES) | tools
	trunk build --dist $(DEVHOST)

serve: tools
	trunk serve

size: build
	@$(PY) tests/bundle_size.py $(FRONTEND)

# Where the wasm's bytes go, per crate and per module (twiggy on the release build before wasm-opt).
TWIGGY_VERSION := 0.8.0
size-breakdown: build venv
	@twiggy --version 2>/dev/null | grep -qx "twiggy-opt $(TWIGGY_VERSION)" || cargo install twiggy --version $(TWIGGY_VERSION) --locked
	@$(PY) benches/breakdown.py

# --- bench -----------------------------------------------------------------------------------
# Figures and ratios against peer components (fetched with pip download), never pass/fail:
# results in bench/results/ (latest.md, latest.json). BENCH_ARGS: --long, --runs N, --changes N,
# --smoke, --only sizes,ready,... (benches/bench.py --help).
BENCH_ARGS ?=

bench: setup build
	$(PY) benches/bench.py $(BENCH_ARGS)

FUZZ_CASES ?= 100000

# --- tests -----------------------------------------------------------------------------------
test: setup
	$(MAKE) test-rust
	$(MAKE) test-wasm
	$(MAKE) test-python

# The property tests (tests/fuzz.rs) run 256 cases each here and 100,000 each in `make fuzz`.
test-rust:
	cargo test --lib
	PROPTEST_CASES=256 cargo test --test fuzz

fuzz:
	PROPTEST_CASES=$(FUZZ_CASES) cargo test --release --test fuzz

test-wasm: tools chromium
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	CHROMEDRIVER=$$(command -v chromedriver) \
	WASM_BINDGEN_TEST_TIMEOUT=60 \
	cargo test --target wasm32-unknown-unknown --test web

test-python: build devhost venv chromium nginx idp
	$(PY) -m pytest

# --- demo ------------------------------------------------------------------------------------
# examples/demo.py starts the local provider, the demo API and the Streamlit app, prints the URLs
# and the test users, and stops all three on Ctrl-C. DEMO_SECRETS=<secrets.toml> uses a hosted
# provider instead of the local one (README: "Use a hosted provider"). DEMO_MODE=confidential runs
# the login as a confidential client (Python holds the tokens); the app's sidebar names the mode.
DEMO_PORT ?= 8501
DEMO_MODE ?= public
IDP_PORT ?= 9400
API_PORT ?= 5000

demo: setup build
	DEMO_PORT=$(DEMO_PORT) IDP_PORT=$(IDP_PORT) API_PORT=$(API_PORT) DEMO_MODE=$(DEMO_MODE) $(PY) examples/demo.py

clean:
	rm -rf target $(FRONTEND) dist
