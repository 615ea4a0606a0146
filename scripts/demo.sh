#!/usr/bin/env bash
# Set up, analyse the demo calls in audio_samples/, load the demo CRM and start the service and
# dashboard on the embedded defaults (SQLite in ./data). The README's first command.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# setuptools reports every editable install with an information block (a UserWarning) that
# tells a new user nothing: the install stays quiet unless something is wrong.
PYTHONWARNINGS=ignore::UserWarning "$VENV/bin/python" -m pip install -q -e .
exec "$VENV/bin/qa-engine" demo "$@"
