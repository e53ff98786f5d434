#!/usr/bin/env bash
# Install (once) and start Foorumibotti on its embedded default: SQLite under data/,
# local mode (no Azure credentials) on 127.0.0.1:3978. Settings: see README.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
exec .venv/bin/python app.py
