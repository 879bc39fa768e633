# Spasm Diary: `make run` serves the app, `make test` runs the whole suite.
# Both set everything up on a fresh machine with Python 3.11+.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium

.PHONY: run demo test test-unit test-postgres test-e2e fuzz migrate bench screenshots lint translations clean

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

# The demo clinic (flask demo-data) in a database file of its own, served like `make run`:
# instance/diary.sqlite3, the database `make run` serves, is never touched. Each run starts
# from a fresh demo database, so the logins it prints (a new password and TOTP secret every
# time) are the ones that work; its mail goes to instance/demo-outbox/.
# DEMO_DATABASE and DEMO_OUTBOX move them elsewhere (tests/test_make_demo.py does).
DEMO_DATABASE ?= $(CURDIR)/instance/demo.sqlite3
DEMO_OUTBOX ?= $(CURDIR)/instance/demo-outbox
demo: $(STAMP)
	@mkdir -p $(dir $(DEMO_DATABASE))
	rm -f $(DEMO_DATABASE) $(DEMO_DATABASE)-wal $(DEMO_DATABASE)-shm
	@export DATABASE_URL="sqlite:///$(DEMO_DATABASE)" MAIL_OUTBOX="$(DEMO_OUTBOX)"; \
	export PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)}"; \
	$(FLASK) db upgrade && $(FLASK) demo-data || exit 1; \
	echo ""; echo "The demo clinic is served on http://127.0.0.1:$(PORT) (Ctrl-C stops it)."; \
	echo "Log in with the accounts and the password above; they work until the next make demo."; \
	trap 'trap - INT TERM; kill 0' INT TERM; \
	$(FLASK) scheduler & \
	$(FLASK) run --host 127.0.0.1 --port $(PORT) & \
	wait

# Each pass runs on every core with pytest-xdist (docs/testing.md), prints its ten slowest
# tests and its wall time. WORKERS=1 runs a pass in one process.
WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(WORKERS) --durations=10
# Runs a pass and prints how long it took; the pass's exit status is kept.
timed = start=$$(date +%s); $(2); status=$$?; \
	echo "$(1) pass: $$(( $$(date +%s) - start )) s wall time"; exit $$status

# With PostgreSQL, its pass runs beside the SQLite pass (measured faster on 2 cores, see
# docs/testing.md); --output-sync prints each pass whole when it ends.
test: $(STAMP)
	$(BIN)/lint-imports
	$(FLASK) db upgrade
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	$(MAKE) --no-print-directory --output-sync=target -j2 test-unit test-postgres; \
	else $(MAKE) --no-print-directory test-unit && \
	echo "PostgreSQL tests skipped: TEST_DATABASE_URL is not set."; fi
	@$(MAKE) --no-print-directory test-e2e

test-unit: $(STAMP)
	@$(call timed,SQLite,env -u TEST_DATABASE_URL $(PYTEST) --ignore=tests/e2e -q)

test-postgres: $(STAMP)
	@test -n "$$TEST_DATABASE_URL" || { echo "test-postgres needs TEST_DATABASE_URL."; exit 1; }
	@$(call timed,PostgreSQL,$(PYTEST) --ignore=tests/e2e -q)

test-e2e: $(STAMP)
	@if [ -x "$(CHROMIUM)" ]; then $(call timed,Browser,CHROMIUM="$(CHROMIUM)" $(PYTEST) tests/e2e -q); \
	elif [ "$$CI" = "true" ]; then echo "Chromium not found at $(CHROMIUM): CI needs the browser tests."; exit 1; \
	else echo "Browser tests SKIPPED: Chromium not found at $(CHROMIUM) (apt-get install chromium)."; fi

# Deep runs: every Hypothesis test with 1,000 examples (the suite uses 200), on SQLite.
fuzz: $(STAMP)
	@$(call timed,Fuzz,env -u TEST_DATABASE_URL HYPOTHESIS_PROFILE=fuzz $(PYTEST) --ignore=tests/e2e -q)

# The benchmark of docs/quality-bars.md (Speed and scale): SQLite by default, PostgreSQL when DATABASE_URL points at one.
bench: $(STAMP)
	$(BIN)/python bench/run.py

# The README's pictures, from the demo clinic at a fixed clock, into docs/screenshots/.
screenshots: $(STAMP)
	CHROMIUM="$(CHROMIUM)" $(BIN)/python docs/screenshots/make_screenshots.py

# Messages for translators (docs/wording.md, Translating): extract every string of the code and
# the templates into translations/messages.pot, merge it into each language's catalogue, and
# compile the .mo files the app reads (committed, checked against their sources by the tests).
translations: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext --sort-by-file \
	  --project "Spasm Diary" -o translations/messages.pot .
	@for po in translations/*/LC_MESSAGES/messages.po; do \
	  [ -e "$$po" ] || continue; \
	  lang=$$(basename $$(dirname $$(dirname $$po))); \
	  $(BIN)/pybabel -q update --no-fuzzy-matching -i translations/messages.pot -d translations -l $$lang && \
	  $(BIN)/pybabel compile --statistics -d translations -l $$lang || exit 1; \
	done

# Style, and the layers of docs/architecture.md (import-linter's contracts in .importlinter).
lint: $(STAMP)
	$(BIN)/ruff check diary tests bench
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
