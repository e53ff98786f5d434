"""``/metrics`` scraped over HTTP after real traffic through ``/api/messages``.

Counts only (never times): the activities that were posted, the sends and the 429 the fake
connector answered, the rows left waiting, a job overdue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.core import TurnContext
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update

from app import create_app
from bot.commands import CommandSpec
from bot.components import BOT, DATABASE
from bot.delivery.context import DELIVERY
from bot.observability.context import METRICS_LISTENER
from bot.turn import TurnInfo
from cards.help import CommandHelp
from forum.delivery.jobs import upsert_job
from forum.delivery.outbox import ChannelTarget, enqueue_message
from storage.models import ForumRow, OutboxMessageRow
from storage.types import utcnow
from tests.support.activities import KAISA, MATTI, TEAM_ID, personal_message
from tests.support.driver import Driver
from tests.support.fake_connector import FakeConnector

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
async def metered(settings_factory: Any, connector: FakeConnector) -> AsyncIterator[Driver]:
    app = create_app(settings_factory(metrics_port=0))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Driver(client, connector)


async def _scrape(driver: Driver) -> Samples:
    listener = driver.client.server.app[METRICS_LISTENER]
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://{listener.host}:{listener.port}/metrics") as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def _enqueue(app: Any, key: str) -> int:
    async with app[DATABASE].sessions() as session, session.begin():
        forum = await session.scalar(select(ForumRow).where(ForumRow.team_id == TEAM_ID))
        assert forum is not None
        await enqueue_message(
            session,
            key=key,
            purpose="meeting_reminder",
            forum_id=forum.id,
            target=ChannelTarget(forum.id),
            activity={"type": "message", "text": key},
        )
        return forum.id


def _add_failing_command(app: Any) -> None:
    async def explode(_ctx: TurnContext, _turn: TurnInfo, _arg: str) -> None:
        raise RuntimeError("boom")

    bot = app[BOT].bot
    bot.add_commands([CommandSpec("explode", ("explode",), CommandHelp("command.help.usage", "command.help.summary"))])
    bot.register_command("explode", explode)


async def test_metrics_show_what_the_traffic_caused(metered: Driver) -> None:
    driver = metered
    app = driver.client.server.app
    _add_failing_command(app)
    before = await _scrape(driver)
    assert _value(before, "foorumibotti_activities_total", type="message", outcome="ok") == 0

    await driver.install()  # one conversationUpdate
    for text in ("apua", "tapaamiset", "mitä kuuluu"):  # two commands and an unknown one: all answered
        await driver.send(personal_message(driver.service_url, MATTI, text))
    await driver.send(personal_message(driver.service_url, MATTI, "explode"))  # on_turn_error answers

    forum_id = await _enqueue(app, "metrics:sent")
    await app[DELIVERY].worker.drain()
    await _enqueue(app, "metrics:throttled")
    driver.connector.fail(429, retry_after=30, method="POST", path_contains="/activities")
    await app[DELIVERY].worker.drain()

    await _enqueue(app, "metrics:overdue")
    async with app[DATABASE].sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessageRow)
            .where(OutboxMessageRow.idempotency_key == "metrics:overdue")
            .values(next_attempt_at=utcnow() - timedelta(hours=1))
        )
        await upsert_job(
            session,
            key="metrics:late-job",
            forum_id=forum_id,
            kind="meeting_reminder",
            subject_id=None,
            due_at=utcnow() - timedelta(days=1),  # the tests tick hourly: late after three ticks
        )

    after = await _scrape(driver)
    assert _value(after, "foorumibotti_activities_total", type="conversationUpdate", outcome="ok") == 1
    assert _value(after, "foorumibotti_activities_total", type="message", outcome="ok") == 3
    assert _value(after, "foorumibotti_activities_total", type="message", outcome="failed") == 1
    assert _value(after, "foorumibotti_turn_seconds_count", type="message") == 4
    assert _value(after, "foorumibotti_errors_total", where="turn") == 1
    assert _value(after, "foorumibotti_errors_total", where="endpoint") == 0
    # The channel got the first message; the second was throttled once and waits its Retry-After.
    assert _value(after, "foorumibotti_sends_total", status="sent") == 1
    assert _value(after, "foorumibotti_sends_total", status="retried") == 1
    assert _value(after, "foorumibotti_teams_throttled_total") == 1
    assert _value(after, "foorumibotti_outbox_depth") == 2  # the throttled one and the overdue one
    assert _value(after, "foorumibotti_outbox_oldest_due_age_seconds") >= 3600
    assert _value(after, "foorumibotti_jobs_due") == 1 and _value(after, "foorumibotti_jobs_late") == 1
    assert _value(after, "foorumibotti_database_up") == 1


async def test_metrics_are_off_by_default_and_never_on_the_public_listener(driver: Driver) -> None:
    app = driver.client.server.app
    assert METRICS_LISTENER not in app
    response = await driver.client.get("/metrics")
    assert response.status == 404
    await driver.send(personal_message(driver.service_url, KAISA, "apua"))  # still counted, for a later scrape
