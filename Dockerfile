# Foorumibotti's image: slim Python 3.11, the locked runtime dependencies, a non-root user.
# Build: docker build -t foorumibotti .   Run with PostgreSQL: docker compose up -d (compose.yaml)
# Linted in CI with the pinned hadolint of requirements-dev.txt (scripts/test.sh).

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# The lock (made from requirements.in by scripts/lock.sh) pins every package, transitive ones
# too, with hashes: pip checks each one and resolves nothing. Every dependency ships a
# manylinux wheel, so no compiler is needed.
RUN /opt/venv/bin/pip install --no-cache-dir --require-hashes --no-deps -r /tmp/requirements.txt \
    && /opt/venv/bin/pip check

FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=3978
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin foorumi
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# The code belongs to root and is read-only for the bot; only data/ (SQLite, if used) is its own.
COPY . /app
RUN mkdir -p /app/data && chown foorumi:foorumi /app/data
USER 10001:10001
EXPOSE 3978
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["python", "scripts/healthcheck.py"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/scripts/entrypoint.sh"]
CMD ["python", "app.py"]
