"""Rounds on a virtual clock: nudges to the right people at most twice, late answers, silent museums, the digest."""

from __future__ import annotations

from datetime import timedelta

from tests.bot.checkins.helpers import (
    answer,
    checkins,
    outbox,
    press,
    rounds,
    run_jobs,
    seed,
    sent_rows,
    settle,
    virtual_clock,
)
from tests.support.activities import ANNA, ERIK, KAISA, LIISA, MATTI, TEAM_ID, personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver


async def person_ids(driver: Driver) -> dict[str, int]:
    from bot.components import BOT

    roster = driver.client.server.app[BOT].roster
    forum = await roster.forum_for_team(TEAM_ID)
    assert forum is not None
    return {p.person.email or "": p.person.id for p in await roster.participants(forum.id)}


async def test_prompts_nudges_and_late_answers_follow_the_clock(driver: Driver) -> None:
    await seed(driver)
    first, second = await rounds(driver)
    ids = await person_ids(driver)
    clock = virtual_clock(first.opens_at)
    await run_jobs(driver, clock)
    assert len(await sent_rows(driver, "checkin_prompt")) == 5

    await press(driver, LIISA, "checkin.save", answer(first.id, shared="true"))
    await driver.send(personal_message(driver.service_url, ERIK, "mykistä"))
    await settle(driver)

    clock.now = first.opens_at + timedelta(days=3, minutes=1)
    await run_jobs(driver, clock)
    nudged = {row.recipient_person_id for row in await sent_rows(driver, "checkin_nudge")}
    # Liisa answered; Erik muted; Kaisa, Matti (no museum) and Anna (Ateneum, silent) get one
    assert nudged == {ids[KAISA.email], ids[MATTI.email], ids[ANNA.email]}

    await press(driver, ANNA, "checkin.nothing", {"roundId": first.id})
    clock.now = first.opens_at + timedelta(days=6, minutes=1)
    await run_jobs(driver, clock)
    second_nudges = [row for row in await sent_rows(driver, "checkin_nudge") if ":nudge:2:" in row.idempotency_key]
    assert {row.recipient_person_id for row in second_nudges} == {ids[KAISA.email], ids[MATTI.email]}
    clock.now = first.opens_at + timedelta(days=9, minutes=1)
    await run_jobs(driver, clock)
    assert len(await sent_rows(driver, "checkin_nudge")) == 5  # at most two per round, ever

    # the round closes and the next one opens; an answer on the old prompt goes to the new round
    clock.now = second.opens_at + timedelta(minutes=1)
    await run_jobs(driver, clock)
    assert len(await sent_rows(driver, "checkin_prompt")) == 10
    card = await press(driver, ERIK, "checkin.save", answer(first.id))
    assert card is not None and "seuraavalle kierrokselle" in all_text(card)
    late = next(row for row in await checkins(driver) if row.late)
    assert late.round_id == second.id

    # the same jobs running again send nothing twice
    await run_jobs(driver, clock)
    assert len(await sent_rows(driver, "checkin_prompt")) == 10
    assert len(await sent_rows(driver, "checkin_nudge")) == 5


async def test_the_digest_shows_shared_answers_only_and_updates_in_place(driver: Driver) -> None:
    await seed(driver)
    first, second = await rounds(driver)
    clock = virtual_clock(first.opens_at)
    await run_jobs(driver, clock)
    await press(driver, LIISA, "checkin.save", answer(first.id, shared="true", learned="Jaettu oppi."))
    await press(driver, ANNA, "checkin.save", answer(first.id, shared="false", learned="Salainen oppi."))
    clock.now = second.closes_at - timedelta(days=3) + timedelta(minutes=1)
    await run_jobs(driver, clock)
    [digest] = await sent_rows(driver, "checkin_digest")
    channel = [c for r in driver.connector.sent_to(TEAM_ID) for c in r.cards if "Kooste" in all_text(c)]
    assert len(channel) == 1
    text = all_text(channel[0])
    assert "Tampereen museot" in text and "Jaettu oppi." in text
    assert "Salainen" not in text and "Ateneum" not in text
    # a late shared answer updates the card in place
    await press(driver, ERIK, "checkin.save", answer(second.id, shared="true", learned="Myöhäinen oppi."))
    await run_jobs(driver, clock)
    updates = [r for r in driver.connector.updated if r.activity_id == digest.activity_id]
    assert updates and "Myöhäinen oppi." in all_text(updates[-1].cards[0])
    assert len(await outbox(driver, "checkin_digest")) == 1


async def test_museums_silent_two_rounds_are_flagged_to_coordinators_once(driver: Driver) -> None:
    await seed(driver)
    first, second = await rounds(driver)
    ids = await person_ids(driver)
    clock = virtual_clock(first.opens_at)
    await run_jobs(driver, clock)
    await press(driver, LIISA, "checkin.nothing", {"roundId": first.id})
    clock.now = second.opens_at + timedelta(minutes=1)
    await run_jobs(driver, clock)
    await press(driver, LIISA, "checkin.nothing", {"roundId": second.id})
    clock.now = second.closes_at + timedelta(minutes=1)
    await run_jobs(driver, clock)
    flags = await sent_rows(driver, "checkin_silent_museum")
    assert {row.recipient_person_id for row in flags} == {ids[KAISA.email]}
    flagged = {all_text(c) for r in driver.connector.sent for c in r.cards if "Hiljainen museo" in all_text(c)}
    assert len(flagged) == 2  # Ateneum and Amos Rex, each once; Tampere answered
    assert not any("Tampereen museot" in text for text in flagged)


async def test_a_late_answer_after_the_last_round_stays_in_it_marked_late(driver: Driver) -> None:
    await seed(driver)
    first, second = await rounds(driver)
    clock = virtual_clock(first.opens_at)
    await run_jobs(driver, clock)
    clock.now = second.opens_at + timedelta(minutes=1)
    await run_jobs(driver, clock)
    await press(driver, LIISA, "checkin.save", answer(second.id, learned="Ajoissa."))

    # the programme's last meeting has started: no round comes after the second one
    clock.now = second.closes_at + timedelta(days=2)
    await run_jobs(driver, clock)
    card = await press(driver, ERIK, "checkin.save", answer(second.id, learned="Myöhässä mutta tallessa."))
    assert card is not None
    text = all_text(card)
    assert "viimeiselle kierrokselle" in text and "seuraavalle" not in text
    kept = {row.learned: row for row in await checkins(driver)}
    late = kept["Myöhässä mutta tallessa."]
    assert late.round_id == second.id and late.late
    assert not kept["Ajoissa."].late
    # an edit of the late answer stays one record in that round, still late
    await press(driver, ERIK, "checkin.save", answer(second.id, learned="Muokattu myöhässä."))
    edited = [row for row in await checkins(driver) if row.round_id == second.id]
    assert sorted(row.learned for row in edited) == ["Ajoissa.", "Muokattu myöhässä."]
    assert all(row.late == (row.learned != "Ajoissa.") for row in edited)
