"""Help by role, asking in the channel, quiet hours on the prompts, and the SQL a check-in submit costs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from bot.components import DATABASE
from tests.bot.checkins.helpers import answer, outbox, press, rounds, seed, settle
from tests.support.activities import KAISA, LIISA, MATTI, channel_message, personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver


@contextmanager
def counted(driver: Driver) -> Iterator[list[str]]:
    engine = driver.client.server.app[DATABASE].engine.sync_engine
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def help_text(driver: Driver, user: object) -> str:
    await driver.send(personal_message(driver.service_url, user, "apua"))  # type: ignore[arg-type]
    return all_text(driver.connector.sent[-1].cards[0])


async def test_help_lists_the_checkin_commands_by_role(driver: Driver) -> None:
    await seed(driver)
    participant = await help_text(driver, MATTI)
    assert "kuulumiset [teksti | MUSEO]" in participant and "projekti [MUSEO]" in participant
    assert "kuulumiset avaa" not in participant and "yhteenveto" not in participant
    coordinator = await help_text(driver, KAISA)
    assert "kuulumiset avaa" in coordinator and "yhteenveto" in coordinator and "parit kierrätä" in coordinator


async def test_asked_in_the_channel_the_prompt_goes_to_the_1to1_and_prompts_wait_for_quiet_hours(
    driver: Driver,
) -> None:
    await seed(driver)
    await driver.send(personal_message(driver.service_url, KAISA, "kuulumiset avaa"))
    await settle(driver)
    prompts = await outbox(driver, "checkin_prompt")
    assert prompts and all(p.respect_quiet_hours and p.expires_at is not None for p in prompts)
    await driver.send(channel_message(driver.service_url, LIISA, "kuulumiset"))
    await settle(driver)
    assert any("1:1" in r.text for r in driver.connector.sent)
    asked = [p for p in await outbox(driver, "checkin_prompt") if ":ask:" in p.idempotency_key]
    assert len(asked) == 1 and asked[0].status == "sent"


async def test_a_checkin_submit_costs_a_bounded_number_of_statements(driver: Driver) -> None:
    await seed(driver)
    await driver.send(personal_message(driver.service_url, KAISA, "kuulumiset avaa"))
    await settle(driver)
    round_id = next(r.id for r in await rounds(driver) if r.opened_at is not None)
    await press(driver, LIISA, "checkin.save", answer(round_id))
    with counted(driver) as first_edit:
        await press(driver, LIISA, "checkin.save", answer(round_id, learned="Toinen."))
    # 31 on SQLite (BEGINs and savepoints included), 27 on PostgreSQL when written: it must not creep up
    assert len(first_edit) <= 34, "\n".join(s[:80] for s in first_edit)
