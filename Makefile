# Rounds — the two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Links in messages point at the address served (settings.PUBLIC_URL).
PUBLIC_URL ?= http://$(HOST):$(PORT)
# The local demo is an opt-in (production settings are the default): a key of its own in var/,
# plain http on loopback, printed email and texts, Rounds' own error pages.
LOCAL  := ROUNDS_DEMO=1 PUBLIC_URL=$(PUBLIC_URL)

.PHONY: demo test install serve worker migrate lint format bench clean chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	mkdir -p var
	$(LOCAL) $(BIN)/python manage.py migrate --noinput

# Install, migrate, load the demo organizations, start a background worker and serve on SQLite.
demo: migrate
	$(LOCAL) $(BIN)/python manage.py load_demo
	$(LOCAL) $(BIN)/python manage.py warm_match_index
	@echo ""
	@echo "  Rounds is starting on http://$(HOST):$(PORT)/"
	@echo "  Sign in as  demo@rounds.test / rounds-demo  (Alberta clinic group, owner)"
	@echo "          or  staffing@rounds.test / rounds-demo  (US medical staffing firm, owner)"
	@echo ""
	@trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	  $(LOCAL) $(BIN)/python manage.py db_worker --no-startup-delay & WORKER=$$!; \
	  $(LOCAL) $(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload

serve: migrate
	$(LOCAL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: migrate
	$(LOCAL) $(BIN)/python manage.py db_worker

# Browser tests drive Debian's Chromium; install it when missing (needs root, as in CI).
chromium:
	@test -x /usr/bin/chromium || (command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "Chromium could not be installed: browser tests will be skipped.")

# The whole suite, on SQLite by default; DATABASE_URL=postgres://… runs it on PostgreSQL. It runs
# on every core (each worker has its own test database; a file's tests stay on one worker);
# TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
test: install chromium
	mkdir -p var
	$(BIN)/ruff check .
	$(BIN)/python -m pytest --create-db -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/pip install --quiet -e ".[test,bench]"
	$(BIN)/python bench/search.py
	$(BIN)/python bench/import_csv.py
	$(BIN)/python bench/memory.py
	$(BIN)/python bench/match_speed.py
	$(BIN)/python bench/match_speed.py --n 1000000
	$(BIN)/python bench/match_quality.py
	$(BIN)/python bench/outreach_queue.py
	$(BIN)/python bench/outreach_send.py

clean:
	rm -rf var $(VENV)
