#!/usr/bin/env bash
# Install the test tools (once) and run every check: ruff, mypy, and pytest on SQLite
# and PostgreSQL, the Agents Playground e2e suite included. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# The tools live in .venv-test (the dev lock), never in the run venv .venv, so neither can hide
# a package the other lacks (issue 6: Playwright's greenlet hid SQLAlchemy's missing one).
. scripts/venv.sh
ensure_venv .venv-test requirements-dev.txt
# The e2e suite drives Debian's Chromium (never a downloaded browser); install it where we may.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
    || echo "chromium could not be installed: the e2e suite will skip (fail in CI)" >&2
fi
# The reverse-proxy example (deploy/nginx/) is checked with `nginx -t`; install nginx where we may.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light) >/dev/null \
    || echo "nginx could not be installed: the nginx check will skip (fail in CI)" >&2
fi
.venv-test/bin/ruff format --check .
.venv-test/bin/ruff check .
.venv-test/bin/mypy
exec .venv-test/bin/python -m pytest -q -p no:cacheprovider "$@"
