"""Counting the SQL statements and transactions one turn issues.

Why per task: the outbox worker a turn kicks runs in tasks of its own at the
same moment; only what the turn itself runs (in the request's task) is its
cost. An SQLAlchemy engine event sees every statement; a context variable
set around ``bot.on_turn`` says which task is being counted.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botbuilder.core import TurnContext
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class TurnCost:
    statements: list[str] = field(default_factory=list)
    """SELECT / INSERT / UPDATE / DELETE, in order (transaction control left out)."""
    transactions: int = 0
    write_locks: int = 0
    """Transactions that took SQLite's write lock (``BEGIN IMMEDIATE``); 0 on PostgreSQL."""
    under_write_lock: list[str] = field(default_factory=list)
    """The statements run while SQLite's write lock was held (every other writer waits for them)."""
    _locked: bool = False

    @property
    def writes(self) -> int:
        """INSERT, UPDATE and DELETE statements."""
        return sum(1 for s in self.statements if s.split()[0].upper() in ("INSERT", "UPDATE", "DELETE"))

    @property
    def count(self) -> int:
        return len(self.statements)

    def describe(self) -> str:
        return "\n".join(f"  {s.split()[0]} {s[:160]!r}" for s in self.statements)


@dataclass
class _Watch:
    task: asyncio.Task[Any] | None
    cost: TurnCost


_WATCH: contextvars.ContextVar[_Watch | None] = contextvars.ContextVar("turn_cost", default=None)


def _current() -> TurnCost | None:
    watch = _WATCH.get()
    if watch is None or watch.task is not asyncio.current_task():
        return None
    return watch.cost


def _on_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    cost = _current()
    if cost is None:
        return
    head = statement.lstrip().upper()
    if head.startswith("BEGIN IMMEDIATE"):
        cost.write_locks += 1
        cost._locked = True
    if not head.startswith(_CONTROL):
        cost.statements.append(statement.strip())
        if cost._locked:
            cost.under_write_lock.append(statement.strip())


def _on_end(_connection: Any) -> None:
    cost = _current()
    if cost is not None:
        cost._locked = False


def _on_begin(_connection: Any) -> None:
    cost = _current()
    if cost is not None:
        cost.transactions += 1


class TurnCounter:
    """Wraps the bot's ``on_turn`` so each turn's statements are collected into ``last``."""

    def __init__(self, engine: AsyncEngine, bot: Any) -> None:
        self.costs: list[TurnCost] = []
        event.listen(engine.sync_engine, "before_cursor_execute", _on_statement)
        event.listen(engine.sync_engine, "begin", _on_begin)
        event.listen(engine.sync_engine, "commit", _on_end)
        event.listen(engine.sync_engine, "rollback", _on_end)
        self._engine = engine
        original: Callable[[TurnContext], Awaitable[None]] = bot.on_turn

        async def counted(turn_context: TurnContext) -> None:
            cost = TurnCost()
            self.costs.append(cost)
            token = _WATCH.set(_Watch(asyncio.current_task(), cost))
            try:
                await original(turn_context)
            finally:
                _WATCH.reset(token)

        bot.on_turn = counted

    @property
    def last(self) -> TurnCost:
        return self.costs[-1]

    def close(self) -> None:
        event.remove(self._engine.sync_engine, "before_cursor_execute", _on_statement)
        event.remove(self._engine.sync_engine, "begin", _on_begin)
        event.remove(self._engine.sync_engine, "commit", _on_end)
        event.remove(self._engine.sync_engine, "rollback", _on_end)


@contextmanager
def counting_turns(app: Any) -> Iterator[TurnCounter]:
    from bot.components import BOT, DATABASE

    counter = TurnCounter(app[DATABASE].engine, app[BOT].bot)
    try:
        yield counter
    finally:
        counter.close()


@contextmanager
def counted_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement ``engine`` runs inside the block (BEGIN included on SQLite), in order,
    whatever task runs it (``counting_turns`` keeps to the turn's own task)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
