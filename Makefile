# CivicLoop (创城通). `make run` to try it, `make test` to check it.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PG_DSN ?= postgresql://postgres@127.0.0.1:5432/test
CHROMIUM ?= /usr/bin/chromium

.PHONY: run venv pwa pwa-deps migrate seed serve test lint pytest-sqlite pytest-postgres pwa-test e2e browser bench clean

## run: install, migrate, seed the demo city, serve API + PWA on http://localhost:8000
run: venv pwa migrate seed serve

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

pwa-deps: pwa/node_modules/.installed
pwa/node_modules/.installed: pwa/package.json pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund
	touch $@

pwa: pwa-deps
	cd pwa && npm run build

migrate: venv
	$(BIN)/civicloop migrate

seed: venv
	$(BIN)/civicloop seed-demo

serve: venv
	$(BIN)/civicloop serve --host $(HOST) --port $(PORT)

## test: lint, pytest on SQLite and PostgreSQL, Vitest, Playwright on Debian's Chromium
test: venv lint pytest-sqlite pytest-postgres pwa-test e2e

lint: venv
	$(BIN)/ruff check api models sync tests bench

pytest-sqlite: venv
	TEST_DATABASE=sqlite $(BIN)/pytest -q -p no:cacheprovider

pytest-postgres: venv
	@if $(BIN)/python -c "import asyncio,asyncpg,sys; asyncio.run(asyncpg.connect('$(PG_DSN)')).close" 2>/dev/null \
	    || pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then \
	  TEST_DATABASE=postgres TEST_PG_DSN=$(PG_DSN) $(BIN)/pytest -q -p no:cacheprovider; \
	elif [ "$$REQUIRE_POSTGRES" = "1" ]; then \
	  echo "!!! PostgreSQL is required (REQUIRE_POSTGRES=1) but unreachable at $(PG_DSN)"; exit 1; \
	else \
	  echo "!!! ============================================================"; \
	  echo "!!! SKIPPING the PostgreSQL test run: no server at $(PG_DSN)"; \
	  echo "!!! ============================================================"; \
	fi

pwa-test: pwa-deps
	cd pwa && npm run test:unit

## browser: Debian's Chromium and Chinese fonts for the Playwright tests
browser:
	@if [ ! -x $(CHROMIUM) ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  elif command -v apt-get >/dev/null && command -v sudo >/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  fi; \
	fi

e2e: venv pwa browser
	@if [ -x $(CHROMIUM) ]; then \
	  cd pwa && CHROMIUM=$(CHROMIUM) npm run test:e2e; \
	elif [ "$$REQUIRE_BROWSER" = "1" ]; then \
	  echo "!!! Chromium is required (REQUIRE_BROWSER=1) but $(CHROMIUM) is missing"; exit 1; \
	else \
	  echo "!!! ============================================================"; \
	  echo "!!! SKIPPING the browser tests: $(CHROMIUM) could not be installed"; \
	  echo "!!! ============================================================"; \
	fi

## bench: benchmarks (never part of the test run); write the figures into docs/benchmarks.md
bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) pwa/node_modules pwa/dist var
