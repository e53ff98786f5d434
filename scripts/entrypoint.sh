#!/bin/sh
# The container's entrypoint: bring the database to the newest schema, then become the server.
#
# Why migrate here and not only in app.py (which migrates at start too): a failing migration
# stops the container before it listens, with the reason as the last line of its log, and
# replicas starting together take turns under PostgreSQL's advisory lock (storage/migrate.py).
# `exec` makes the server the process that gets SIGTERM from `docker stop`; it stops taking
# requests, finishes those in flight, stops the scheduler and exits 0.
set -eu
cd "$(dirname "$0")/.."
python manage.py migrate
if [ "$#" -eq 0 ]; then
  set -- python app.py
fi
exec "$@"
