"""Counting turns that reach ``on_turn_error``: each one is a defect (bad input must get a
clear answer instead), so the edge, fuzz and permission tests assert there are none.

Read from the adapter's own log record (``turn failed: …`` with the exception), so it counts
whatever the order the fixtures start in.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

import pytest


class FailedTurns(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("turn failed") or "failed outside the turn" in record.getMessage():
            error = record.exc_info[1] if record.exc_info else None
            where = ""
            if error is not None and error.__traceback__ is not None:
                frames = traceback.extract_tb(error.__traceback__)
                ours = [f for f in frames if "/site-packages/" not in f.filename] or frames
                where = f" at {ours[-1].filename.rsplit('/', 2)[-1]}:{ours[-1].lineno} ({ours[-1].name})"
            self.errors.append(f"{type(error).__name__}: {str(error)[:300]}{where}")

    def __len__(self) -> int:
        return len(self.errors)


@pytest.fixture
def failed_turns() -> Iterator[FailedTurns]:
    handler = FailedTurns()
    watched = [logging.getLogger("bot.adapter"), logging.getLogger("bot.messages_endpoint")]
    for logger in watched:
        logger.addHandler(handler)
    yield handler
    for logger in watched:
        logger.removeHandler(handler)
