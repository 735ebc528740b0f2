# ReachFlow: the two commands a newcomer needs are `make demo` and `make test`.
# Both install what they need first (idempotent): Debian packages, then a .venv with the project.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := ffmpeg espeak-ng apertium apertium-eng-spa apertium-eng-cat tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa
# Only `make test` needs these: Debian's Chromium for the browser test (tests/browser), PHP to read the
# sandbox's format=3 answers with PHP's own unserialize (tests/sandbox), Node.js and npm to run Kaltura's
# Node client against the sandbox (tests/sandbox/test_conformance.py installs it with npm).
TEST_APT_PACKAGES := chromium php-cli nodejs npm
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | md5sum | cut -c1-12)

.PHONY: demo test soak setup system-deps test-deps apt-install venv check clean

demo: setup
	$(BIN)/reachflow demo

test: setup test-deps check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fault soak (bench/soak.py): 200 machine jobs under every kind of fault, flow-run kills, a
# worker and a Prefect server restart, judged through the Kaltura API. E.g. SOAK_ARGS="--jobs 30".
soak: setup
	$(BIN)/python bench/soak.py $(SOAK_ARGS)

setup: system-deps venv

# Debian packages: ffmpeg and espeak-ng (media, speech), Apertium (machine translation), tesseract (on-screen text). Skipped when already present.
system-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(TEST_APT_PACKAGES)"

# A package counts as present when dpkg has it or its command is on PATH (npm comes inside some
# Node.js builds, whose Debian package conflicts with Debian's npm).
apt-install:
	@missing=""; \
	for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	$(PYTHON) -c 'import ensurepip' >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The gate CI runs before the tests (through `make test`): format, lint, types, layering.
check: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy --strict reachflow tasks blocks
	$(BIN)/mypy flows
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_import_rules.py

clean:
	rm -rf $(VENV) var
