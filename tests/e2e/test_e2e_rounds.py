"""End to end: a coordinator opens a check-in round, the prompt arrives in her personal chat,
she answers in the card, and the overview shows it; every new card seen in Finnish and Swedish.

1. the bot in the team; the programme (museums, Kaisa a member of Vapriikki, two meetings
   ahead) imported with ``manage.py import-programme``, so rounds follow it;
2. ``kieli fi`` and ``kuulumiset avaa`` in her personal chat: "Kierros avattu", and the
   prompt card arrives through the outbox (an intent rendered at send time);
3. the card filled in (a new experiment, *Käynnissä*, what was tried and learned) and saved
   (Action.Execute): the returned card says *Tallennettu* and shows the answer;
4. ``yhteenveto``: the overview lists Vapriikki as answered, the rates as text;
5. the projects card, the museum's history; then ``språk sv`` and the same cards in Swedish.

Screenshots ``rounds-NN-*.png`` land in ``tests/e2e/artifacts/``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e import harness

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.e2e

RAW_KEY = re.compile(r"\b(checkin|meeting|privacy|mydata)\.[a-z_]+(\.[a-z_]+)*\b")


def assert_readable(text: str) -> None:
    assert not RAW_KEY.search(text), f"a raw message id on a card: {text!r}"
    assert not re.search(r"\{[a-z_]+\}", text), f"an unfilled placeholder: {text!r}"


def programme_file(tmp_path: Path) -> Path:
    first = date.today() + timedelta(days=3)
    second = first + timedelta(days=60)
    path = tmp_path / "programme.toml"
    path.write_text(
        f"""
[[museums]]
name = "Vapriikki"
members = ["{harness.COORDINATOR_EMAIL}"]

[[museums]]
name = "Ateneum"

[[meetings]]
number = 1
theme = "Aloitus"
starts_at = {first.isoformat()}T10:00:00
ends_at = {first.isoformat()}T16:00:00

[[meetings]]
number = 2
theme = "Kokeilujen sparraus"
starts_at = {second.isoformat()}T10:00:00
ends_at = {second.isoformat()}T16:00:00
""",
        encoding="utf-8",
    )
    return path


def shoot(page: Page, name: str, card: Locator | None = None) -> None:
    harness.screenshot(page, name)
    if card is not None:
        harness.screenshot_card(card, f"{name}-card")


def test_coordinator_opens_a_round_and_answers_the_prompt_in_the_card(
    page: Page, playground: harness.Playground, bot: harness.BotProcess, tmp_path: Path
) -> None:
    team_id = "19:forum-team@thread.tacv2"
    harness.install_into_team(page, playground, harness.GENERAL)
    imported = bot.manage("import-programme", str(programme_file(tmp_path)), "--team", team_id)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    # The import changed meeting 1 of the earlier tests: its channel card's update goes first,
    # so that it does not reach the Playground together with the prompt (see the harness).
    bot.wait_until_outbox_idle()

    # --- 2. open a round: the prompt arrives in the personal chat ----------------------
    harness.open_personal_chat(page)
    harness.send_message(page, "kieli fi")
    harness.wait_for_text(page, "puhun sinulle nyt suomea")
    harness.send_message(page, "kuulumiset avaa")
    harness.wait_for_text(page, "Kierros avattu")
    prompt = harness.wait_for_card_text(page, "Kokeilujen kuulumiset", also=["Tallenna", "Mitä kokeilitte"])
    shoot(page, "rounds-01-prompt-fi", prompt)
    assert_readable(prompt.inner_text())

    # --- 3. answer in the card ------------------------------------------------------------
    harness.fill_card_input(page, "Uuden kokeilun nimi", "Perhesunnuntait", prompt)
    harness.choose_card_option(page, "Käynnissä", prompt)
    harness.fill_card_input(page, "Mitä kokeilitte", "Sunnuntaiopastuksia lapsiperheille.", prompt)
    harness.fill_card_input(page, "Mitä opitte", "Lyhyt kierros toimii.", prompt)
    harness.click_card_button(page, "Tallenna", prompt)
    saved = harness.wait_for_card_text(page, "Tallennettu", also=["Perhesunnuntait"])
    shoot(page, "rounds-02-saved-fi", saved)
    assert_readable(saved.inner_text())

    # --- 4. the overview shows it ----------------------------------------------------------
    harness.send_message(page, "yhteenveto")
    overview = harness.wait_for_card_text(page, "Kuulumisten yhteenveto", also=["Vapriikki", "vastannut"])
    shoot(page, "rounds-03-overview-fi", overview)
    text = overview.inner_text()
    assert_readable(text)
    # the e2e bot is shared: earlier tests may have imported more museums
    assert re.search(r"1/\d+ museota \(\d+ %\)", text), text

    # --- 5. the other cards, in Finnish and then in Swedish -------------------------------
    harness.send_message(page, "projekti")
    project = harness.wait_for_card_text(page, "Vapriikki: kehittämisprojekti", also=["Perhesunnuntait"])
    shoot(page, "rounds-04-project-fi", project)
    assert_readable(project.inner_text())
    harness.send_message(page, "kuulumiset Vapriikki")
    history = harness.wait_for_card_text(page, "Vapriikki: kuulumiset", also=["Lyhyt kierros toimii."])
    shoot(page, "rounds-05-history-fi", history)
    assert_readable(history.inner_text())

    harness.send_message(page, "språk sv")
    harness.wait_for_text(page, "nu talar jag svenska")
    harness.send_message(page, "läget")
    swedish = harness.wait_for_card_text(page, "Hur går experimenten?", also=["Spara", "Ditt senaste svar"])
    shoot(page, "rounds-06-prompt-sv", swedish)
    assert_readable(swedish.inner_text())
    harness.send_message(page, "översikt")
    overview_sv = harness.wait_for_card_text(page, "Översikt över incheckningar", also=["Vapriikki", "har svarat"])
    shoot(page, "rounds-07-overview-sv", overview_sv)
    assert_readable(overview_sv.inner_text())
    harness.send_message(page, "projekt")
    project_sv = harness.wait_for_card_text(page, "Vapriikki: utvecklingsprojekt")
    shoot(page, "rounds-08-project-sv", project_sv)
    assert_readable(project_sv.inner_text())
