"""Bad input changes nothing; the minimum group size; a named poll; the previous round beside this one."""

from __future__ import annotations

import asyncio
import csv
import io
import random
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.components import DATABASE
from forum.i18n import tr
from forum.polls.rounds import import_round, parse_round
from storage.polls.models import PollAnswerRow, PollResponseRow
from tests.bot.meetings.helpers import inputs_of, invoke_card, press, settle
from tests.bot.polls.helpers import (
    CHANNEL,
    KAISA_CHAT,
    PARTICIPANTS,
    answer_execute,
    answer_submit,
    elements,
    path_of,
    poll_row,
    posted,
    random_answers,
)
from tests.support.activities import KAISA, TEAM_ID, User, channel_message, personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver

MEMBER = PARTICIPANTS[1]
OUTSIDER = User("outsider", "Ulla Ulkopuolinen", "ulla@example.org")


async def stored(driver: Driver) -> tuple[int, int]:
    async with driver.client.server.app[DATABASE].sessions() as session:
        responses = await session.scalar(select(func.count()).select_from(PollResponseRow))
        answers = await session.scalar(select(func.count()).select_from(PollAnswerRow))
        return int(responses or 0), int(answers or 0)


def ids(card: dict[str, Any]) -> tuple[list[str], list[str]]:
    fields = inputs_of(card)
    return (
        [i for i, e in fields.items() if e["type"] == "Input.ChoiceSet"],
        [i for i, e in fields.items() if e["type"] == "Input.Text"],
    )


async def close(driver: Driver, number: int = 1) -> dict[str, Any]:
    driver.connector.clear()
    await driver.send(personal_message(driver.service_url, KAISA, f"kysely sulje {number}"))
    await settle(driver)
    [results] = [r for r in driver.connector.sent_to(TEAM_ID) if r.cards]
    return results.cards[0]


async def test_bad_votes_are_refused_and_store_nothing(driver: Driver) -> None:
    await driver.install(members=PARTICIPANTS)
    poll_id, card, activity_id = await posted(driver)
    statements, opens = ids(card)
    await answer_execute(driver, MEMBER, poll_id, {statements[0]: "3"})
    before = await stored(driver)

    outside = invoke_card(await press(driver, MEMBER, "poll.answer", {"pollId": poll_id, statements[1]: "6"}))
    assert "asteikon ulkopuolella" in all_text(outside)
    assert {k: v.get("value") for k, v in inputs_of(outside).items() if "value" in v} == {statements[0]: "3"}
    for bad in ({"q999999": "3"}, {statements[0]: "-1"}, {statements[0]: "٣"}, {statements[0]: "3.0"}, {}):
        await press(driver, MEMBER, "poll.answer", {"pollId": poll_id, **bad}, conversation=CHANNEL)
    too_long = invoke_card(
        await press(driver, MEMBER, "poll.answer", {"pollId": poll_id, statements[0]: "1", opens[0]: "x" * 2001})
    )
    assert "Enintään 2000 merkkiä" in all_text(too_long) and "ei tallennettu" in all_text(too_long)
    assert inputs_of(too_long)[opens[0]]["value"] == "x" * 2001  # the card back with what they wrote
    driver.connector.clear()
    await answer_submit(driver, OUTSIDER, poll_id, {statements[0]: "4"}, activity_id)
    assert "Vain foorumin jäsenet" in driver.connector.sent[-1].text
    assert await stored(driver) == before

    # A double click (three presses at once) is one response.
    await asyncio.gather(*(answer_execute(driver, PARTICIPANTS[5], poll_id, {statements[0]: "2"}) for _ in range(3)))
    assert await stored(driver) == (before[0] + 1, before[1] + 1)

    # A participant cannot start or close a poll; nothing is posted.
    driver.connector.clear()
    await driver.send(channel_message(driver.service_url, MEMBER, "kysely sulje 1"))
    await driver.send(personal_message(driver.service_url, MEMBER, "poll start 1"))
    assert [r.text for r in driver.connector.sent] == [tr("fi", "refused.coordinator_only")] * 2
    assert (await poll_row(driver)).status == "open"


async def test_results_hide_below_the_minimum_group(driver: Driver) -> None:
    await driver.install(members=PARTICIPANTS)
    poll_id, card, _ = await posted(driver)
    statements, opens = ids(card)
    for user in PARTICIPANTS[:4]:
        await answer_execute(driver, user, poll_id, {statements[0]: "4", opens[0]: f"salainen {user.key}"})
    results = await close(driver)
    text = all_text(results)
    assert "Tuloksia ei näytetä" in text and "alle 5" in text
    assert "Keskiarvo" not in text and "salainen" not in text and not elements(results, "Chart.HorizontalBar")
    await driver.send(personal_message(driver.service_url, KAISA, "kysely vie 1"))
    url = driver.connector.sent_to(KAISA_CHAT)[-1].cards[0]["actions"][1]["url"]
    answers = (await (await driver.client.get(path_of(url))).read()).decode("utf-8-sig")
    assert "salainen" not in answers and len(answers.strip().splitlines()) == 1  # the header only


async def test_a_statement_answered_by_too_few_shows_no_distribution(driver: Driver) -> None:
    await driver.install(members=PARTICIPANTS)
    poll_id, card, _ = await posted(driver)
    statements, _ = ids(card)
    for index, user in enumerate(PARTICIPANTS[:6]):
        values = {statements[0]: str(index % 6)}
        if index < 2:
            values[statements[1]] = "5"
        await answer_execute(driver, user, poll_id, values)
    results = await close(driver)
    text = all_text(results)
    assert "Keskiarvo 2,5 · 6 vastausta" in text
    assert "Alle 5 vastausta: jakaumaa ei näytetä." in text
    assert len(elements(results, "Chart.HorizontalBar")) == 1


async def test_a_named_quick_poll_and_the_previous_round_beside_the_survey(driver: Driver) -> None:
    await driver.install(members=PARTICIPANTS)
    await driver.send(personal_message(driver.service_url, KAISA, "kyselyt"))  # the survey becomes poll 1
    driver.connector.clear()
    poll_id, card, _ = await posted(
        driver, 'kysely uusi "Mikä työtapa auttoi eniten?" Sparraus / Kokeilut nimellinen', number=2
    )
    assert "Nimellinen kysely" in all_text(card)
    [choice] = ids(card)[0]
    for index, user in enumerate(PARTICIPANTS[:5]):
        await answer_execute(driver, user, poll_id, {choice: str(index % 2)})
    results = await close(driver, 2)
    [chart] = elements(results, "Chart.HorizontalBar")
    assert {p["x"]: p["y"] for p in chart["data"]} == {"Sparraus": 3.0, "Kokeilut": 2.0}
    rows = [dict(r) for r in (await press_export(driver, 2))]
    assert sorted(r["name"] for r in rows) == sorted(u.name for u in PARTICIPANTS[:5])

    # The survey with an imported 2018–2019 round: the card and the PNG show both.
    forum_id = (await poll_row(driver)).forum_id
    async with driver.client.server.app[DATABASE].sessions() as session, session.begin():
        text = "statement;mean;count\n" + "".join(f"{n};{3 + n / 10:.1f};38\n".replace(".", ",") for n in range(1, 8))
        await import_round(session, forum_id, "2018–2019", parse_round(text), datetime.now(UTC))
    driver.connector.clear()
    survey_id, survey_card, _ = await posted(driver, "kysely aloita 1")
    rng = random.Random(3)
    for user in PARTICIPANTS[:8]:
        await answer_execute(driver, user, survey_id, random_answers(survey_card, rng, user))
    survey_results = await close(driver, 1)
    [grouped] = elements(survey_results, "Chart.VerticalBar.Grouped")
    assert [series["legend"] for series in grouped["data"]] == ["2018–2019", "Tämä kierros"]
    assert [point["y"] for point in grouped["data"][0]["values"]] == [3.1, 3.2, 3.3, 3.4, 3.5, 3.6, 3.7]
    assert "2018–2019: 3,1" in all_text(survey_results)
    png_url = next(a["url"] for a in survey_results["actions"] if a["type"] == "Action.OpenUrl")
    response = await driver.client.get(path_of(png_url))
    assert response.status == 200 and response.content_type == "image/png"
    assert (await response.read()).startswith(b"\x89PNG")


async def press_export(driver: Driver, number: int) -> list[dict[str, str]]:
    """The raw answers CSV of poll ``number`` as dicts (``name`` and the answers)."""
    await driver.send(personal_message(driver.service_url, KAISA, f"kysely vie {number}"))
    urls = {a["url"].rsplit("/", 1)[1]: a["url"] for a in driver.connector.sent_to(KAISA_CHAT)[-1].cards[0]["actions"]}
    body = await (await driver.client.get(path_of(urls["answers.csv"]))).read()
    reader = csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
    header = next(reader)
    return [{"name": row[1], **dict(zip(header[2:], row[2:], strict=True))} for row in reader]
