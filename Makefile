# One-command local stack and tests. `make test` is what CI runs (.ci/run).
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup jars compat-deps renderer toxiproxy browser-deps up down status demo migrate test test-cluster test-network lint bench check

setup: $(STAMP) jars compat-deps renderer toxiproxy

# Recreate the environment only when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[dev,bench,stack]'
	touch $@

# Kafka's jars from Maven Central into the user's cache, once per the packaged pom:
# ~/.cache/sagaline/kafka-<version> (XDG_CACHE_HOME or SAGALINE_KAFKA_HOME move it).
jars: $(STAMP)
	$(PY) -m sagaline fetch

# KafkaJS for the compat tier (tests/compat), again only when its lockfile changes. Without npm
# the tier skips locally; under CI (CI=true) it must run, so a missing npm fails here.
COMPAT       := tests/compat
COMPAT_STAMP := $(COMPAT)/node_modules/.installed

compat-deps: $(COMPAT_STAMP)

$(COMPAT_STAMP): $(COMPAT)/package-lock.json
	@if command -v npm >/dev/null; then \
	    npm ci --prefix $(COMPAT) --no-audit --no-fund && touch $@; \
	elif [ "$$CI" = true ]; then \
	    echo "npm not found: the compat tier (tests/compat) needs Node 20 and npm" >&2; exit 1; \
	else echo "npm not found: the compat tier (tests/compat) will skip"; fi

# toxiproxy-server for `sagaline up --faulty` and the network tier (tests/network), built with Go
# from the Go module proxy into .tools/bin (ignored), once per pinned version. Without Go the
# tier skips locally; under CI (CI=true) it must run, so a missing Go fails here.
TOXIPROXY_VERSION := v2.12.0
TOOLS_BIN         := $(CURDIR)/.tools/bin
TOXIPROXY         := $(TOOLS_BIN)/toxiproxy-server-$(TOXIPROXY_VERSION)

toxiproxy: $(TOXIPROXY)

$(TOXIPROXY):
	@if command -v go >/dev/null; then \
	    mkdir -p $(TOOLS_BIN) && \
	    GOBIN=$(TOOLS_BIN) go install github.com/Shopify/toxiproxy/v2/cmd/server@$(TOXIPROXY_VERSION) && \
	    mv $(TOOLS_BIN)/server $@ && ln -sf $(notdir $@) $(TOOLS_BIN)/toxiproxy-server; \
	elif [ "$$CI" = true ]; then \
	    echo "go not found: the network tier (tests/network) needs toxiproxy-server" >&2; exit 1; \
	else echo "go not found: the network tier (tests/network) will skip"; fi

# The dashboard's AsyncAPI renderer (its /contracts page), fetched from npm at a pinned version
# and checked against its registry digest, into an ignored folder the package data includes.
RENDERER       := src/sagaline/dashboard/static/vendor/asyncapi-react
RENDERER_PKG   := @asyncapi/react-component@3.2.1
RENDERER_SHA   := sha512-k5ZqJd6+oxYaQ2o6F3rGWJ1MTIjXdpsUYB3NKQbVqr4yzrN0Ovj5c7eZx8NGd3wfKPhbOrLREtYl9K2OPfnSsA==

renderer: $(RENDERER)/index.js

$(RENDERER)/index.js:
	@tmp=$$(mktemp -d) && cd $$tmp && \
	    npm pack $(RENDERER_PKG) --json --silent > pack.json && \
	    grep -q '"integrity": "$(RENDERER_SHA)"' pack.json && \
	    tar xzf *.tgz && cd - >/dev/null && \
	    cp $$tmp/package/browser/standalone/index.js $$tmp/package/browser/standalone/index.js.LICENSE.txt \
	       $$tmp/package/styles/default.min.css $$tmp/package/LICENSE $(RENDERER)/ && \
	    rm -rf $$tmp || { rm -rf $$tmp; echo "could not fetch $(RENDERER_PKG) (or its digest differs)" >&2; exit 1; }

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

# Every tier: first all but the cluster, network and example tiers against the session's
# stack (which it then stops), then the cluster tier in a stack of its own (three Kafka nodes,
# two replicas per service, ports 19001-19096 by default, see tests/cluster/conftest.py), then
# the network tier in two more (Toxiproxy on each service's links, then between three nodes;
# ports 17001-17595 by default, see tests/network/conftest.py), then the shipping example end
# to end from a copy outside the checkout (examples/shipping/tests).
test: setup browser-deps
	$(PY) -m pytest tests examples -m "not cluster and not network and not example"
	$(PY) -m pytest tests/cluster -m cluster
	$(PY) -m pytest tests/network -m network
	$(PY) -m pytest examples -m example

# The cluster tier alone.
test-cluster: setup
	$(PY) -m pytest tests/cluster -m cluster

# The network tier alone.
test-network: setup
	$(PY) -m pytest tests/network -m network

# Debian's Chromium for the browser tier (-m browser; never a browser download). Installed
# when missing under CI=true or as root; otherwise the browser tests skip without it.
browser-deps:
	@if command -v /usr/bin/chromium >/dev/null; then echo "chromium: /usr/bin/chromium"; \
	elif [ "$$CI" = "true" ] || [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "no /usr/bin/chromium: apt-get install chromium (the browser tests skip)"; fi

lint: $(STAMP)
	$(PY) -m ruff check src tests examples
	$(PY) -m mypy

# Benchmark the running stack (make up ARGS=--detach first); ARGS=--quick for a smoke run.
bench: setup
	$(PY) -m sagaline bench $(ARGS)
