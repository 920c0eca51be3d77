# Espace Intervenants — the two commands a newcomer needs:
#   make run    install, migrate, load referentials and demo data (first run), serve on :5000
#   make test   install what the tests need, lint (ruff, layer contract), run the suite on every
#               core (PYTEST_WORKERS=auto; PYTEST_ARGS= adds pytest options)
#   make test-navigateur  the browser tests (tests/navigateur/): Playwright driving
#               Debian's chromium (apt-get install chromium), axe-core on every page
#   make bench  measure the key pages against their bare baseline (needs wrk,
#               PostgreSQL; writes BENCHMARKS.md and benchmarks/results.json)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
# pytest-xdist workers of `make test` (auto: one per core; 0: in this process only)
PYTEST_WORKERS ?= auto
export FLASK_APP := app
# The e-mails' links follow the port served on (config.base_publique), even
# when PORT is given on make's command line (make run PORT=5081).
export PORT

.PHONY: run test test-navigateur install lint bench bench-croissance pannes worker cron clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/flask preparer
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Browser tests: the main journeys and axe-core on every page of every role,
# in Debian's chromium (CHROMIUM=/path to use another build; no browser download).
$(VENV)/.navigateur: pyproject.toml | $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,navigateur]'
	touch $@

test-navigateur: install $(VENV)/.navigateur
	$(BIN)/pytest tests/navigateur --navigateur -n $(PYTEST_WORKERS) $(NAVIGATEUR_ARGS)

# ruff, then the layer contract (pyproject's [tool.importlinter]: views ->
# operations -> workflows -> models -> base, nothing imported upwards).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo

# BENCH_ARGS, e.g. BENCH_ARGS="--bases postgresql --clients 8 --duree 20"
# BENCH_PREFIXE: name prefix of the bench databases (<prefix>_<N>, default espace_bench);
# two runs side by side: different BENCH_PREFIXE and BENCH_REDIS_URL.
export BENCH_PREFIXE
bench: install
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

# Growth: the same pages at 10,000 / 100,000 / 300,000 intervenants, with the EXPLAIN plans.
bench-croissance: install
	$(BIN)/python -m benchmarks.run --bases postgresql --intervenants 10000,100000,300000 --clients 8 --plans $(BENCH_ARGS)

# Faults (issues #26, #34): its own redis-server, SMTP sink and gunicorn on ports of
# --ports (5750-5799), PostgreSQL database (created then dropped), rq worker and scheduler;
# SMTP down, Redis down, database connections cut, slow SMTP, a worker killed, races from
# separate sessions, pages during each fault; exits 1 when a figure is off.
# PANNES_ARGS, e.g. "--attente 400" or "--defaut envoi-sans-reprise" (a seeded defect).
pannes: install
	$(BIN)/python -m benchmarks.pannes $(PANNES_ARGS)

worker: install
	$(BIN)/rq worker --url "$$REDIS_URL" --worker-class app.jobs.AppWorker --with-scheduler mail default

cron: install
	$(BIN)/python -m app.jobs.planificateur --url "$$REDIS_URL"

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
