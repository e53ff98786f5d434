"""Every check-in command and card verb with hostile input: a clear answer, never the turn-error handler.

The edge-safety work enumerates ``CHECKIN_COMMANDS`` and ``cards.checkins.actions.VERBS``;
this is the check-ins' own corpus until it joins that one.
"""

from __future__ import annotations

import logging

import pytest

from bot.checkins.commands import CHECKIN_COMMANDS
from cards.checkins.actions import VERBS
from tests.bot.checkins.helpers import checkins, press, seed, settle
from tests.support.activities import KAISA, MATTI, card_submit, personal_message
from tests.support.driver import Driver

PAYLOADS: list[dict[str, object]] = [
    {},
    {"roundId": "x", "experiment": ["a"], "status": {"a": 1}, "tried": 5, "shared": "maybe"},
    {"roundId": 10**30, "checkinId": -1, "museumId": "١٢", "meetingId": True, "experimentId": None},
    {"roundId": 1, "experiment": "999999999999", "status": "done", "tried": "\x00\x07" * 5000},
    {"reply": "x" * 50_000, "checkinId": 1, "participantId": 1, "museumId": 1, "away_until": "2999-99-99"},
    {"goal": "é" * 9000, "museumId": 1, "new_experiment": "n" * 400},
]
ARGUMENTS = ["", " ", "x" * 3000, "tampere", "'; DROP TABLE checkin; --", "\u202e\u0000", "off", "A ja", "1 2 3"]


async def test_hostile_card_data_never_reaches_the_turn_error_handler(
    driver: Driver, caplog: pytest.LogCaptureFixture
) -> None:
    await seed(driver)
    await driver.send(personal_message(driver.service_url, KAISA, "kuulumiset avaa"))
    await settle(driver)
    caplog.set_level(logging.ERROR)
    for user in (MATTI, KAISA):
        for verb in VERBS:
            for payload in PAYLOADS:
                await press(driver, user, verb, payload)
                await driver.send(card_submit(driver.service_url, user, {"verb": verb, **payload}))
    await settle(driver)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], [r.getMessage()[:200] for r in failures]
    assert await checkins(driver) == []  # nothing half-saved from garbage


async def test_every_checkin_command_with_odd_arguments_answers_clearly(
    driver: Driver, caplog: pytest.LogCaptureFixture
) -> None:
    await seed(driver)
    caplog.set_level(logging.ERROR)
    for spec in CHECKIN_COMMANDS:
        alias = spec.aliases[0]
        for argument in ARGUMENTS:
            for user in (MATTI, KAISA):
                before = len(driver.connector.sent)
                await driver.send(personal_message(driver.service_url, user, f"{alias} {argument}".strip()))
                await settle(driver)
                assert len(driver.connector.sent) > before, (alias, argument)
                await driver.send(personal_message(driver.service_url, user, "peru"))  # leave any dialog
    # the typed check-in with hostile answers
    await driver.send(personal_message(driver.service_url, KAISA, "kuulumiset avaa"))
    await settle(driver)
    for text in ("kuulumiset teksti", "1", "1", "uusi", "nimi\x00", "2", "a\x00b", "x" * 3000, "c\x07", "-", "kyllä"):
        await driver.send(personal_message(driver.service_url, KAISA, text))
        await settle(driver)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], [r.getMessage()[:200] for r in failures]
