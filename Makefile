# Spasm Diary: `make run` serves the app, `make test` runs the whole suite.
# Both set everything up on a fresh machine with Python 3.11+.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-unit test-postgres test-e2e migrate bench screenshots lint clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

migrate: $(STAMP)
	$(FLASK) db upgrade

# The web server and the reminder scheduler as two processes; Ctrl-C stops both.
run: migrate
	@export PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)}"; \
	trap 'trap - INT TERM; kill 0' INT TERM; \
	$(FLASK) scheduler & \
	$(FLASK) run --host 127.0.0.1 --port $(PORT) & \
	wait

test: $(STAMP)
	$(FLASK) db upgrade
	$(MAKE) --no-print-directory test-unit
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL tests skipped: TEST_DATABASE_URL is not set."; fi
	@$(MAKE) --no-print-directory test-e2e

test-unit: $(STAMP)
	env -u TEST_DATABASE_URL $(BIN)/pytest --ignore=tests/e2e -q

test-postgres: $(STAMP)
	$(BIN)/pytest --ignore=tests/e2e -q

test-e2e: $(STAMP)
	@if [ -x "$(CHROMIUM)" ]; then CHROMIUM="$(CHROMIUM)" $(BIN)/pytest tests/e2e -q; \
	elif [ "$$CI" = "true" ]; then echo "Chromium not found at $(CHROMIUM): CI needs the browser tests."; exit 1; \
	else echo "Browser tests SKIPPED: Chromium not found at $(CHROMIUM) (apt-get install chromium)."; fi

# The benchmark of QUALITY.md: SQLite by default, PostgreSQL when DATABASE_URL points at one.
bench: $(STAMP)
	$(BIN)/python bench/run.py

# The README's pictures, from the demo clinic at a fixed clock, into docs/screenshots/.
screenshots: $(STAMP)
	CHROMIUM="$(CHROMIUM)" $(BIN)/python docs/screenshots/make_screenshots.py

lint: $(STAMP)
	$(BIN)/ruff check diary tests bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
