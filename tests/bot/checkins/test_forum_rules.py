"""A forum's own check-in rules from the programme file's ``[checkins]`` table: the rounds are
re-derived on import, nudges follow the forum's delay, holidays and July can be allowed, bad
values are reported with their lines, and ``kuulumiset asetukset`` shows coordinators the rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.checkins.commands import rules_text
from bot.components import DATABASE
from forum.checkins.calendar import RoundPolicy
from forum.checkins.programme_section import read_checkin_section
from forum.i18n import tr
from forum.meetings.programme_file import ProgrammeError, parse_programme
from storage.checkins.models import CheckinSettingsRow
from storage.models import ScheduledJobRow
from tests.bot.checkins.helpers import programme, rounds, seed
from tests.bot.meetings.helpers import future_day
from tests.support.activities import KAISA, LIISA, User, personal_message
from tests.support.driver import Driver

HELSINKI = ZoneInfo("Europe/Helsinki")
SECTIONS = {"checkins": read_checkin_section}


def with_rules(rules: str, text: str | None = None) -> str:
    return f"[checkins]\n{rules}\n" + (text or programme(future_day(3)))


async def settings_rows(driver: Driver) -> list[CheckinSettingsRow]:
    async with driver.client.server.app[DATABASE].sessions() as session:
        return list((await session.scalars(select(CheckinSettingsRow))).all())


async def pending_jobs(driver: Driver, prefix: str) -> dict[str, datetime]:
    async with driver.client.server.app[DATABASE].sessions() as session:
        found = await session.scalars(
            select(ScheduledJobRow).where(ScheduledJobRow.status == "pending", ScheduledJobRow.key.startswith(prefix))
        )
        return {row.key: row.due_at for row in found}


async def say(driver: Driver, user: User, text: str) -> str:
    driver.connector.clear()
    await driver.send(personal_message(driver.service_url, user, text))
    return "\n".join(record.text or "" for record in driver.connector.sent)


async def test_the_file_sets_the_rounds_and_nudges_and_import_re_derives_them(driver: Driver) -> None:
    text = programme(future_day(3))
    await seed(driver, with_rules('round_offsets = ["25%", "50%", "7d"]\nnudge_after_days = 5', text))
    [settings] = await settings_rows(driver)
    assert settings.round_offsets == ["25%", "50%", "7d"] and settings.nudge_after_days == 5
    assert settings.skip_holidays and settings.blocked_months == [7]  # left out: the defaults stay
    planned = await rounds(driver)
    assert len(planned) == 3
    assert [r.closes_at for r in planned[:-1]] == [r.opens_at for r in planned[1:]]  # one after another
    first = planned[0]
    nudges = await pending_jobs(driver, f"checkin:round:{first.id}:nudge:")
    assert nudges[f"checkin:round:{first.id}:nudge:1"] == first.opens_at + timedelta(days=5)

    shown = await say(driver, KAISA, "kuulumiset asetukset")
    assert "Kierrokset kahden tapaamisen välillä (3)" in shown
    assert "25 % tapaamisten välisestä ajasta" in shown and "7 päivää ennen seuraavaa tapaamista" in shown
    assert "5 päivän jälkeen" in shown and "ei koskaan avaudu heinäkuussa" in shown
    assert await say(driver, KAISA, "läget inställningar") == shown  # the Swedish command, the reader's language
    assert tr("fi", "refused.coordinator_only") in await say(driver, LIISA, "kuulumiset asetukset")

    # Importing again with one round: the unopened rounds follow, the left-out delay stays.
    await seed(driver, with_rules('round_offsets = ["50%"]', text), install=False)
    [settings] = await settings_rows(driver)
    assert settings.round_offsets == ["50%"] and settings.nudge_after_days == 5
    live = [r for r in await rounds(driver) if not r.cancelled]
    assert len(live) == 1
    assert "Kierrokset kahden tapaamisen välillä (1)" in await say(driver, KAISA, "checkin settings")


async def test_a_forum_can_allow_july_and_holidays(driver: Driver) -> None:
    year = datetime.now(UTC).year + 1
    june = datetime(year, 6, 10, 10, tzinfo=HELSINKI)
    summer = programme(june, gap_days=(datetime(year, 9, 16, 10, tzinfo=HELSINKI) - june).days)
    await seed(driver, with_rules('round_offsets = ["50%"]', summer))
    [by_default] = [r for r in await rounds(driver) if not r.cancelled]
    assert by_default.opens_at.astimezone(HELSINKI).month == 8  # July is skipped by default

    await seed(driver, with_rules("skip_july = false\nskip_holidays = false", summer), install=False)
    [settings] = await settings_rows(driver)
    assert settings.blocked_months == [] and not settings.skip_holidays
    [moved] = [r for r in await rounds(driver) if not r.cancelled]
    assert moved.opens_at.astimezone(HELSINKI).month == 7 and moved.id == by_default.id  # re-planned, not new
    shown = await say(driver, KAISA, "kuulumiset asetukset")
    assert "voi avautua myös heinäkuussa" in shown and "voi avautua myös Suomen yleisenä vapaapäivänä" in shown


def problems_of(text: str, **kwargs: object) -> list[str]:
    with pytest.raises(ProgrammeError) as caught:
        parse_programme(text, **kwargs)  # type: ignore[arg-type]
    return [str(problem) for problem in caught.value.problems]


def test_bad_rules_are_reported_with_their_lines_with_the_rest_of_the_file() -> None:
    rules = "\n".join(
        [
            'round_offsets = ["50%", "0d", "tomorrow"]',
            "nudge_after_days = 0",
            'skip_july = "no"',
            "rounds = 2",
        ]
    )
    text = with_rules(rules, programme(future_day(3)).replace('theme = "Tapaaminen 2"', 'theme = ""'))
    found = problems_of(text, sections=SECTIONS)
    assert any(p.startswith("line 2: [checkins]: round_offsets must list 1 to 4 openings") for p in found)
    assert "line 3: [checkins]: nudge_after_days must be a whole number of days from 1 to 30" in found
    assert "line 4: [checkins]: skip_july is true or false" in found
    assert any(p.startswith("line 5: [checkins]: unknown key 'rounds'") for p in found)
    assert any("theme" in p for p in found)  # the meetings' problems come in the same list
    assert problems_of(with_rules('round_offsets = ["7d", "7D"]'), sections=SECTIONS) == [
        "line 2: [checkins]: round_offsets lists the same opening twice"
    ]
    # Read without the check-ins wired (a bare meetings import), the table is not silently ignored.
    assert any("unknown section 'checkins'" in p for p in problems_of(with_rules("skip_july = true")))


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
def test_the_rules_read_in_every_language(locale: str) -> None:
    text = rules_text(RoundPolicy(), locale)
    assert "{" not in text and "checkin." not in text
    assert len(text.split("\n\n")) == 6
    assert text != rules_text(RoundPolicy(skip_holidays=False, blocked_months=frozenset()), locale)
