#!/usr/bin/env bash
# CI's proof of the README's run command: a fresh clone, ./scripts/run.sh, /readyz, one `help`
# through /api/messages to a fake Bot Connector, SIGTERM -> exit 0. See scripts/check_run.py.
set -euo pipefail
cd "$(dirname "$0")/.."
python=python3.11
command -v "$python" >/dev/null || python=python3   # the harness is stdlib only; run.sh insists on 3.11
exec "$python" scripts/check_run.py "$@"
