# shellcheck shell=bash
# Shared by run.sh and test.sh (sourced): make or refresh a venv from one lock.
#
#   ensure_venv DIR LOCK
#
# Python 3.11 only: without python3.11 it says so in one line and exits, never falling back to
# another python3 (Debian 13 ships 3.13, which the locks were not made for). The venv is
# installed from the lock alone (--require-hashes --no-deps: every package pinned and checked,
# nothing resolved at install time), then `pip check`ed. The lock's sha256 is stamped into the
# venv, so a start with an unchanged lock spends no time in pip; a changed lock reinstalls, and
# pip-sync's job (removing what the lock dropped) is done by building the venv anew.
ensure_venv() {
  local dir=$1 lock=$2 python want have
  python=${PYTHON:-python3.11}
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "Foorumibotti needs Python 3.11 ($python not found): install it, or set PYTHON to a Python 3.11" >&2
    exit 1
  fi
  if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "Foorumibotti needs Python 3.11, and $python is $("$python" -V 2>&1)" >&2
    exit 1
  fi
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  have=$(cat "$dir/.lock-sha256" 2>/dev/null || true)
  if [ "$want" = "$have" ] && [ -x "$dir/bin/python" ]; then
    return 0
  fi
  echo "installing $lock into $dir (once per change of the lock)" >&2
  rm -rf "$dir"
  "$python" -m venv "$dir"
  "$dir/bin/python" -m pip install -q --disable-pip-version-check --no-input \
    --require-hashes --no-deps -r "$lock"
  "$dir/bin/python" -m pip check --disable-pip-version-check >/dev/null
  echo "$want" >"$dir/.lock-sha256"
}
