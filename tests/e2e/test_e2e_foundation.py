"""End to end: the bot as Teams shows it, through the Agents Playground.

Run: ``pytest tests/e2e -m e2e``; screenshots land in ``tests/e2e/artifacts/``.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e import harness

pytestmark = pytest.mark.e2e

# The playground always sends locale "en-US", so the bot may answer in any of its languages:
# accept the name of the language command in each (the help card lists it for everyone).
LANGUAGE_COMMAND = re.compile(r"\b(kieli|language|språk)\b")


def test_opening_general_installs_the_bot_and_it_welcomes_the_team(page, playground) -> None:
    harness.screenshot(page, "foundation-01-playground-loaded")

    harness.open_team_channel(page, harness.GENERAL)
    harness.screenshot(page, "foundation-02-general-opened")

    welcome = harness.wait_for_card_text(page, harness.BOT_NAME)
    harness.screenshot(page, "foundation-03-general-welcome")
    assert welcome.is_visible()

    # Opening General installed the bot there: it was told so, with the team in channelData.
    installs = playground.wait_for_events(
        lambda e: (
            e["direction"] == harness.TO_BOT
            and e["activityName"] in ("installationUpdate", "conversationUpdate")
            and e["request"]["body"]["conversation"].get("conversationType") == "channel"
        )
    )
    assert installs, "the playground sent no installationUpdate/conversationUpdate for the channel"
    assert all(e["request"]["body"]["channelData"]["team"]["name"] == harness.TEAM_NAME for e in installs)
    assert all(e["response"]["statusCode"] < 300 for e in installs), [e["response"] for e in installs]


def test_help_in_the_personal_chat_lists_the_commands(page) -> None:
    harness.open_personal_chat(page)
    harness.screenshot(page, "foundation-04-personal-chat")
    before = harness.card_count(page, harness.BOT_NAME, LANGUAGE_COMMAND)

    harness.send_message(page, "help")
    harness.screenshot(page, "foundation-05-help-sent")

    help_card = harness.wait_for_card_text(page, harness.BOT_NAME, also=[LANGUAGE_COMMAND], more_than=before)
    harness.screenshot(page, "foundation-06-help-card")
    assert LANGUAGE_COMMAND.search(help_card.inner_text())
