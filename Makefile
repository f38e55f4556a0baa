# The two commands README promises: `make run` and `make test`.
# Both install whatever is missing first, so a fresh clone needs nothing else.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo-data --if-empty
	@echo "Open http://$${HOST:-127.0.0.1}:$${PORT:-5000}/  (API docs: /api/docs)"
	$(BIN)/gunicorn --workers 2 --threads 4 --bind $${HOST:-127.0.0.1}:$${PORT:-5000} wsgi:app

test: $(STAMP)
	bash scripts/test.sh
