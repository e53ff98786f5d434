#!/usr/bin/env bash
# Regenerate the locks from the human-edited lists: requirements.in -> requirements.txt (the
# runtime), requirements-dev.in -> requirements-dev.txt (the tools, constrained by the runtime
# lock so shared packages agree). Every transitive package is pinned with its hashes, for
# Python 3.11 on any platform. Pass --upgrade (or --upgrade-package NAME) to move pins.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
if [ -x .venv-test/bin/uv ] && [ "$(.venv-test/bin/uv --version | cut -d' ' -f2)" = "$UV_VERSION" ]; then
  uv=.venv-test/bin/uv
elif command -v uv >/dev/null && [ "$(uv --version | cut -d' ' -f2)" = "$UV_VERSION" ]; then
  uv=uv
else
  echo "scripts/lock.sh needs uv $UV_VERSION: run ./scripts/test.sh once (it installs it into .venv-test)," \
    "or: python3.11 -m pip install uv==$UV_VERSION" >&2
  exit 1
fi
compile() {
  "$uv" pip compile --quiet --generate-hashes --python-version 3.11 --universal \
    --no-header --annotation-style line "$@"
}
compile "$@" requirements.in -o requirements.txt
compile "$@" requirements-dev.in -o requirements-dev.txt
echo "locks written: requirements.txt, requirements-dev.txt" >&2
