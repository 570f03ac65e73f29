# Antrian: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: test test-slow lint typecheck unit bench demo mosquitto chromium docs clean chaos

# Every package is linted, formatted and type-checked with the one rule set in pyproject.toml.
PACKAGES := protocol central antrian edge web hall reports sim provision bench tests

# The venv is rebuilt whenever the pins or the project metadata change.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev,reports]'
	touch $@

venv: $(STAMP)

mosquitto:
	@sh scripts/ensure-mosquitto.sh

chromium:
	@sh scripts/ensure-chromium.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check $(PACKAGES)

typecheck: $(STAMP)
	$(BIN)/mypy $(PACKAGES)

# The fast tier; the `slow` tier (crash, chaos, audio capture) runs with `make test-slow`.
unit: $(STAMP) mosquitto chromium
	$(BIN)/pytest -m "not slow"

test: lint typecheck unit

test-slow: $(STAMP) mosquitto chromium
	$(BIN)/pytest -m slow

bench: $(STAMP) mosquitto chromium
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
