"""End to end: a poll posted, answered in the channel card, closed, and its results card, in the Agents Playground.

1. the bot is installed in the team and a poll file is imported with ``manage.py import-poll``
   (two statements on 1–5 and an open question, anonymous, minimum group 3);
2. ``poll start N`` in Kaisa's personal chat: the preview; *Post to channel*;
3. the poll card in General says "0 answered"; Kaisa answers **in the card** (Action.Execute):
   the bot updates the same card to "1 answered" (no second card);
4. two more members answer from their own Teams (invokes posted to the bot as Matti and Liisa,
   whom the playground cannot type as): the card says "3 answered";
5. *Show my answers* returns Kaisa's own answers in the answer to her invoke;
6. ``poll close N``: the card turns *closed* in place, the results card appears in General
   with each statement's mean, and the chart PNG it links to is served.

Screenshots ``polls-NN-*.png`` land in ``tests/e2e/artifacts/``. The playground (0.2.28) draws
no Teams charts: the results card shows their text-bar fallbacks, as Teams on iOS does.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pytest

from tests.e2e import harness

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.e2e

TITLE = "Meeting 3: feedback e2e"
STATEMENT_1 = "1."  # the label goes on "\u00a0The programme was useful." (no Markdown list)
STATEMENT_2 = "2."
OPEN = "What should the next meeting cover?"
TEAM_ID = "19:forum-team@thread.tacv2"
TENANT = "72f988bf-0000-0000-0000-000000000001"
POLL_FILE = f"""
[poll]
title = "{TITLE}"
anonymous = true
min_group = 3

[[questions]]
kind = "scale"
scale = "1-5"
text = "The programme was useful."

[[questions]]
kind = "scale"
scale = "1-5"
text = "I will try something I heard here."

[[questions]]
kind = "open"
text = "{OPEN}"
"""
OTHERS = (("29:matti", "Matti Museolainen", "5380cb93-7f1f-5501-aa7d-f699790b6f1e", "3", "5"),
          ("29:liisa", "Liisa Lahtinen", "e5c9d749-db61-5abf-8532-23843ca6eecf", "5", "4"))  # fmt: skip


def bot_posts_to(conversation_id: str, needle: str) -> Callable[[dict[str, Any]], bool]:
    def match(event: dict[str, Any]) -> bool:
        request = event["request"]
        return (
            event.get("direction") == harness.FROM_BOT
            and request["method"] == "POST"
            and event.get("conversationId") == conversation_id
            and needle in json.dumps(request.get("body"), ensure_ascii=False)
        )

    return match


def bot_updates(activity_id: str, needle: str) -> Callable[[dict[str, Any]], bool]:
    def match(event: dict[str, Any]) -> bool:
        request = event["request"]
        return (
            event.get("direction") == harness.FROM_BOT
            and request["method"] == "PUT"
            and request["url"].rstrip("/").endswith(f"/activities/{activity_id}")
            and needle in json.dumps(request.get("body"), ensure_ascii=False)
        )

    return match


def invoke_as(user: tuple[str, str, str, str, str], service_url: str, poll_id: int, values: dict[str, str]) -> Any:
    """An Action.Execute from another member's Teams, straight to the bot (the playground types as Kaisa only)."""
    user_id, name, aad, _, _ = user
    activity = {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "id": f"e2e-{uuid.uuid4()}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": user_id, "name": name, "aadObjectId": aad},
        "recipient": {"id": "28:foorumibotti", "name": "Foorumibotti"},
        "conversation": {"id": TEAM_ID, "conversationType": "channel", "isGroup": True, "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}, "team": {"id": TEAM_ID}, "channel": {"id": TEAM_ID}},
        "locale": "en-US",
        "value": {
            "action": {
                "type": "Action.Execute",
                "verb": "poll.answer",
                "data": {"verb": "poll.answer", "pollId": poll_id, **values},
            },
            "trigger": "manual",
        },
    }
    request = urllib.request.Request(
        harness.BOT_ENDPOINT, data=json.dumps(activity).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def input_ids(card: Any, kind: str) -> list[str]:
    """The ids of the card's inputs of ``kind``, in card order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == kind:
                found.append(str(node["id"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def shoot(page: Page, name: str, card: Locator | None = None) -> None:
    harness.screenshot(page, name)
    if card is not None:
        harness.screenshot_card(card, f"{name}-card")


def test_a_poll_is_posted_answered_in_the_card_closed_and_its_results_appear(
    page: Page, playground: harness.Playground, bot: harness.BotProcess, tmp_path: Path
) -> None:
    harness.install_into_team(page, playground, harness.GENERAL)
    poll_file = tmp_path / "poll.toml"
    poll_file.write_text(POLL_FILE, encoding="utf-8")
    imported = bot.manage("import-poll", str(poll_file), "--team", TEAM_ID)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    number = imported.stdout.split(": poll ", 1)[1].split(" ", 1)[0]

    # --- the preview, then the channel ---------------------------------------------------
    harness.open_personal_chat(page)
    harness.send_message(page, f"poll start {number}")
    preview = harness.wait_for_card_text(page, "Preview: only you see this", also=[TITLE, "Post to channel"])
    shoot(page, "polls-01-preview", preview)
    mark = playground.event_mark()
    harness.click_card_button(page, "Post to channel", preview)
    harness.wait_for_card_text(page, "The poll is on its way to the channel.", also=[TITLE])
    [post] = playground.wait_for_events(bot_posts_to(TEAM_ID, TITLE), since=mark)
    card_id = str(post["response"]["body"]["id"])
    posted_card = post["request"]["body"]["attachments"][0]["content"]
    poll_id = posted_card["actions"][0]["data"]["pollId"]
    # The recorded URL is a path on the Playground (/_connector/v3/…): the serviceUrl is absolute.
    service_url = urllib.parse.urljoin(harness.PLAYGROUND_URL, post["request"]["url"].split("/v3/")[0] + "/")

    harness.open_team_channel(page, harness.GENERAL)
    card = harness.wait_for_card_text(page, TITLE, also=[f"Poll {number} · 0 answered", "Answers become anonymous"])
    shoot(page, "polls-02-poll-in-general", card)
    assert harness.card_count(page, TITLE) == 1

    # --- Kaisa answers in the card -------------------------------------------------------
    harness.select_card_choice(page, STATEMENT_1, "4", card)
    harness.select_card_choice(page, STATEMENT_2, "2", card)
    harness.fill_card_input(page, OPEN, "More time for sparring", card)
    mark = playground.event_mark()
    harness.click_card_button(page, "Send answers", card)
    assert playground.wait_for_events(bot_updates(card_id, "1 answered"), since=mark), "the count was not updated"
    card = harness.wait_for_card_text(page, TITLE, also=[f"Poll {number} · 1 answered"])
    shoot(page, "polls-03-after-kaisa-answered", card)
    assert harness.card_count(page, TITLE) == 1, "an answer made a second card"

    # --- two more members answer from their Teams -----------------------------------------
    statements = input_ids(posted_card, "Input.ChoiceSet")
    for other in OTHERS:
        body = invoke_as(other, service_url, poll_id, {statements[0]: other[3], statements[1]: other[4]})
        assert body["type"] == "application/vnd.microsoft.card.adaptive", body
    assert playground.wait_for_events(bot_updates(card_id, "3 answered"), since=mark), "the count did not reach 3"
    card = harness.wait_for_card_text(page, TITLE, also=[f"Poll {number} · 3 answered"])

    # --- Show my answers: in the answer to her own invoke --------------------------------
    harness.click_card_button(page, "Show my answers", card)
    mine = harness.wait_for_card_text(page, TITLE, also=["Your answers are saved"])
    shoot(page, "polls-04-show-my-answers", mine)
    assert harness.card_field_value(page, OPEN, mine) == "More time for sparring"

    # --- close: the card in place, the results in the channel ----------------------------
    harness.open_personal_chat(page)
    mark = playground.event_mark()
    harness.send_message(page, f"poll close {number}")
    harness.wait_for_text(page, f"Poll {number} is closed.")
    assert playground.wait_for_events(bot_updates(card_id, "This poll is closed"), since=mark)
    [results_post] = playground.wait_for_events(bot_posts_to(TEAM_ID, f"Results of poll {number}"), since=mark)
    harness.open_team_channel(page, harness.GENERAL)
    results = harness.wait_for_card_text(page, f"Results of poll {number}", also=["3 answered"])
    shoot(page, "polls-05-results-in-general", results)
    text = results.inner_text()
    assert "Mean 4.0 · 3 answers" in text and "Mean 3.7 · 3 answers" in text, text
    assert "More time for sparring" in text
    closed = harness.wait_for_card_text(page, "This poll is closed", also=[TITLE])
    shoot(page, "polls-06-closed-card", closed)
    chart = results_post["request"]["body"]["attachments"][0]["content"]["actions"][0]["url"]
    assert urlparse(chart).path.endswith(f"/poll-{number}.png")
    path = urlparse(chart).path
    with urllib.request.urlopen(f"http://{harness.BOT_HOST}:{harness.BOT_PORT}{path}", timeout=10) as response:
        assert response.status == 200 and response.read().startswith(b"\x89PNG")
