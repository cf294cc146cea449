# Every target bootstraps the virtual environment it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO := .demo
DEMO_ENV := PATHWAYS_DB=$(DEMO)/pathways.sqlite3 PATHWAYS_KEY_FILE=$(DEMO)/master.key
YOUTH ?= 300
# A fixed end date: the same cohort, the same figures, on any machine and any day (README).
DEMO_END ?= 2026-11-30

.PHONY: demo verify test bench lint docs i18n clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

## demo: a fresh synthetic cohort in .demo/ (SQLite), then what is in it
demo: $(STAMP)
	rm -rf $(DEMO)
	$(DEMO_ENV) $(VENV)/bin/pathways init
	$(DEMO_ENV) $(VENV)/bin/pathways demo --youth $(YOUTH) --end $(DEMO_END)
	@echo
	@echo "Who needs attention on $(DEMO_END) at the Mission Locale of Saint-Malo (as its counsellor c-sm-01):"
	@$(DEMO_ENV) PATHWAYS_ACTOR=c-sm-01 $(VENV)/bin/pathways alerts --as-of $(DEMO_END)
	@echo
	@echo "To explore it:  export $(DEMO_ENV)  (then: .venv/bin/pathways --help)"

## verify: the tamper evidence of the demo store (docs/tamper-evidence.md); exit 1 if changed
verify: $(STAMP)
	$(DEMO_ENV) $(VENV)/bin/pathways verify

## test: the whole test suite (PostgreSQL tests use $$PATHWAYS_TEST_POSTGRES)
test: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider

## bench: the performance figures, whole commands as a user runs them (no timed assertions)
##        make bench BENCH="--quick"  or  BENCH="import record views"
BENCH ?=
bench: $(STAMP)
	$(PY) benchmarks/run.py $(BENCH)

## lint: ruff and mypy --strict
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy

## docs: regenerate docs/events.md and docs/cli.md from the code
docs: $(STAMP)
	$(PY) -m pathways.docs

## i18n: re-extract the messages (babel.cfg), update the French catalogue, compile it
LOCALE := src/pathways/locale
i18n: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k NP_:1c,2 --project pathways \
	  --no-wrap --sort-by-file -o $(LOCALE)/pathways.pot src
	test -f $(LOCALE)/fr/LC_MESSAGES/pathways.po || \
	  $(VENV)/bin/pybabel init -D pathways -i $(LOCALE)/pathways.pot -d $(LOCALE) -l fr --no-wrap
	$(VENV)/bin/pybabel update -D pathways -i $(LOCALE)/pathways.pot -d $(LOCALE) -l fr \
	  --no-wrap --ignore-obsolete
	# compiled without pybabel compile's %-format check: our messages use str.format,
	# and it takes "95 % CI" for a %-format (tests/unit/test_catalogue_fr.py checks the
	# placeholders of every translation)
	$(PY) -c "from babel.messages.pofile import read_po; from babel.messages.mofile import write_mo; \
	  write_mo(open('$(LOCALE)/fr/LC_MESSAGES/pathways.mo', 'wb'), \
	  read_po(open('$(LOCALE)/fr/LC_MESSAGES/pathways.po', 'rb')))"

clean:
	rm -rf $(VENV) $(DEMO) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
