# The two commands README promises: `make run` and `make test`.
# Both install whatever is missing first, so a fresh clone needs nothing else.
# The venv's interpreter: the distribution's CPython when it is 3.11+ with venv (Debian
# builds it with PGO and LTO; pyenv's default build has neither, and the push costs ~25 %
# more CPU on it: docs/performance.md), else the first python3 on PATH.
PY ?= $(shell /usr/bin/python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

PWA_STAMP := pwa/node_modules/.installed
PWA_SOURCES := $(shell find pwa/src pwa/static pwa/scripts -type f 2>/dev/null)

.PHONY: run test install pwa

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The technician's app: npm ci from the committed lock file, then esbuild (pwa/build/).
$(PWA_STAMP): pwa/package.json pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund --loglevel=error
	touch $(PWA_STAMP)

pwa/build/index.html: $(PWA_STAMP) $(PWA_SOURCES)
	cd pwa && node scripts/build.mjs

pwa: pwa/build/index.html

run: $(STAMP) pwa
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo-data --if-empty
	@echo "Open http://$${HOST:-127.0.0.1}:$${PORT:-5000}/  (API docs: /api/docs)"
	@# 3 processes x 2 threads, as bench/peer_bench.py runs it: the push is CPU-bound Python
	@# (the GIL), and 2x4 measured behind 3x2 and 4x2 on 2 cores (docs/performance.md).
	@# The background worker (webhooks, photos) beside gunicorn; Ctrl-C stops both. Webhooks
	@# may go to this machine or the LAN here (WEBHOOK_ALLOW_PRIVATE=0 make run to refuse).
	export WEBHOOK_ALLOW_PRIVATE=$${WEBHOOK_ALLOW_PRIVATE:-1}; \
	$(BIN)/flask --app wsgi worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/gunicorn --workers 3 --threads 2 --bind $${HOST:-127.0.0.1}:$${PORT:-5000} wsgi:app

test: $(STAMP) pwa
	bash scripts/test.sh
