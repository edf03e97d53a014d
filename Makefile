# Two commands on a fresh machine: `make run` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# code_interpreter's interpreter environment, apart from the server's, and bubblewrap.
SANDBOX_VENV := .sandbox-python
SANDBOX_STAMP := $(SANDBOX_VENV)/.installed
PROTO_DIR := protos
PROTO_OUT := protos/assistants/v1

.PHONY: run test bench sandbox bubblewrap protos lint lint-protos format typecheck check clean migrate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The sandbox's venv has no pip of its own: the server venv's pip installs into it.
$(SANDBOX_VENV)/bin/python:
	$(PYTHON) -m venv --without-pip $(SANDBOX_VENV)

$(SANDBOX_STAMP): service/sandbox/requirements.txt $(STAMP) | $(SANDBOX_VENV)/bin/python
	$(BIN)/pip --python $(SANDBOX_VENV)/bin/python install --quiet -r service/sandbox/requirements.txt
	touch $(SANDBOX_STAMP)

# Installs bubblewrap where apt can; never fails the build (code_interpreter is then disabled,
# and says why). Not a stamp: a machine that gains apt or bwrap later is looked at again.
bubblewrap:
	@command -v bwrap >/dev/null || { command -v apt-get >/dev/null && { apt-get install -y -q bubblewrap || { apt-get update -q && apt-get install -y -q bubblewrap; }; }; } || echo "warning: bubblewrap is missing; code_interpreter will be disabled"

sandbox: $(SANDBOX_STAMP) bubblewrap

run: $(STAMP) $(SANDBOX_STAMP) bubblewrap
	$(BIN)/assistants serve

migrate: $(STAMP)
	$(BIN)/assistants migrate

test: $(STAMP) $(SANDBOX_STAMP) bubblewrap
	$(BIN)/python -m pytest

bench: $(STAMP) $(SANDBOX_STAMP) bubblewrap
	$(BIN)/python -m tests.bench
	$(BIN)/python -m tests.bench.runs
	$(BIN)/python -m tests.bench.events
	$(BIN)/python -m tests.bench.http
	$(BIN)/python -m tests.bench.retrieval
	$(BIN)/python -m tests.bench.sandbox

# Regenerates the Python stubs (messages, .pyi type stubs and gRPC services) from protos/.
protos: $(STAMP)
	rm -f $(PROTO_OUT)/*_pb2.py $(PROTO_OUT)/*_pb2.pyi $(PROTO_OUT)/*_pb2_grpc.py
	$(BIN)/python -m grpc_tools.protoc -I $(PROTO_DIR) \
		--python_out=$(PROTO_DIR) --pyi_out=$(PROTO_DIR) --grpc_python_out=$(PROTO_DIR) \
		$(PROTO_OUT)/*.proto

lint-protos: $(STAMP)
	$(BIN)/buf lint

lint: $(STAMP) lint-protos
	$(BIN)/ruff check service storage tests
	$(BIN)/ruff format --check service storage tests

format: $(STAMP)
	$(BIN)/ruff format service storage tests
	$(BIN)/ruff check --fix service storage tests

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) build *.egg-info
