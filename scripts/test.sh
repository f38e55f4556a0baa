#!/usr/bin/env bash
# The whole test suite: lint, then pytest on a fresh SQLite file and, at the same time,
# on a fresh PostgreSQL database at 127.0.0.1:5432 (user postgres, trust auth).
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

PG_HOST=${PG_HOST:-127.0.0.1}
if ! pg_isready -q -h "$PG_HOST" -p 5432 2>/dev/null; then
  # Start the local cluster when it is down (CI machines start it, but it may have stopped).
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start 2>/dev/null || true
  for _ in $(seq 1 30); do pg_isready -q -h "$PG_HOST" -p 5432 && break; sleep 1; done
fi
DB="purifier_test_$$"
psql -h "$PG_HOST" -U postgres -q -c "CREATE DATABASE $DB" postgres

# The two runs go side by side: each spends much of its time waiting (on fsync, on the
# browser, on servers it started), so together they take little longer than the slower
# one alone. The SQLite run writes to a log, printed when both are done.
SQLITE_LOG=$(mktemp)
sqlite=""
cleanup() {
  [ -n "$sqlite" ] && kill "$sqlite" 2>/dev/null || true
  psql -h "$PG_HOST" -U postgres -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres || true
  rm -f "$SQLITE_LOG"
}
trap cleanup EXIT

env -u TEST_DATABASE_URL $BIN/python -m pytest -p no:cacheprovider "$@" >"$SQLITE_LOG" 2>&1 &
sqlite=$!

echo "== pytest on PostgreSQL ($DB) =="
pg_status=0
TEST_DATABASE_URL="postgresql+psycopg://postgres@$PG_HOST:5432/$DB" \
  $BIN/python -m pytest -p no:cacheprovider "$@" || pg_status=$?

sqlite_status=0
wait "$sqlite" || sqlite_status=$?
sqlite=""
echo "== pytest on SQLite =="
cat "$SQLITE_LOG"
echo "== SQLite: exit $sqlite_status; PostgreSQL: exit $pg_status =="
[ "$sqlite_status" = 0 ] && [ "$pg_status" = 0 ]
