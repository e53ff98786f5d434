#!/usr/bin/env bash
# Install (once) and start Foorumibotti on its embedded default: SQLite under data/,
# local mode (no Azure credentials) on 127.0.0.1:3978. Settings: see README.
# .venv holds the runtime lock (requirements.txt) and nothing else; the tests use .venv-test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv .venv requirements.txt
exec .venv/bin/python app.py
