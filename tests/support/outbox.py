"""Helpers for outbox and job tests: a virtual clock, seeded forums and people, a worker.

Why a virtual clock: retries wait seconds to minutes and pacing waits
fractions of a second; the tests move time instead of sleeping, so they stay
fast and never depend on how quick the machine is.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botbuilder.core import ConversationState, MemoryStorage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapter import ForumAdapter
from bot.delivery.limiter import TeamsCalls, TeamsCallsMiddleware
from bot.delivery.proactive import ProactiveSender
from bot.delivery.worker import OutboxWorker, Sender, WorkerConfig
from bot.settings import Settings
from forum.delivery.outbox_delivery import OutboxDelivery
from forum.delivery.rate_limit import TeamsLimits
from storage.models import ForumRow, OutboxMessageRow, PersonRow
from tests.support.activities import BOT, TEAM_ID, TENANT_ID
from tests.support.fake_connector import FakeConnector

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
"""A Wednesday, 12:00 in Helsinki: inside working hours."""


@dataclass
class VirtualClock:
    now: datetime = START
    monotonic_seconds: float = 0.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.monotonic_seconds

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.monotonic_seconds += seconds


def channel_reference(service_url: str, conversation_id: str = TEAM_ID) -> dict[str, Any]:
    return {
        "bot": dict(BOT),
        "conversation": {"id": conversation_id, "isGroup": True, "conversationType": "channel", "tenantId": TENANT_ID},
        "channelId": "msteams",
        "serviceUrl": service_url,
    }


def personal_reference(service_url: str, user_id: str, conversation_id: str) -> dict[str, Any]:
    return {
        "activityId": "activity-from-the-user",
        "user": {"id": user_id},
        "bot": dict(BOT),
        "conversation": {"id": conversation_id, "conversationType": "personal", "tenantId": TENANT_ID},
        "channelId": "msteams",
        "serviceUrl": service_url,
    }


async def seed_forum(sessions: async_sessionmaker[AsyncSession], service_url: str, team_id: str = TEAM_ID) -> int:
    async with sessions() as session, session.begin():
        forum = ForumRow(
            team_id=team_id,
            tenant_id=TENANT_ID,
            name="Foorumi",
            service_url=service_url,
            channel_reference=channel_reference(service_url, team_id),
        )
        session.add(forum)
        await session.flush()
        return forum.id


async def seed_person(
    sessions: async_sessionmaker[AsyncSession],
    key: str,
    *,
    service_url: str | None = None,
    with_chat: bool = True,
) -> int:
    """A person; ``with_chat`` gives them a 1:1 reference (conversation ``a:chat-<key>``)."""
    async with sessions() as session, session.begin():
        person = PersonRow(teams_user_id=f"29:{key}", name=key.title(), tenant_id=TENANT_ID)
        if with_chat and service_url:
            person.personal_reference = personal_reference(service_url, f"29:{key}", f"a:chat-{key}")
        session.add(person)
        await session.flush()
        return person.id


async def row(sessions: async_sessionmaker[AsyncSession], key: str) -> OutboxMessageRow:
    async with sessions() as session:
        found = await session.scalar(select(OutboxMessageRow).where(OutboxMessageRow.idempotency_key == key))
        assert found is not None, key
        return found


async def person_row(sessions: async_sessionmaker[AsyncSession], person_id: int) -> PersonRow:
    async with sessions() as session:
        found = await session.get(PersonRow, person_id)
        assert found is not None
        return found


def make_worker(
    sessions: async_sessionmaker[AsyncSession],
    clock: VirtualClock,
    *,
    config: WorkerConfig | None = None,
    delivery: OutboxDelivery | None = None,
    wrap_sender: Callable[[Sender], Sender] | None = None,
) -> OutboxWorker:
    adapter = ForumAdapter(Settings(), ConversationState(MemoryStorage()))
    calls = TeamsCalls(TeamsLimits(clock.monotonic), sleep=clock.sleep)
    adapter.use(TeamsCallsMiddleware(calls))
    sender: Sender = ProactiveSender(adapter, "", calls)
    return OutboxWorker(
        delivery or OutboxDelivery(sessions),
        wrap_sender(sender) if wrap_sender is not None else sender,
        calls=calls,
        config=config or WorkerConfig(record_retry_seconds=0.01),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(7),
    )


async def drain_until_settled(
    worker: OutboxWorker, sessions: async_sessionmaker[AsyncSession], clock: VirtualClock, rounds: int = 30
) -> list[float]:
    """Drain, jump the clock to the next retry, repeat until nothing waits; returns the waits."""
    waits: list[float] = []
    for _ in range(rounds):
        await worker.drain()
        async with sessions() as session:
            upcoming = await session.scalar(
                select(OutboxMessageRow.next_attempt_at)
                .where(OutboxMessageRow.status == "pending")
                .order_by(OutboxMessageRow.next_attempt_at)
                .limit(1)
            )
        if upcoming is None:
            return waits
        wait = max(0.0, (upcoming - clock.now).total_seconds())
        waits.append(wait)
        clock.advance(wait)
    raise AssertionError("the outbox never settled")


def delivered(connector: FakeConnector, injected_faults: int = 0) -> int:
    """Posts that reached the fake Teams: all POSTs minus those it answered with a fault."""
    return len(connector.sent) - injected_faults
