"""The dependency locks and the venv helper (issue 6).

``requirements.in`` / ``requirements-dev.in`` are the human-edited lists; ``requirements.txt`` /
``requirements-dev.txt`` the hashed locks of the whole tree made from them by ``scripts/lock.sh``.
These tests keep the two in step, keep every package the running bot imports in the *runtime*
lock (never borrowed from the dev tools), and check what ``scripts/venv.sh`` promises: Python 3.11
or one clear line, and no pip at all when the lock did not change.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_CODE = [
    ROOT / "app.py",
    ROOT / "manage.py",
    *(ROOT / d for d in ("bot", "forum", "cards", "storage", "dialogs")),
]
LOCAL_PACKAGES = {"app", "manage", "bot", "forum", "cards", "storage", "dialogs", "tests"}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, set[str]]:
    """name -> versions pinned (a universal lock may pin one per Python-version marker)."""
    pins: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        match = _PIN.match(line)
        if match:
            pins.setdefault(_canonical(match[1]), set()).add(match[2])
    return pins


def _entries(path: Path) -> list[str]:
    """Each requirement of a lock with its continuation lines joined."""
    text = path.read_text().replace("\\\n", " ")
    return [line for line in text.splitlines() if line and not line.startswith(("#", " "))]


def test_every_top_level_requirement_is_locked_at_its_pin() -> None:
    for listed, lock in (("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")):
        wanted = _pins(ROOT / listed)
        if listed == "requirements-dev.in":
            wanted.update(_pins(ROOT / "requirements.in"))  # it includes the runtime list (-r)
        locked = _pins(ROOT / lock)
        for name, versions in wanted.items():
            assert locked.get(name) == versions, f"{lock}: {name} is {locked.get(name)}, {listed} says {versions}"


def test_the_locks_pin_every_package_with_hashes() -> None:
    for lock in ("requirements.txt", "requirements-dev.txt"):
        entries = _entries(ROOT / lock)
        assert len(entries) > 40, lock
        for entry in entries:
            assert _PIN.match(entry), f"{lock}: not an exact pin: {entry[:80]}"
            assert "--hash=sha256:" in entry, f"{lock}: no hash: {entry[:80]}"


def test_sqlalchemy_asyncio_support_is_a_runtime_package() -> None:
    """The crash of issue 6: SQLAlchemy 2.1 installs greenlet only with its asyncio extra."""
    assert "sqlalchemy[asyncio]" in (ROOT / "requirements.in").read_text().lower()
    assert "greenlet" in _pins(ROOT / "requirements.txt")


def test_the_dev_lock_agrees_with_the_runtime_lock() -> None:
    runtime, dev = _pins(ROOT / "requirements.txt"), _pins(ROOT / "requirements-dev.txt")
    assert set(runtime) <= set(dev), f"the test venv lacks runtime packages: {set(runtime) - set(dev)}"
    differing = {name: (runtime[name], dev[name]) for name in runtime if runtime[name] != dev[name]}
    assert not differing, f"shared packages pinned differently (compile the dev lock with -c): {differing}"


def _third_party_imports() -> set[str]:
    names: set[str] = set()
    files = [p for root in RUNTIME_CODE for p in ([root] if root.is_file() else root.rglob("*.py"))]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name not in LOCAL_PACKAGES}


def test_every_package_the_running_bot_imports_is_in_the_runtime_lock() -> None:
    """A runtime import served only by the dev tools (as Playwright served greenlet) fails here."""
    distributions = importlib.metadata.packages_distributions()
    runtime = set(_pins(ROOT / "requirements.txt"))
    imports = _third_party_imports()
    assert {"aiohttp", "sqlalchemy", "botbuilder", "alembic"} <= imports, "the scan found the bot's imports"
    missing = {}
    for name in sorted(imports):
        providers = {_canonical(d) for d in distributions.get(name, [])}
        assert providers, f"{name} is imported by the bot but installed by no distribution"
        if not providers & runtime:
            missing[name] = providers
    assert not missing, f"imported by the running bot but not in requirements.txt: {missing}"


def _ensure_venv(directory: Path, lock: Path, python: str) -> subprocess.CompletedProcess[str]:
    script = f'. scripts/venv.sh && ensure_venv "{directory}" "{lock}"'
    env = {**os.environ, "PYTHON": python}
    return subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_no_python_3_11_is_one_clear_line_and_no_fallback(tmp_path: Path) -> None:
    missing = _ensure_venv(tmp_path / "venv", ROOT / "requirements.txt", str(tmp_path / "python3.11"))
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"Foorumibotti needs Python 3.11 ({tmp_path / 'python3.11'} not found): "
        "install it, or set PYTHON to a Python 3.11"
    ]
    other = tmp_path / "python3"
    other.write_text('#!/bin/sh\n[ "$1" = -V ] && echo "Python 3.13.5" && exit 0\nexit 1\n')
    other.chmod(0o755)
    wrong = _ensure_venv(tmp_path / "venv", ROOT / "requirements.txt", str(other))
    assert wrong.returncode == 1
    assert wrong.stderr.strip().splitlines() == [f"Foorumibotti needs Python 3.11, and {other} is Python 3.13.5"]
    assert not (tmp_path / "venv").exists()


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the helper insists on Python 3.11")
def test_the_venv_is_installed_once_per_change_of_the_lock(tmp_path: Path) -> None:
    lock, venv = tmp_path / "lock.txt", tmp_path / "venv"
    lock.write_text("# an empty lock: the venv's own pip is all it needs\n")
    first = _ensure_venv(venv, lock, sys.executable)
    assert first.returncode == 0, first.stderr
    assert "installing" in first.stderr
    assert (venv / ".lock-sha256").is_file()
    (venv / "marker").touch()
    again = _ensure_venv(venv, lock, sys.executable)
    assert (again.returncode, again.stderr) == (0, ""), "an unchanged lock spends no time in pip"
    assert (venv / "marker").exists()
    lock.write_text("# changed\n")
    changed = _ensure_venv(venv, lock, sys.executable)
    assert changed.returncode == 0 and "installing" in changed.stderr
    assert not (venv / "marker").exists(), "a changed lock builds the venv anew"
