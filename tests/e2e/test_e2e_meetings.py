"""End to end: a meeting announced, answered and counted, in the Agents Playground.

The issue's flow, as Kaisa (a coordinator, the playground's only typing user) does it:

1. the bot is installed in the team (opening General) and the forum's museums are
   imported with ``manage.py import-programme`` (the form's host-museum list comes from
   there);
2. ``meeting add`` in her personal chat: the form card, filled in (a date 30 days ahead,
   picked in the date picker; a host museum from the drop-down) and saved;
3. ``@Foorumibotti announce N`` in General: "sent to your private chat", and the
   **preview** arrives in her personal chat through the outbox;
4. *Post to channel*: the preview says "posted", and the announcement card appears
   in General with counts 0 / 0 / 0;
5. she answers *On site* on that card (Action.Execute): the counts on the **same** card
   change (the bot updates the activity it posted; no second card); the same answer
   again changes nothing and shows her answer; *Online* moves her count;
6. ``meetings``, ``rsvp N`` and ``status`` in her personal chat.

Screenshots ``meetings-NN-*.png`` (whole page) and ``meetings-NN-*-card.png`` (one card)
land in ``tests/e2e/artifacts/``.

What the playground (0.2.28) cannot show: a card's ``refresh`` with ``userIds`` (the
per-person view Teams fetches; the playground logs "User specific view is not supported
yet") and ``msteams.width: Full``. So after an answer that changes the counts, the bot's
update of the shared card replaces the presser's own view; the personal view ("Your
answer: ...") is visible when no update follows, as after pressing the same answer again.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pytest

from tests.e2e import harness

if TYPE_CHECKING:  # playwright is imported lazily (the e2e tests skip without it)
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.e2e

THEME = "Kokeilujen sparraus ja yleisötyö"
AGENDA = "Jokainen museo esittelee kokeilunsa, muut sparraavat. Lounas klo 12."
HOST = "Vapriikki"
ADDRESS = "Alaverstaanraitti 5, Tampere"
JOIN_URL = "https://teams.microsoft.com/l/meetup-join/e2e-forum-meeting"
MUSEUMS = ("Vapriikki", "Ateneum", "Museovirasto")

PREVIEW_INTRO = "Preview: this is how the announcement will look in the channel"
SENT_PRIVATELY = "I sent it to you in a private chat."
POSTED = "Posted in the channel:"
ON_ITS_WAY = "The announcement is on its way to the channel."
YOUR_ANSWER = "Your answer:"


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # fmt: skip


def english_day(day: date) -> str:
    """How the bot writes a day in English: ``Friday, 25 December 2026``."""
    return f"{WEEKDAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


def counts(on_site: int, online: int, cannot: int) -> str:
    return f"On site {on_site} · Online {online} · Can't come {cannot}"


# A message id shown instead of its text would look like "meeting.rsvp.thanks".
RAW_KEY = re.compile(
    r"\b(meeting|rsvp|status|forum|command|coordinator|help|language|welcome|refused|unknown|error|datetime)"
    r"\.[a-z_]+(\.[a-z_]+)*\b"
)


def assert_readable(card_text: str) -> None:
    """No message id, no unfilled ``{placeholder}``, no error text on a card."""
    assert not RAW_KEY.search(card_text), f"a raw message id on a card: {card_text!r}"
    assert not re.search(r"\{[a-z_]+\}", card_text), f"an unfilled placeholder on a card: {card_text!r}"
    assert "went wrong" not in card_text.lower(), card_text


def programme_file(tmp_path: Path) -> Path:
    """The forum's museums only: the meeting itself is added with the form."""
    path = tmp_path / "museums.toml"
    path.write_text("".join(f'[[museums]]\nname = "{name}"\n\n' for name in MUSEUMS), encoding="utf-8")
    return path


def bot_posts_to(conversation_id: str, needle: str) -> Callable[[dict[str, Any]], bool]:
    """Predicate: the bot POSTed a new activity into ``conversation_id`` mentioning ``needle``."""

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
    """Predicate: the bot PUT (updated) activity ``activity_id`` with ``needle`` in it."""

    def match(event: dict[str, Any]) -> bool:
        request = event["request"]
        return (
            event.get("direction") == harness.FROM_BOT
            and request["method"] == "PUT"
            and request["url"].rstrip("/").endswith(f"/activities/{activity_id}")
            and needle in json.dumps(request.get("body"), ensure_ascii=False)
        )

    return match


def answered_invoke(event: dict[str, Any]) -> bool:
    return (
        event.get("direction") == harness.TO_BOT
        and event.get("activityName") == "invoke"
        and (event["request"].get("body") or {}).get("name") == "adaptiveCard/action"
    )


def fetch(url: str) -> str:
    """GET a URL the bot serves (loopback only), as text."""
    assert urlparse(url).hostname in harness.LOOPBACK_HOSTS, f"not a loopback URL: {url!r}"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        assert response.headers.get_content_type() == "text/calendar", response.headers
        body: bytes = response.read()
    return body.decode("utf-8")


def shoot(page: Page, name: str, card: Locator | None = None) -> None:
    harness.screenshot(page, name)
    if card is not None:
        harness.screenshot_card(card, f"{name}-card")


def test_coordinator_announces_a_meeting_and_an_rsvp_updates_the_channel_card(
    page: Page, playground: harness.Playground, bot: harness.BotProcess, tmp_path: Path
) -> None:
    team_id = "19:forum-team@thread.tacv2"  # .m365agentsplayground.yml: General's id is the team's id
    meeting_day = date.today() + timedelta(days=30)
    rsvp_day = meeting_day - timedelta(days=7)

    # --- 1. the bot in the team, the forum's museums imported -------------------------
    harness.install_into_team(page, playground, harness.GENERAL)
    shoot(page, "meetings-01-general-installed")
    imported = bot.manage("import-programme", str(programme_file(tmp_path)), "--team", team_id)
    assert imported.returncode == 0, imported.stdout + imported.stderr

    # --- 2. the form: meeting add --------------------------------------------------------
    harness.open_personal_chat(page)
    harness.send_message(page, "meeting add")
    form = harness.wait_for_card_text(page, "New meeting", also=["Theme", "Host museum"])
    shoot(page, "meetings-02-form", form)
    assert_readable(form.inner_text())
    number = harness.card_field_value(page, "Number", form)
    assert number.isdigit(), f"the form should propose the next free number, shows {number!r}"

    harness.fill_card_input(page, "Theme", THEME, form)
    harness.fill_card_input(page, "Agenda and description", AGENDA, form)
    harness.pick_card_date(page, "Date", meeting_day, form)
    harness.select_card_choice(page, "Host museum", HOST, form)
    harness.fill_card_input(page, "Address", ADDRESS, form)
    harness.fill_card_input(page, "Online join link (optional)", JOIN_URL, form)
    harness.pick_card_date(page, "RSVP deadline (date)", rsvp_day, form)
    assert harness.card_field_value(page, "Date", form), "the date picker left the date empty"
    shoot(page, "meetings-03-form-filled", form)

    previews_before = harness.card_count(page, PREVIEW_INTRO, THEME)
    harness.click_card_button(page, "Save", form)
    saved = harness.wait_for_card_text(page, PREVIEW_INTRO, also=[THEME, "Saved."], more_than=previews_before)
    shoot(page, "meetings-04-saved-preview", saved)
    saved_text = saved.inner_text()
    assert_readable(saved_text)
    # The form's default times (10:00-16:00) and RSVP time (16:00), on the days picked above.
    when = f"{english_day(meeting_day)} at 10:00–16:00"
    rsvp_by = f"{english_day(rsvp_day)} at 16:00"
    for expected in (f"Forum meeting {number}", when, rsvp_by, HOST, ADDRESS, AGENDA, "Join online", counts(0, 0, 0)):
        assert expected in saved_text, f"{expected!r} missing from the saved meeting's preview: {saved_text!r}"
    previews_in_chat = harness.card_count(page, PREVIEW_INTRO, THEME)  # the form turned into one

    # --- 3. announce N in the channel: the preview goes to her personal chat ------------
    harness.open_team_channel(page, harness.GENERAL)
    harness.send_message(page, f"announce {number}", mention_bot=True)
    harness.wait_for_text(page, SENT_PRIVATELY)
    shoot(page, "meetings-05-announce-in-channel")
    assert harness.card_count(page, PREVIEW_INTRO) == 0, "the preview must not show in the channel"

    harness.open_personal_chat(page)
    preview = harness.wait_for_card_text(
        page, PREVIEW_INTRO, also=[THEME, "Post to channel"], more_than=previews_in_chat
    )
    shoot(page, "meetings-06-preview-in-personal-chat", preview)
    preview_text = preview.inner_text()
    assert_readable(preview_text)
    assert "Saved." not in preview_text, "the announce preview should be a new card, not the saved one"
    for button in ("Post to channel", "Edit", "Cancel"):
        assert preview.get_by_role("button", name=button, exact=True).count() == 1, f"no {button!r} on the preview"

    # --- 4. Post to channel --------------------------------------------------------------
    mark = playground.event_mark()
    harness.click_card_button(page, "Post to channel", preview)
    posted = harness.wait_for_card_text(page, POSTED, also=[THEME, ON_ITS_WAY])
    shoot(page, "meetings-07-preview-after-post", posted)
    assert posted.get_by_role("button", name="Post to channel", exact=True).count() == 0, "Post offered twice"
    posts = playground.wait_for_events(bot_posts_to(team_id, THEME), since=mark)
    assert len(posts) == 1, f"expected one announcement posted to General, got {len(posts)}"
    announcement_id = str(posts[0]["response"]["body"]["id"])
    assert posts[0]["response"]["statusCode"] < 300, posts[0]["response"]

    harness.open_team_channel(page, harness.GENERAL)
    card = harness.wait_for_card_text(page, THEME, also=[counts(0, 0, 0)])
    shoot(page, "meetings-08-announcement-in-general", card)
    card_text = card.inner_text()
    assert_readable(card_text)
    for expected in (f"Forum meeting {number}", "When", when, "Where", f"{HOST}, {ADDRESS}", "Join online", "RSVP by",
                     rsvp_by, "Agenda", AGENDA):  # fmt: skip
        assert expected in card_text, f"{expected!r} missing from the channel card: {card_text!r}"
    for button in ("On site", "Online", "Can't come"):
        assert card.get_by_role("button", name=button, exact=True).count() == 1, f"no {button!r} on the channel card"
    # Action.OpenUrl renders as a button with role "link"; its title is the URL. The bot serves the .ics there.
    calendar = card.get_by_role("link", name="Add to calendar", exact=True)
    assert calendar.count() == 1, "no 'Add to calendar' on the channel card"
    ics = fetch(calendar.get_attribute("title") or "")
    assert ics.startswith("BEGIN:VCALENDAR") and THEME in ics.replace("\r\n ", ""), ics[:500]
    assert YOUR_ANSWER not in card_text, "the shared channel card must not show one person's answer"
    assert harness.card_count(page, THEME) == 1

    # --- 5. the RSVP: the counts change on the same card -----------------------------------
    mark = playground.event_mark()
    harness.click_card_button(page, "On site", card)
    pressed = playground.wait_for_events(answered_invoke, since=mark)
    assert pressed and pressed[0]["request"]["body"].get("replyToId") == announcement_id, "not the posted card"
    assert pressed[0]["response"]["statusCode"] == 200, pressed[0]["response"]
    updates = playground.wait_for_events(bot_updates(announcement_id, counts(1, 0, 0)), since=mark)
    assert updates, "the bot did not update the posted card with the new counts"
    assert all(e["response"]["statusCode"] < 300 for e in updates), [e["response"] for e in updates]
    card = harness.wait_for_card_text(page, THEME, also=[counts(1, 0, 0)])
    shoot(page, "meetings-09-after-on-site", card)
    assert_readable(card.inner_text())
    assert harness.card_count(page, THEME) == 1, "the answer made a second card instead of updating the first"
    assert harness.card_count(page, counts(0, 0, 0)) == 0, "the old counts are still shown somewhere"
    assert not playground.wait_for_events(bot_posts_to(team_id, THEME), timeout=0, since=mark), "a second post"

    # The same answer again: nothing changes (one RSVP), and the card shows her own view.
    mark = playground.event_mark()
    harness.click_card_button(page, "On site", card)
    assert playground.wait_for_events(answered_invoke, since=mark)
    card = harness.wait_for_card_text(page, THEME, also=[f"{YOUR_ANSWER} On site", counts(1, 0, 0)])
    shoot(page, "meetings-10-same-answer-again-own-view", card)
    assert "Thank you, your answer is saved." in card.inner_text()
    assert harness.card_count(page, THEME) == 1

    # Changing her mind moves her count, never adds one.
    mark = playground.event_mark()
    harness.click_card_button(page, "Online", card)
    assert playground.wait_for_events(bot_updates(announcement_id, counts(0, 1, 0)), since=mark)
    card = harness.wait_for_card_text(page, THEME, also=[counts(0, 1, 0)])
    shoot(page, "meetings-11-changed-to-online", card)
    assert harness.card_count(page, THEME) == 1
    assert not playground.wait_for_events(bot_posts_to(team_id, THEME), timeout=0, since=mark), "a second post"

    # --- 6. what the coordinator sees in her personal chat ----------------------------------
    harness.open_personal_chat(page)
    harness.send_message(page, "meetings")
    listing = harness.wait_for_card_text(page, "The forum's meetings", also=[THEME])
    shoot(page, "meetings-12-meetings-list", listing)
    listing_text = listing.inner_text()
    assert_readable(listing_text)
    for expected in (f"{number}. {when} · {HOST}", "announced in the channel"):
        assert expected in listing_text, f"{expected!r} missing from the meetings list: {listing_text!r}"

    harness.send_message(page, f"rsvp {number}")
    names = harness.wait_for_card_text(page, "Who is coming", also=[harness.CURRENT_USER])
    shoot(page, "meetings-13-rsvp-names", names)
    names_text = names.inner_text()
    assert_readable(names_text)
    assert re.search(rf"Online \(1\)\s+\W*{harness.CURRENT_USER}", names_text), names_text

    harness.send_message(page, "status")
    status = harness.wait_for_card_text(page, "Message delivery")
    shoot(page, "meetings-14-status", status)
    status_text = status.inner_text()
    assert_readable(status_text)
    # At least the preview, the announcement and its two updates; nothing stuck or lost.
    delivered = re.search(r"Delivered\s+(\d+)", status_text)
    assert delivered and int(delivered.group(1)) >= 4, status_text
    for stuck in ("Undeliverable", "Failed"):
        assert re.search(rf"{stuck}\s+0\b", status_text), status_text

    # --- 7. an edit updates the posted card in place, with an "updated" band ----------------
    harness.send_message(page, f"meeting edit {number}")
    edit_form = harness.wait_for_card_text(page, f"Edit meeting {number}", also=["Theme", "Starts at"])
    harness.select_card_choice(page, "Starts at", "11.00", edit_form)
    mark = playground.event_mark()
    harness.click_card_button(page, "Save", edit_form)
    harness.wait_for_card_text(page, "Saved. The announcement in the channel is being updated.", also=[THEME])
    moved = f"{english_day(meeting_day)} at 11:00–16:00"
    assert playground.wait_for_events(bot_updates(announcement_id, moved), since=mark), "no in-place update"
    harness.open_team_channel(page, harness.GENERAL)
    card = harness.wait_for_card_text(page, THEME, also=["Updated – the details have changed", moved])
    shoot(page, "meetings-15-edited-in-place", card)
    assert_readable(card.inner_text())
    assert harness.card_count(page, THEME) == 1, "the edit posted a second card"
    assert not playground.wait_for_events(bot_posts_to(team_id, THEME), timeout=0, since=mark), "a second post"
