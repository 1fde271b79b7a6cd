# cqrs-shop: `make run` starts everything on the embedded default; `make serve` runs the production stack on
# PostgreSQL and Redis (docs/operations.md); `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

# Tests run on the real services (PostgreSQL for both databases, Redis as broker); override as needed.
TEST_ENV := DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/cqrs_shop_write} \
	READ_DATABASE_URL=$${TEST_READ_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/cqrs_shop_read} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/5} \
	CACHE_REDIS_URL=$${TEST_CACHE_REDIS_URL:-redis://127.0.0.1:6379/6}

.PHONY: install run serve test test-fast lint bench messages clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

messages: install
	@if compgen -G "locale/*/LC_MESSAGES/*.po" > /dev/null; then $(PY) manage.py compilemessages -v0; fi

run: install messages
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py migrate --noinput -v0 --database read
	$(PY) manage.py load_demo
	@echo "Shop:     http://127.0.0.1:$(PORT)/"
	@echo "Admin:    http://127.0.0.1:$(PORT)/admin/  (demo staff login: admin / admin)"
	@echo "API docs: http://127.0.0.1:$(PORT)/api/v1/docs/"
	@echo "Ctrl-C stops web, the two workers and beat."
	PORT=$(PORT) $(VENV)/bin/honcho -f Procfile start

# Production: migrate the write database, then the read one, collect static files, then gunicorn + Celery
# workers (projections, reactors) + one beat (Procfile.production). PROCESSES="web worker reactors" on machines that
# must not run beat.
serve: install messages
	@if [ -z "$$DATABASE_URL" ] || [ -z "$$READ_DATABASE_URL" ] || [ -z "$${REDIS_URL:-$$CELERY_BROKER_URL}" ]; then \
		echo "make serve runs on PostgreSQL and Redis: set DATABASE_URL, READ_DATABASE_URL and REDIS_URL" \
			"(make run needs none of them)" >&2; exit 2; fi
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py migrate --noinput -v0 --database read
	STATIC_MANIFEST=true $(PY) manage.py collectstatic --noinput -v0
	$(VENV)/bin/honcho -f Procfile.production start $(PROCESSES)

test: install messages
	$(TEST_ENV) $(VENV)/bin/ruff check .
	$(TEST_ENV) $(VENV)/bin/pytest

# While iterating: skip the slow browser, fault and torture tests.
test-fast: install messages
	$(TEST_ENV) $(VENV)/bin/pytest -m "not slow" -x

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .

bench: install
	$(TEST_ENV) $(PY) -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf var test-artifacts
