#!/usr/bin/env bash
# The whole test suite: lint, then pytest on a fresh SQLite file, then on a fresh
# PostgreSQL database at 127.0.0.1:5432 (user postgres, trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

# Browser tests drive Debian's Chromium (never a downloaded browser build); their
# screenshots (tests/artifacts/) need a CJK font to show Chinese.
NEED=""
[ -x /usr/bin/chromium ] || NEED="$NEED chromium"
fc-list 2>/dev/null | grep -qi "noto.*cjk" || NEED="$NEED fonts-noto-cjk"
if [ -n "$NEED" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $NEED >/dev/null
  else
    echo "warning: missing$NEED (apt-get install$NEED); browser tests skip" >&2
  fi
fi

$BIN/ruff check .
$BIN/ruff format --check .

echo "== pytest on SQLite =="
env -u TEST_DATABASE_URL $BIN/python -m pytest "$@"

PG_HOST=${PG_HOST:-127.0.0.1}
if ! pg_isready -q -h "$PG_HOST" -p 5432 2>/dev/null; then
  # Start the local cluster when it is down (CI machines start it, but it may have stopped).
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start 2>/dev/null || true
  for _ in $(seq 1 30); do pg_isready -q -h "$PG_HOST" -p 5432 && break; sleep 1; done
fi
DB="purifier_test_$$"
psql -h "$PG_HOST" -U postgres -q -c "CREATE DATABASE $DB" postgres
trap 'psql -h "$PG_HOST" -U postgres -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres' EXIT
echo "== pytest on PostgreSQL ($DB) =="
TEST_DATABASE_URL="postgresql+psycopg://postgres@$PG_HOST:5432/$DB" $BIN/python -m pytest "$@"
