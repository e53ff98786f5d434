"""The container's HEALTHCHECK: exit 0 when ``/healthz`` answers 200 on this machine.

Why a script and not curl: the slim Python image has no curl, and this reads the same
``PORT`` the bot listens on.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 4


def main() -> int:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '3978')}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
