# Télédossier — set-up in one command each:
#   make run    demo on http://127.0.0.1:${TELEDOSSIER_PORT:-8000} (SQLite in var/, no other service)
#   make test   ruff, then the whole pytest suite
# TELEDOSSIER_* variables are never assigned here: whatever the caller exported passes through.

VENV  := .venv
BIN   := $(VENV)/bin
# Stamps: the install is redone only when pyproject.toml is newer than the last one.
STAMP     := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PIP   := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: run test lint bench clean

run: $(STAMP)
	$(BIN)/teledossier migrate
	$(BIN)/teledossier up

test: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

# Informative throughput figures; needs TELEDOSSIER_DATABASE_URL (PostgreSQL) and
# TELEDOSSIER_BROKER_URL (RabbitMQ) in the environment, e.g.
#   TELEDOSSIER_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \
#   TELEDOSSIER_BROKER_URL=amqp://guest:guest@127.0.0.1:5672/%2F make bench
bench: $(STAMP)
	@[ -n "$$TELEDOSSIER_DATABASE_URL" ] && [ -n "$$TELEDOSSIER_BROKER_URL" ] || { \
	  echo "make bench: set TELEDOSSIER_DATABASE_URL (PostgreSQL) and TELEDOSSIER_BROKER_URL (RabbitMQ)" >&2; \
	  exit 2; }
	$(BIN)/teledossier bench --mode pipeline --dossiers 2000
	$(BIN)/teledossier bench --mode baseline --dossiers 2000

# Removes the virtualenv and caches; var/ (the demo database) is kept.
clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The virtualenv itself: python3.11, else python3 when it is at least 3.11.
$(BIN)/python:
	@py=$$(for p in python3.11 python3; do \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; \
	  done); \
	test -n "$$py" || { echo "Python >= 3.11 is required (python3.11 or python3)" >&2; exit 1; }; \
	echo "$$py -m venv $(VENV)"; $$py -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

# The dev install includes the plain one, so it refreshes both stamps.
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	touch $@ $(STAMP)
