"""Installing into a team, the roster, help, languages: through /api/messages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.activities import (
    ERIK,
    EVERYONE,
    KAISA,
    MATTI,
    TEAM_ID,
    installation_update,
    members_removed,
    personal_message,
    team_renamed,
)
from tests.support.cards import all_text
from tests.support.driver import Driver


async def test_install_posts_one_finnish_welcome_card_in_general(driver: Driver) -> None:
    await driver.install()
    welcome = driver.connector.sent_to(TEAM_ID)
    assert len(welcome) == 1
    text = all_text(welcome[0].cards[0])
    assert "Foorumibotti" in text and "apua" in text
    assert "5 jäsentä" in text

    # Teams repeats install events (installationUpdate after conversationUpdate, reinstalls): no second welcome.
    await driver.send(installation_update(driver.service_url, KAISA))
    assert len(driver.connector.sent_to(TEAM_ID)) == 1


async def test_install_in_swedish_team_welcomes_in_swedish(driver: Driver) -> None:
    await driver.install(locale="sv-SE")
    text = all_text(driver.connector.sent_to(TEAM_ID)[0].cards[0])
    assert "Hej" in text and "hjälp" in text


async def test_help_in_personal_chat_lists_commands_coordinators_see_theirs(driver: Driver) -> None:
    await driver.install()
    driver.connector.clear()
    await driver.send(personal_message(driver.service_url, MATTI, "apua"))
    participant_card = all_text(driver.connector.sent[-1].cards[0])
    assert "kieli" in participant_card
    assert "koordinaattori lisää" not in participant_card

    await driver.send(personal_message(driver.service_url, KAISA, "help", locale="en-US"))
    coordinator_card = all_text(driver.connector.sent[-1].cards[0])
    assert "Foorumibotti commands" in coordinator_card
    assert "coordinator add" in coordinator_card


async def test_unknown_text_gets_a_hint_not_an_error(driver: Driver) -> None:
    await driver.send(personal_message(driver.service_url, MATTI, "mitä kuuluu?"))
    assert "apua" in driver.connector.sent[-1].text


async def test_language_override_sticks(driver: Driver) -> None:
    await driver.install()
    await driver.send(personal_message(driver.service_url, MATTI, "kieli sv"))
    assert "svenska" in driver.connector.sent[-1].text
    await driver.send(personal_message(driver.service_url, MATTI, "mitä?"))
    assert "hjälp" in driver.connector.sent[-1].text
    await driver.send(personal_message(driver.service_url, MATTI, "kieli klingon"))
    assert "fi, sv eller en" in driver.connector.sent[-1].text


async def test_participant_cannot_promote_coordinator_can(driver: Driver) -> None:
    await driver.install()
    await driver.send(personal_message(driver.service_url, MATTI, "koordinaattori lisää Erik"))
    assert "vain foorumin koordinaattoreille" in driver.connector.sent[-1].text
    await driver.send(personal_message(driver.service_url, KAISA, "koordinaattori lisää Erik"))
    assert "Erik Sandström on nyt koordinaattori" in driver.connector.sent[-1].text
    await driver.send(personal_message(driver.service_url, ERIK, "apua"))
    assert "koordinaattori lisää" in all_text(driver.connector.sent[-1].cards[0])


async def test_roster_follows_member_removal_and_rename(driver: Driver, bot_client: Any) -> None:
    await driver.install()
    await driver.send(members_removed(driver.service_url, KAISA, [MATTI.id]))
    await driver.send(team_renamed(driver.service_url, KAISA, "Foorumi 2026"))
    from bot.components import BOT

    roster = bot_client.server.app[BOT].roster
    forum = await roster.forum_for_team(TEAM_ID)
    assert forum is not None and forum.name == "Foorumi 2026"
    names = {p.person.name for p in await roster.participants(forum.id)}
    assert names == {u.name for u in EVERYONE} - {MATTI.name}


async def test_simultaneous_install_events_register_once_and_welcome_once(driver: Driver) -> None:
    """Teams (and the Playground) send installationUpdate and conversationUpdate together."""
    import asyncio

    from tests.support.activities import bot_added_to_team

    driver.connector.members[TEAM_ID] = [m.member() for m in EVERYONE]
    results = await asyncio.gather(
        driver.post(installation_update(driver.service_url, KAISA)),
        driver.post(bot_added_to_team(driver.service_url, KAISA)),
        driver.post(installation_update(driver.service_url, KAISA)),
    )
    assert all(status in (200, 201) for status, _ in results), results
    assert len(driver.connector.sent_to(TEAM_ID)) == 1
    assert not any("vikaan" in r.text for r in driver.connector.sent)


async def test_personal_chat_learns_email_so_configured_coordinator_is_recognised(driver: Driver) -> None:
    """A 1:1 activity carries no e-mail; COORDINATORS lists one. The roster API tells it."""
    from tests.support.activities import personal_conversation

    driver.connector.members[personal_conversation(KAISA)["id"]] = [KAISA.member()]
    await driver.send(personal_message(driver.service_url, KAISA, "apua"))
    assert "koordinaattori lisää" in all_text(driver.connector.sent[-1].cards[0])


async def _forum_locale(bot_client: Any) -> str:
    from bot.components import BOT

    forum = await bot_client.server.app[BOT].roster.forum_for_team(TEAM_ID)
    assert forum is not None
    return str(forum.locale)


@pytest.mark.parametrize("locale_less_first", [True, False])
async def test_forum_language_is_the_install_event_that_says_it_whatever_the_order(
    driver: Driver, bot_client: Any, locale_less_first: bool
) -> None:
    """Teams' conversationUpdate (bot added) carries no locale; its installationUpdate does.

    The two come together in either order (the Playground's General: en-US). The forum's
    language (channel cards, reminders) used to be the default (fi) whenever the
    locale-less event happened to be handled first.
    """
    from tests.support.activities import bot_added_to_team

    driver.connector.members[TEAM_ID] = [m.member() for m in EVERYONE]
    events = [
        bot_added_to_team(driver.service_url, KAISA, locale=None),
        installation_update(driver.service_url, KAISA, locale="en-US"),
    ]
    for event in events if locale_less_first else reversed(events):
        await driver.send(event)
    assert await _forum_locale(bot_client) == "en"


async def test_a_forum_language_once_known_is_kept_by_later_install_events(driver: Driver, bot_client: Any) -> None:
    await driver.install(locale="sv-SE")
    await driver.send(installation_update(driver.service_url, KAISA, locale="en-US"))
    assert await _forum_locale(bot_client) == "sv"
