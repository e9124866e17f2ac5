# Etalase: `make run` serves a demo platform, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PLATFORM_HOST ?= localhost:$(PORT)
export PLATFORM_HOST
export FLASK_APP := saas
PO := $(wildcard saas/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test setup install translations migrate seed extract-messages clean

run: setup
	@echo ""
	@echo "  Etalase is running:"
	@echo "    landing page     http://$(PLATFORM_HOST)"
	@echo "    demo storefront  http://demo.$(PLATFORM_HOST)"
	@echo "    demo merchant    demo@etalase.test / etalase-demo  (development only)"
	@echo ""
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: setup
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

setup: install translations migrate seed

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

translations: install $(MO)

%.mo: %.po
	$(BIN)/pybabel compile -f -i $< -o $@

migrate: install
	$(BIN)/flask db upgrade

seed: install
	$(BIN)/flask seed-demo

# Refresh the catalogs from the code; it lists the Indonesian messages still to translate.
extract-messages: install
	$(BIN)/python tools/sync_catalogs.py

clean:
	rm -rf $(VENV) instance/etalase.db instance/outbox instance/media
