# Etalase: `make run` serves a demo platform, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := saas
PO := $(wildcard saas/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test setup install translations migrate seed extract-messages clean

run: setup
	@echo ""
	@echo "  Etalase is running:"
	@echo "    landing page     http://localhost:$(PORT)"
	@echo "    demo storefront  http://demo.localhost:$(PORT)"
	@echo "    demo merchant    demo@etalase.test / etalase-demo  (development only)"
	@echo ""
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

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

# Refresh messages.pot and merge it into every catalog; fill in the new msgstr entries by hand.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o saas/translations/messages.pot .
	$(BIN)/pybabel update -i saas/translations/messages.pot -d saas/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance/etalase.db instance/outbox instance/media
