# Helhed — the two commands are `make run` and `make test`; everything else supports them.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HELHED := $(BIN)/helhed
DEV_ENV := DEBUG=true
# Settings that a production deployment would use, for `check --deploy`.
DEPLOY_ENV := DEBUG=false HTTPS=true ALLOWED_HOSTS=helhed.example.dk \
	HELHED_BASE_URL=https://helhed.example.dk \
	SECRET_KEY=ci-only-deploy-check-key-9f3b2c7d1e8a4f6b0c5d2e9a7b3f1c8d4e6a0b2c \
	HELHED_AUDIT_KEY=ci-only-audit-key-1d7e3b9c5a2f8e4d6b0a9c3f7e1d5b8a \
	EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend EMAIL_HOST=mail.example.dk
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run setup setup-demo setup-dev assets chromium test lint typecheck check test-sqlite \
	test-postgresql test-browser bench load setup-load clean

## make run: set up, migrate, load reference + demo data, print logins, serve on :8000
run: setup setup-demo
	$(DEV_ENV) $(HELHED) migrate --no-input -v 0
	$(DEV_ENV) $(HELHED) demo --seed 1
	@echo ""
	@echo "Helhed kører på http://127.0.0.1:8000  (stop med Ctrl+C); arbejderen sender e-mail"
	@# The worker (e-mail) beside the server, stopped (SIGTERM: it finishes the task in hand)
	@# when the server ends, however it ends.
	$(DEV_ENV) $(HELHED) worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(DEV_ENV) $(HELHED) runserver 127.0.0.1:8000

setup: $(VENV)/.installed assets

# The demo's own dependencies (Faker, tqdm: the `demo` extra, used only by helhed.devtools)
setup-demo: $(VENV)/.installed-demo

$(VENV)/.installed-demo: requirements-demo.lock $(VENV)/.installed
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-demo.lock
	touch $@

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

setup-dev: $(VENV)/.installed-dev assets

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.lock
	touch $@

assets: src/helhed/static/vendor/.installed

src/helhed/static/vendor/.installed: package-lock.json scripts/vendor_assets.py
	npm ci --no-audit --no-fund --loglevel=error
	$(PYTHON) scripts/vendor_assets.py
	touch $@

chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
	@chromium --version

## make test: everything CI runs
test: setup-dev setup-load chromium lint typecheck check
	@# The suites are independent processes (SQLite in memory, PostgreSQL in a throwaway cluster,
	@# Chromium against live servers on SQLite): two at a time on the two cores — the browser
	@# suite starts when the first database suite ends — each one's output printed whole when it
	@# ends, with its slowest tests.
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgresql test-browser
	@echo "make test: all suites passed"

# The conventions as checks (docs/architecture.md, "The house as checks"): ruff with a complexity
# limit of 15 (10 in views and API modules), the layering contracts (import-linter) and the guard.
ADAPTERS = $(wildcard src/helhed/*/views*.py src/helhed/*/views/*.py src/helhed/*/api*.py \
	src/helhed/*/api/*.py) src/helhed/api.py

lint:
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/ruff check --select C901 --config "lint.mccabe.max-complexity=10" $(ADAPTERS)
	$(BIN)/lint-imports --no-cache
	$(DEV_ENV) $(BIN)/python scripts/check_guard.py
	$(BIN)/python scripts/check_csp_templates.py

typecheck:
	$(DEV_ENV) $(BIN)/mypy

check:
	$(DEV_ENV) $(HELHED) check --fail-level WARNING
	$(DEPLOY_ENV) $(HELHED) check --deploy --fail-level WARNING
	$(DEV_ENV) $(HELHED) makemigrations --check --dry-run

test-sqlite:
	$(BIN)/pytest -m "not browser" -p no:cacheprovider --durations=20

test-postgresql:
	$(BIN)/python scripts/pgtmp.py -- $(BIN)/pytest -m "not browser" -p no:cacheprovider --durations=20

test-browser:
	$(BIN)/pytest -m browser -p no:cacheprovider --durations=10

## make bench: course page and caseload on 300,000 synthetic citizens, SQLite then PostgreSQL
## (the SQLite dataset in var/bench/ is built once and reused; PostgreSQL's cluster is throwaway)
bench: setup setup-demo
	$(DEV_ENV) $(HELHED) bench
	$(BIN)/python scripts/pgtmp.py -- env $(DEV_ENV) $(HELHED) bench --in-place

## make load: 2 minutes of mixed load (16 users, no think time) against the production server
## (gunicorn with its default workers, DEBUG off), SQLite then PostgreSQL; one `BENCH load …`
## line each. LOAD_USERS and LOAD_SECONDS change the users and the duration. `make test` runs a
## 6-second version on a small SQLite demo (tests/ops/test_load.py).
load: setup setup-demo setup-load
	$(DEV_ENV) $(HELHED) load
	$(BIN)/python scripts/pgtmp.py -- env $(DEV_ENV) $(HELHED) load --in-place

# locust (the `load` extra): `make load`, and the short load run in `make test`
setup-load: $(VENV)/.installed-load

$(VENV)/.installed-load: requirements-load.lock $(VENV)/.installed
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-load.lock
	touch $@

clean:
	rm -rf $(VENV) node_modules src/helhed/static/vendor var
