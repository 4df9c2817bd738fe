# One-command local stack and tests. `make test` is what CI runs (.ci/run).
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup jars up down status demo migrate test test-cluster lint bench check

setup: $(STAMP) jars

# Recreate the environment only when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[dev,bench,stack]'
	touch $@

# Kafka's jars from Maven Central into stack/kafka/libs (once per pom.xml version).
jars: $(STAMP)
	$(PY) -m sagaline fetch

up: setup
	$(PY) -m sagaline up $(ARGS)

down:
	@if [ -x $(PY) ]; then $(PY) -m sagaline down $(ARGS); else echo "no $(VENV): nothing to stop"; fi

demo: setup
	$(PY) -m sagaline demo $(ARGS)

migrate: $(STAMP)
	$(PY) -m sagaline migrate

status: $(STAMP)
	$(PY) -m sagaline status

# Verify the saga's invariants across the databases and Kafka (exit 0/1/2).
check: $(STAMP)
	$(PY) -m sagaline check $(ARGS)

test: setup
	$(PY) -m pytest tests -m "not cluster"

# Failover on three Kafka nodes and two replicas per service, in a stack of its own
# (ports 19001-19096 by default, see tests/cluster/conftest.py).
test-cluster: setup
	$(PY) -m pytest tests/cluster -m cluster

lint: $(STAMP)
	$(PY) -m ruff check src tests
	$(PY) -m mypy

# Benchmark the running stack (make up ARGS=--detach first); ARGS=--quick for a smoke run.
bench: setup
	$(PY) -m sagaline bench $(ARGS)
