# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENDOR := static/vendor

.PHONY: run test install vendor lint format bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed vendor

# Front-end libraries come from npm at build time and are served by whitenoise.
$(VENDOR)/.built: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chart.umd.min.js
	cp node_modules/frappe-gantt/dist/frappe-gantt.umd.js $(VENDOR)/frappe-gantt.umd.js
	cp node_modules/frappe-gantt/dist/frappe-gantt.css $(VENDOR)/frappe-gantt.css
	touch $@

vendor: $(VENDOR)/.built

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmark (PostgreSQL): seed BENCH_SCALE (1.0 = 1M incidents) into BENCH_DATABASE_URL
# (default servicehub_bench on 127.0.0.1, created if missing), load, KPI jobs; the report
# goes to bench/results/. See docs/performance.md.
BENCH_SCALE ?= 0.1
BENCH_ARGS ?=
bench: $(VENV)/.installed
	$(PY) -m bench all --scale $(BENCH_SCALE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) db.sqlite3 media
