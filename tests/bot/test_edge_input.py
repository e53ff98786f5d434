"""Untrusted input bounded once where it enters: the requests kept from issue 8's probe.

Each of these failed a turn (or stored junk) before ``bot/edge.py`` and ``forum/untrusted.py``;
now each gets a clear answer, changes nothing it should not, and no turn fails, on SQLite
and on PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.components import DATABASE
from cards.meetings.actions import VERB_CANCEL_CONFIRM, VERB_EDIT, VERB_POST, VERB_RSVP, VERB_SAVE
from forum.untrusted import MAX_RECORD_ID, clean_name, clean_text, for_log, parse_int, sane_id
from storage.models import ForumRow, PersonRow
from tests.bot.meetings.helpers import future_day, programme_text, seed_programme, settle
from tests.support.activities import (
    KAISA,
    MATTI,
    TENANT_ID,
    User,
    bot_added_to_team,
    card_execute,
    card_submit,
    channel_message,
    group_chat_message,
    personal_message,
)
from tests.support.driver import Driver
from tests.support.snapshot import TURN_BOOKKEEPING, database_snapshot
from tests.support.turns import FailedTurns, failed_turns

__all__ = ["failed_turns"]

ODD_NUMBERS: list[Any] = [
    "²",
    "①",
    "٣",
    "１",
    "1e3",
    "-1",
    "0",
    " ",
    "",
    "1.5",
    "0x10",
    10**30,
    -1,
    0,
    True,
    None,
    [1],
    {"a": 1},
    1.5,
]


@pytest.mark.parametrize(
    "raw",
    ["²", "①", "٣", "１", "1e3", "-1", "+1", "1_000", "12345678901", 2**31, True, 1.0, None],
)
def test_parse_int_takes_ascii_digits_in_range_only(raw: Any) -> None:
    assert parse_int(raw) is None


def test_the_cleaners_bound_what_both_databases_store() -> None:
    assert parse_int(" 42 ") == 42 and parse_int(MAX_RECORD_ID) == MAX_RECORD_ID
    assert clean_name("A\x00nna\u0007 " + "x" * 400) == "Anna " + "x" * 250
    assert clean_text("rivi\n\tsisennys\x00\x1b[31m\ud800", 100, multiline=True) == "rivi\n\tsisennys[31m"
    assert clean_text("a\nb", 10) == "ab"
    assert sane_id("29:matti") == "29:matti" and sane_id("29: matti") is None and sane_id(True) is None
    assert sane_id("x" * 256) is None
    assert for_log("a\nb" + "x" * 100).startswith("'a\\nb") and for_log("a\nb" + "x" * 100).endswith("…")


async def _forum_with_meeting(driver: Driver) -> None:
    await driver.install()
    await seed_programme(driver, programme_text(future_day()))
    await settle(driver)
    driver.connector.clear()


def _texts(driver: Driver) -> list[str]:
    return [record.text for record in driver.connector.sent]


@pytest.mark.parametrize("odd", ["²", "①", "٣", "9" * 40, "-1", "1²"])
async def test_commands_with_odd_numbers_get_their_usage(failed_turns: FailedTurns, driver: Driver, odd: str) -> None:
    await _forum_with_meeting(driver)
    sessions = driver.client.app[DATABASE].sessions
    before = await database_snapshot(sessions, skip=TURN_BOOKKEEPING)
    for command in ("ilmoita", "tapaaminen muokkaa", "ilmoittautuneet", "tapaaminen peru", "announce", "rsvp"):
        await driver.send(personal_message(driver.service_url, KAISA, f"{command} {odd}"))
    assert len(driver.connector.sent) == 6
    assert not any("vikaan" in text for text in _texts(driver))
    assert await database_snapshot(sessions, skip=TURN_BOOKKEEPING) == before
    assert not failed_turns


@pytest.mark.parametrize("odd", ODD_NUMBERS, ids=repr)
async def test_card_data_with_odd_ids_is_answered_and_changes_nothing(
    failed_turns: FailedTurns, driver: Driver, odd: Any
) -> None:
    await _forum_with_meeting(driver)
    sessions = driver.client.app[DATABASE].sessions
    before = await database_snapshot(sessions, skip=TURN_BOOKKEEPING)
    for verb in (VERB_RSVP, VERB_POST, VERB_EDIT, VERB_CANCEL_CONFIRM):
        data = {"verb": verb, "meetingId": odd, "answer": "on_site"}
        status, body = await driver.post(card_execute(driver.service_url, KAISA, verb, data))
        assert status == 200 and body["statusCode"] in (200, 400), body
        await driver.send(card_submit(driver.service_url, KAISA, data))
    form = {"verb": VERB_SAVE, "number": odd, "theme": "Teema", "date": "2030-01-02", "start": "10:00"}
    status, body = await driver.post(card_execute(driver.service_url, KAISA, VERB_SAVE, form))
    assert status == 200, body
    await settle(driver)
    assert await database_snapshot(sessions, skip=TURN_BOOKKEEPING) == before
    assert not failed_turns


async def test_a_channel_mention_without_text_is_ignored(failed_turns: FailedTurns, driver: Driver) -> None:
    await driver.install()
    activity = channel_message(driver.service_url, MATTI, "apua")
    activity.pop("text")
    assert (await driver.post(activity))[0] in (200, 201)
    activity["entities"] = [{"type": "mention"}, {"type": None}, {"type": "mention", "mentioned": "x"}, {}]
    activity["text"] = "<at>Foorumibotti</at> apua"
    assert (await driver.post(activity))[0] in (200, 201)
    activity["entities"] = [5]  # not even an entity: not an activity
    assert (await driver.post(activity))[0] == 400
    # A mention whose text is not a string (fuzz case 294), and one without a recipient (3639).
    mention = {"type": "mention", "text": -(10**30), "mentioned": {"id": "28:foorumibotti", "name": "Foorumibotti"}}
    activity["entities"] = [mention]
    assert (await driver.post(activity))[0] in (200, 201)
    for without_recipient in (activity, group_chat_message(driver.service_url, MATTI, "<at>Foorumibotti</at> apua")):
        without_recipient["entities"] = [{**mention, "text": "<at>Foorumibotti</at>"}]
        without_recipient.pop("recipient", None)
        assert (await driver.post(without_recipient))[0] in (200, 201)
    assert not failed_turns


ODD_PEOPLE = [
    User("long", "L" * 300, "long@example.fi"),
    User("nul", "Nul\x00Nimi", "nul@example.fi"),
    User("ctrl", "Ohjaus\u0007\u001b[2J\u202e", "ctrl@example.fi"),
    User("surrogate", "Puoli\ud800", "half@example.fi"),
]


@pytest.mark.parametrize("person", ODD_PEOPLE, ids=lambda user: user.key)
async def test_odd_names_and_locales_can_use_the_bot(failed_turns: FailedTurns, driver: Driver, person: User) -> None:
    await driver.install(members=(KAISA, person))
    for locale in ("en-US-x-abcdefghi", "xx" * 40, "sv-FI"):
        await driver.send(personal_message(driver.service_url, person, "apua", locale=locale))
        assert driver.connector.sent[-1].cards, "help card"
    async with driver.client.app[DATABASE].sessions() as session:
        row = await session.scalar(select(PersonRow).where(PersonRow.teams_user_id == person.id))
    assert row is not None and len(row.name) <= 255 and "\x00" not in row.name
    assert row.last_seen_locale in (None, "fi", "sv", "en")
    assert not failed_turns


@pytest.mark.parametrize("team_id", [True, -1, None, "${jndi:ldap://x}", "19:x", "x" * 300, {"id": 1}])
async def test_an_install_with_a_junk_team_id_registers_no_forum(
    failed_turns: FailedTurns, driver: Driver, team_id: Any
) -> None:
    activity = bot_added_to_team(driver.service_url, KAISA)
    activity["channelData"]["team"]["id"] = team_id
    status, _ = await driver.post(activity)
    assert status in (200, 201)
    async with driver.client.app[DATABASE].sessions() as session:
        assert (await session.scalars(select(ForumRow))).all() == []
    assert not failed_turns


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"conversation": {"id": True}}, 400),
        ({"conversation": {"id": "a b"}}, 400),
        ({"from": {"id": 5}}, 400),
        ({"from": {"id": "x" * 300}}, 400),
        ({"serviceUrl": "javascript:alert(1)"}, 400),
        ({"serviceUrl": 5}, 400),
        ({"locale": 5, "id": {"x": 1}, "replyToId": 7}, 201),  # wrong types dropped, answered
    ],
)
async def test_unusable_ids_are_400(
    failed_turns: FailedTurns, driver: Driver, change: dict[str, Any], status: int
) -> None:
    activity = personal_message(driver.service_url, MATTI, "apua")
    activity.update(change)
    got, body = await driver.post(activity)
    assert got == status, body
    assert (driver.connector.sent == []) == (status == 400) and not failed_turns


async def test_nesting_too_deep_is_400_and_huge_strings_are_bounded(failed_turns: FailedTurns, driver: Driver) -> None:
    activity = personal_message(driver.service_url, MATTI, "apua")
    for depth in (30, 100_000):  # past our limit; past Python's own recursion limit
        deep = json.dumps(activity)[:-1] + ', "value": ' + "[" * depth + "1" + "]" * depth + "}"
        response = await driver.client.post("/api/messages", data=deep, headers={"Content-Type": "application/json"})
        assert response.status == 400
    await driver.install()
    huge = personal_message(driver.service_url, MATTI, "apua " + "x" * 900_000)
    assert (await driver.post(huge))[0] in (200, 201)
    lone = personal_message(driver.service_url, MATTI, "")
    raw = json.dumps(lone).replace('"text": ""', '"text": "apua \\ud800\\u0000"')
    response = await driver.client.post("/api/messages", data=raw, headers={"Content-Type": "application/json"})
    assert response.status in (200, 201)
    assert not failed_turns


async def test_tenant_ids_that_are_not_ids_are_dropped(failed_turns: FailedTurns, driver: Driver) -> None:
    activity = personal_message(driver.service_url, MATTI, "apua")
    activity["channelData"] = {"tenant": {"id": "x" * 500}}
    assert (await driver.post(activity))[0] in (200, 201)
    activity["channelData"] = {"tenant": {"id": TENANT_ID}, "team": "not a dict", "channel": 5, "eventType": 1}
    assert (await driver.post(activity))[0] in (200, 201)
    assert not failed_turns


async def test_a_coordinator_promotes_by_mention_in_the_channel(failed_turns: FailedTurns, driver: Driver) -> None:
    """The SDK's mentions are plain entities: reading ``.mentioned`` failed every such turn."""
    from tests.support.activities import ERIK

    await driver.install()
    await driver.send(
        channel_message(driver.service_url, KAISA, "koordinaattori lisää <at>Erik Sandström</at>", mentions=(ERIK,))
    )
    assert "Erik" in driver.connector.sent[-1].text and not failed_turns


async def test_bad_card_data_is_an_invoke_error_that_keeps_the_card(failed_turns: FailedTurns, driver: Driver) -> None:
    await _forum_with_meeting(driver)
    for verb in (VERB_RSVP, VERB_POST, VERB_EDIT, VERB_CANCEL_CONFIRM, "privacy.forget_confirm"):
        data = {"verb": verb, "meetingId": "²", "personId": 10**30, "answer": "on_site"}
        status, body = await driver.post(card_execute(driver.service_url, KAISA, verb, data))
        assert status == 200 and body["type"] == "application/vnd.microsoft.error", (verb, body)
        assert body["statusCode"] == 400 and body["value"]["message"]
    # The same by Submit is one chat line, and the pressed card stays as it was.
    await driver.send(card_submit(driver.service_url, KAISA, {"verb": VERB_RSVP, "meetingId": "①"}, reply_to_id="c1"))
    assert driver.connector.sent[-1].text and driver.connector.updated == []
    assert not failed_turns


@pytest.mark.parametrize("channel_data", ["<at>Foorumibotti</at>", 5, [1], True])
async def test_channel_data_that_is_not_an_object_is_dropped(
    failed_turns: FailedTurns, driver: Driver, channel_data: Any
) -> None:
    await driver.install()
    for activity in (
        personal_message(driver.service_url, ODD_PEOPLE[0], "apua"),
        bot_added_to_team(driver.service_url, KAISA),
    ):
        activity["channelData"] = channel_data
        assert (await driver.post(activity))[0] in (200, 201)
    assert not failed_turns
