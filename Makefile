# Antrian: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: test lint typecheck unit bench demo mosquitto docs clean chaos

# The venv is rebuilt whenever the pins or the project metadata change.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev,reports]'
	touch $@

venv: $(STAMP)

mosquitto:
	@sh scripts/ensure-mosquitto.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check protocol central antrian hall

typecheck: $(STAMP)
	$(BIN)/mypy protocol central antrian edge hall reports sim provision bench tests

unit: $(STAMP) mosquitto
	$(BIN)/pytest

test: lint typecheck unit

bench: $(STAMP) mosquitto
	$(BIN)/python -m bench

docs: $(STAMP)
	$(BIN)/python -m protocol.docs --write docs/protocol.md

demo: $(STAMP) mosquitto
	$(BIN)/antrian demo

SEEDS ?= 20
chaos: $(STAMP) mosquitto
	$(BIN)/antrian chaos --seeds $(SEEDS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
