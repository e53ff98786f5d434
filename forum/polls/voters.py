"""Who answered an anonymous poll, as the bot can know it while the poll is open.

Why a keyed hash: one answer per person and editing need the response found again, without
storing who gave it. ``HMAC(poll's own key, person id)`` finds it; closing the poll deletes the
key and the hashes, after which no one, the bot included, can tell whose an answer was.
"""

from __future__ import annotations

import hashlib
import hmac


def voter_hash(key: str, person_id: int) -> str:
    return hmac.new(bytes.fromhex(key), str(person_id).encode("ascii"), hashlib.sha256).hexdigest()
