"""My data and forget me cover the poll: named answers and an open anonymous poll's answers,
never a closed anonymous poll's (nobody's any more)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.components import DATABASE
from storage.polls.models import PollAnswerRow, PollResponseRow
from tests.bot.meetings.helpers import inputs_of, press, settle
from tests.bot.people.helpers import person_of
from tests.bot.polls.helpers import PARTICIPANTS, answer_execute, path_of, posted
from tests.support.activities import KAISA, personal_message
from tests.support.driver import Driver

LIISA_LIKE = PARTICIPANTS[4]


def open_url_of(card: dict[str, Any]) -> str:
    [url] = [a["url"] for a in card.get("actions", []) if a.get("type") == "Action.OpenUrl"]
    return str(url)


async def my_export(driver: Driver) -> dict[str, object]:
    await driver.send(personal_message(driver.service_url, LIISA_LIKE, "omat tietoni"))
    card = driver.connector.sent[-1].cards[0]
    response = await driver.client.get(path_of(open_url_of(card)))
    sections: dict[str, object] = (await response.json())["sections"]
    return sections


async def responses(driver: Driver) -> list[PollResponseRow]:
    async with driver.client.server.app[DATABASE].sessions() as session:
        return list((await session.scalars(select(PollResponseRow))).all())


async def test_open_anonymous_and_named_answers_are_exported_and_forgotten(driver: Driver) -> None:
    await driver.install(members=PARTICIPANTS)
    survey_id, card, _ = await posted(driver)
    statement = next(i for i, e in inputs_of(card).items() if e["type"] == "Input.ChoiceSet")
    opened = next(i for i, e in inputs_of(card).items() if e["type"] == "Input.Text")
    await answer_execute(driver, LIISA_LIKE, survey_id, {statement: "4", opened: "Vertaistuki"})
    await answer_execute(driver, PARTICIPANTS[5], survey_id, {statement: "1"})
    named_id, named_card, _ = await posted(driver, 'kysely uusi "Jatketaanko?" Kyllä / Ei nimellinen', number=2)
    choice = next(iter(inputs_of(named_card)))
    await answer_execute(driver, LIISA_LIKE, named_id, {choice: "0"})

    export = await my_export(driver)
    polls = export["polls"]
    assert isinstance(polls, dict)
    entries = sorted(polls["poll_answers"], key=lambda e: e["poll_number"])
    assert [(e["poll_number"], e["anonymous"]) for e in entries] == [(1, True), (2, False)]
    assert sorted(str(a["answer"]) for a in entries[0]["answers"]) == ["4", "Vertaistuki"]
    assert entries[1]["answers"] == [{"question": "Jatketaanko?", "answer": "Kyllä"}]

    await driver.send(personal_message(driver.service_url, LIISA_LIKE, "unohda minut"))
    person = await person_of(driver, LIISA_LIKE)
    assert person is not None
    await press(driver, LIISA_LIKE, "privacy.forget_confirm", {"personId": person.id})
    await settle(driver)
    left = await responses(driver)
    assert len(left) == 1  # only the other person's survey answer stays
    async with driver.client.server.app[DATABASE].sessions() as session:
        texts = [a.text for a in (await session.scalars(select(PollAnswerRow))).all()]
    assert "Vertaistuki" not in texts


async def test_a_closed_anonymous_poll_is_nobodys(driver: Driver) -> None:
    await driver.install(members=PARTICIPANTS)
    survey_id, card, _ = await posted(driver)
    statement = next(i for i, e in inputs_of(card).items() if e["type"] == "Input.ChoiceSet")
    for user in PARTICIPANTS[:5]:
        await answer_execute(driver, user, survey_id, {statement: "3"})
    await driver.send(personal_message(driver.service_url, KAISA, "kysely sulje 1"))
    await settle(driver)
    export = await my_export(driver)
    polls = export["polls"]
    assert isinstance(polls, dict) and polls["poll_answers"] == []
    assert len(await responses(driver)) == 5
