# Two commands on a fresh machine: `make run` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROTO_DIR := protos
PROTO_OUT := protos/assistants/v1

.PHONY: run test bench protos lint lint-protos format typecheck check clean migrate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/assistants serve

migrate: $(STAMP)
	$(BIN)/assistants migrate

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m tests.bench
	$(BIN)/python -m tests.bench.runs
	$(BIN)/python -m tests.bench.events
	$(BIN)/python -m tests.bench.http
	$(BIN)/python -m tests.bench.retrieval

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
