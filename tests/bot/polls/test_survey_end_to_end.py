"""The forum's survey end to end through /api/messages, with 50 participants.

Answers by Action.Execute invokes and Action.Submit messages, edits, a double click, the
count on the channel card, close, the results card and the export, each figure checked
against values computed here from what the test sent; then every table, the log and the
export are searched for anything that could tie an answer to a person.
"""

from __future__ import annotations

import csv
import io
import logging
import random
import statistics
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from bot.components import DATABASE, SIGNER
from cards.charts import card_errors_with_charts
from forum.polls.links import PollLinks
from tests.bot.meetings.helpers import inputs_of as inputs
from tests.bot.meetings.helpers import invoke_card, outbox_rows, press, settle
from tests.bot.polls.helpers import (
    CHANNEL,
    KAISA_CHAT,
    PARTICIPANTS,
    answer_execute,
    answer_submit,
    channel_updates,
    elements,
    path_of,
    posted,
    random_answers,
)
from tests.support.activities import KAISA, TEAM_ID, personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver
from tests.support.personal_data import all_rows, needles_of

STATEMENTS = 7


def _expected_means(answers: dict[str, dict[str, str]], ids: list[str]) -> dict[str, float]:
    return {qid: statistics.fmean(int(a[qid]) for a in answers.values() if qid in a) for qid in ids}


async def test_the_survey_answered_by_50_closed_results_and_export(
    driver: Driver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await driver.install(members=PARTICIPANTS)
    poll_id, card, activity_id = await posted(driver)

    # The channel card: the survey's questions, no results, a refresh for everyone (50 ≤ 60).
    text = all_text(card)
    assert "Arviointi- ja palautekysely" in text and "vastanneita 0" in text
    assert "nimettömiksi, kun kysely sulkeutuu" in text
    assert card["refresh"]["action"]["verb"] == "poll.refresh" and "userIds" not in card["refresh"]
    fields = inputs(card)
    statement_ids = [i for i, e in fields.items() if e["type"] == "Input.ChoiceSet"]
    open_ids = [i for i, e in fields.items() if e["type"] == "Input.Text"]
    assert len(statement_ids) == STATEMENTS and len(open_ids) == 2
    assert [c["value"] for c in fields[statement_ids[0]]["choices"]] == ["0", "1", "2", "3", "4", "5"]
    assert card_errors_with_charts(card) == []

    rng = random.Random(12)
    given: dict[str, dict[str, str]] = {}
    for index, user in enumerate(PARTICIPANTS):
        values = random_answers(card, rng, user)
        given[user.key] = values
        if index % 5 == 4:  # some clients fall back to Action.Submit
            await answer_submit(driver, user, poll_id, values, activity_id)
        else:
            mine = await answer_execute(driver, user, poll_id, values)
            assert "Kiitos" in all_text(mine)
            assert {k: v.get("value") for k, v in inputs(mine).items() if k in values} == values
            assert "refresh" not in mine  # a person's own view never asks to be refreshed for others

    # Edits: five people change their mind; a double click is one answer.
    for user in PARTICIPANTS[10:15]:
        given[user.key] = {**given[user.key], statement_ids[0]: "0"}
        await answer_execute(driver, user, poll_id, given[user.key])
    await answer_execute(driver, PARTICIPANTS[3], poll_id, given[PARTICIPANTS[3].key])
    await settle(driver)

    updates = channel_updates(driver, activity_id)
    assert updates and "vastanneita 50" in all_text(updates[-1])
    assert all("Keskiarvo" not in all_text(u) for u in updates)  # never the results while open
    assert driver.connector.sent_to(TEAM_ID) == []  # updated in place, never posted again

    # "Show my answers": only in the invoke's answer, and no outbox row carries an answer.
    mine = invoke_card(await press(driver, PARTICIPANTS[7], "poll.mine", {"pollId": poll_id}, conversation=CHANNEL))
    assert {k: v.get("value") for k, v in inputs(mine).items() if k in given[PARTICIPANTS[7].key]} == given[
        PARTICIPANTS[7].key
    ]
    refreshed = invoke_card(
        await press(driver, PARTICIPANTS[8], "poll.refresh", {"pollId": poll_id}, conversation=CHANNEL)
    )
    assert "Vastauksesi on tallennettu" in all_text(refreshed)
    open_texts = [v for a in given.values() for k, v in a.items() if k in open_ids]
    outbox_text = repr([(r.payload, r.data) for r in await outbox_rows(driver)])
    assert open_texts and not any(t in outbox_text for t in open_texts)

    # Close: the card says so in place, the results card goes to the channel.
    driver.connector.clear()
    await driver.send(personal_message(driver.service_url, KAISA, "kysely sulje 1"))
    await settle(driver)
    assert "suljettu" in driver.connector.sent_to(KAISA_CHAT)[-1].text
    closed = channel_updates(driver, activity_id)[-1]
    assert "Kysely on suljettu" in all_text(closed) and "actions" not in closed and "refresh" not in closed
    [results_post] = [r for r in driver.connector.sent_to(TEAM_ID) if r.cards]
    results = results_post.cards[0]
    assert card_errors_with_charts(results) == []
    expected = _expected_means(given, statement_ids)
    results_text = all_text(results)
    assert "Vastanneita 50" in results_text
    for qid, mean in expected.items():
        assert f"Keskiarvo {mean:.1f}".replace(".", ",") + " · 50 vastausta" in results_text, qid
    [first_chart, *_] = elements(results, "Chart.HorizontalBar")
    counts = {str(v): sum(1 for a in given.values() if a[statement_ids[0]] == str(v)) for v in range(6)}
    assert {p["x"]: p["y"] for p in first_chart["data"]} == {k: float(n) for k, n in counts.items()}

    # A vote after the close is refused and changes nothing.
    late = await answer_execute(driver, PARTICIPANTS[1], poll_id, {statement_ids[0]: "5"})
    assert "suljettu" in all_text(late)

    # Export: results and raw answers, CSV for a Finnish Excel and XLSX.
    await driver.send(personal_message(driver.service_url, KAISA, "kysely vie 1"))
    export_card = driver.connector.sent_to(KAISA_CHAT)[-1].cards[0]
    urls = {a["url"].rsplit("/", 1)[1]: a["url"] for a in export_card["actions"]}
    files = {}
    for name, url in urls.items():
        response = await driver.client.get(path_of(url))
        assert response.status == 200, name
        files[name] = await response.read()
    assert files["results.csv"].startswith(b"\xef\xbb\xbf")
    result_rows = list(csv.reader(io.StringIO(files["results.csv"].decode("utf-8-sig")), delimiter=";"))
    for row, (qid, mean) in zip(result_rows[1:], expected.items(), strict=True):
        assert row[2] == "50" and row[3] == f"{mean:.2f}".replace(".", ","), qid
    answer_rows = list(csv.reader(io.StringIO(files["answers.csv"].decode("utf-8-sig")), delimiter=";"))
    assert len(answer_rows) == 1 + 50
    exported_opens = sorted(cell for row in answer_rows[1:] for cell in row[1 + STATEMENTS :] if cell)
    assert exported_opens == sorted(("'" + t) if t.startswith("=") else t for t in open_texts)
    workbook = load_workbook(io.BytesIO(files["report.xlsx"]))
    sheet = workbook.worksheets[0]
    assert [round(float(sheet.cell(row=r, column=4).value), 2) for r in range(2, 2 + STATEMENTS)] == [
        round(m, 2) for m in expected.values()
    ]

    # Anonymous means anonymous: no identity, key, hash or time next to an answer anywhere.
    rows = await all_rows(driver.client.server.app[DATABASE].sessions)
    assert all(r["voter_key"] is None for r in rows["poll"])
    assert len(rows["poll_response"]) == 50 and all(
        r["voter_hash"] is None and r["participant_id"] is None for r in rows["poll_response"]
    )
    assert set(rows["poll_answer"][0]) == {"id", "response_id", "question_id", "value", "text"}
    answer_tables = repr(rows["poll_response"]) + repr(rows["poll_answer"])
    exported = b"".join(files.values()).decode("utf-8", "ignore")
    for user in PARTICIPANTS:
        for needle in needles_of(user)[1:]:  # names are inside the test's own open answers
            assert needle not in answer_tables and needle not in exported
    ids = [r["id"] for r in rows["poll_response"]] + [r["id"] for r in rows["poll_answer"]]
    log_text = "\n".join(record.getMessage() for record in caplog.records)
    assert not any(i in log_text for i in ids)
    assert not any(t in log_text for t in open_texts)


async def test_tampered_or_expired_links_serve_nothing(driver: Driver) -> None:
    await driver.install(members=PARTICIPANTS)
    poll_id, card, _ = await posted(driver)
    for user in PARTICIPANTS[:6]:
        await answer_execute(driver, user, poll_id, random_answers(card, random.Random(1), user))
    await driver.send(personal_message(driver.service_url, KAISA, "kysely sulje 1"))
    await settle(driver)
    await driver.send(personal_message(driver.service_url, KAISA, "kysely vie 1"))
    url = driver.connector.sent_to(KAISA_CHAT)[-1].cards[0]["actions"][0]["url"]
    token = path_of(url).split("/")[3]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for path in (path_of(url).replace(token, forged), path_of(url).replace(f"{poll_id}.", f"{poll_id + 1}.")):
        response = await driver.client.get(path)
        assert response.status == 403
        assert b";" not in await response.read()
    old = PollLinks("http://x", driver.client.server.app[SIGNER]).export_urls(poll_id, datetime(2020, 1, 1, tzinfo=UTC))
    response = await driver.client.get(path_of(old["results.csv"]))
    assert response.status == 403
