"""Regression tests for botbuilder 4.17.1's invoke defects, auth, and on_turn_error."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from botbuilder.core import TurnContext

from app import create_app
from bot.components import BOT
from bot.turn import TurnInfo
from storage.transactions import DatabaseBusyError
from tests.support.activities import MATTI, card_execute, card_submit, channel_conversation, personal_message
from tests.support.driver import Driver


def _bot(driver: Driver) -> Any:
    return driver.client.server.app[BOT]


async def test_execute_invoke_returns_card_body_not_500(driver: Driver) -> None:
    """The SDK serializes an invoke body twice ('dict' has no 'is_xml_model'); ours goes out once."""
    seen: list[dict[str, Any]] = []

    async def echo_card(_ctx: TurnContext, _turn: TurnInfo, data: dict[str, Any]) -> dict[str, Any]:
        seen.append(data)
        return {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "ok"}]}

    _bot(driver).bot.card_actions.register("test/echo", echo_card)
    status, body = await driver.post(card_execute(driver.service_url, MATTI, "test/echo", {"answer": 42}))
    assert status == 200
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["body"][0]["text"] == "ok"
    # value.action arrives as a plain dict in 4.17.1: its data reaches the handler intact.
    assert seen == [{"answer": 42}]


async def test_execute_with_unknown_verb_or_malformed_value_is_answered(driver: Driver) -> None:
    status, body = await driver.post(card_execute(driver.service_url, MATTI, "no/such/verb", {}))
    assert status == 200 and body["statusCode"] == 200
    activity = card_execute(driver.service_url, MATTI, "x", {})
    activity["value"] = {"action": "not an object"}
    status, body = await driver.post(activity)
    assert status == 200 and body["statusCode"] == 400


async def test_other_invokes_still_reach_the_sdk(driver: Driver) -> None:
    activity = card_execute(driver.service_url, MATTI, "x", {})
    activity["name"] = "composeExtension/query"
    activity["value"] = {"commandId": "search", "parameters": []}
    status, _body = await driver.post(activity)
    assert status in (200, 501)


async def test_submit_with_same_verb_runs_same_handler_and_updates_pressed_card(driver: Driver) -> None:
    async def echo_card(_ctx: TurnContext, _turn: TurnInfo, data: dict[str, Any]) -> dict[str, Any]:
        return {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": data["n"]}]}

    _bot(driver).bot.card_actions.register("test/echo", echo_card)
    await driver.send(card_submit(driver.service_url, MATTI, {"verb": "test/echo", "n": "1"}, reply_to_id="card-7"))
    assert driver.connector.updated[-1].activity_id == "card-7"
    assert driver.connector.updated[-1].cards[0]["body"][0]["text"] == "1"


async def test_failing_turn_tells_user_in_their_language_and_clears_dialog_state(driver: Driver) -> None:
    parts = _bot(driver)
    accessor = parts.conversation_state.create_property("probe")

    async def remember(ctx: TurnContext, _turn: TurnInfo, _arg: str) -> None:
        await accessor.set(ctx, {"step": 2})
        await ctx.send_activity("remembered")

    async def explode(ctx: TurnContext, _turn: TurnInfo, _arg: str) -> None:
        await accessor.set(ctx, {"step": 3})
        raise RuntimeError("boom")

    async def peek(ctx: TurnContext, _turn: TurnInfo, _arg: str) -> None:
        await ctx.send_activity(f"state={await accessor.get(ctx, None)}")

    from bot.commands import CommandSpec
    from cards.help import CommandHelp

    extra = [
        CommandSpec(name, (name,), CommandHelp("command.help.usage", "command.help.summary"))
        for name in ("remember", "explode", "peek")
    ]
    parts.bot.add_commands(extra)
    parts.bot.register_command("remember", remember)
    parts.bot.register_command("explode", explode)
    parts.bot.register_command("peek", peek)

    await driver.send(personal_message(driver.service_url, MATTI, "remember"))
    await driver.send(personal_message(driver.service_url, MATTI, "peek"))
    assert driver.connector.sent[-1].text == "state={'step': 2}"
    await driver.send(personal_message(driver.service_url, MATTI, "explode", locale="sv-FI"))
    assert "Tyvärr gick något fel" in driver.connector.sent[-1].text
    await driver.send(personal_message(driver.service_url, MATTI, "peek"))
    assert driver.connector.sent[-1].text == "state=None"


async def test_with_app_id_unsigned_requests_get_401(settings_factory: Any, connector: Any) -> None:
    app = create_app(
        settings_factory(
            app_id="11111111-2222-3333-4444-555555555555",
            app_password="secret",
            app_tenant_id="99999999-8888-7777-6666-555555555555",
        )
    )
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.post("/api/messages", json=personal_message(connector.url, MATTI, "apua"))
        assert response.status == 401
        response = await client.post(
            "/api/messages",
            json=personal_message(connector.url, MATTI, "apua"),
            headers={"Authorization": "Bearer not.a.jwt"},
        )
        assert response.status == 401
    assert connector.sent == []


async def test_a_refusal_from_any_button_is_one_polite_sentence_and_no_card(driver: Driver) -> None:
    from forum.people.permissions import NotCoordinatorError

    async def coordinators_only(_ctx: TurnContext, _turn: TurnInfo, _data: dict[str, Any]) -> dict[str, Any]:
        raise NotCoordinatorError("nope")

    _bot(driver).bot.card_actions.register("test/guarded", coordinators_only)
    status, body = await driver.post(card_execute(driver.service_url, MATTI, "test/guarded", {}))
    assert status == 200 and body["type"] == "application/vnd.microsoft.activity.message"
    assert "vain foorumin koordinaattoreille" in driver.connector.sent[-1].text
    await driver.send(card_submit(driver.service_url, MATTI, {"verb": "test/guarded"}, reply_to_id="card-1"))
    assert "vain foorumin koordinaattoreille" in driver.connector.sent[-1].text
    assert driver.connector.updated == []


async def test_a_failing_invoke_answers_the_presser_with_an_error_and_posts_nothing(driver: Driver) -> None:
    async def explode(_ctx: TurnContext, _turn: TurnInfo, _data: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("boom")

    _bot(driver).bot.card_actions.register("test/explode", explode)
    status, body = await driver.post(
        card_execute(driver.service_url, MATTI, "test/explode", {}, conversation=channel_conversation())
    )
    assert status == 200 and body["statusCode"] == 500, body  # never the SDK's bare 501
    assert body["type"] == "application/vnd.microsoft.error"
    assert "meni vikaan" in body["value"]["message"]
    assert driver.connector.sent == []  # nothing in the channel thread


async def test_a_busy_database_is_a_try_again_for_the_presser_and_no_failed_turn(driver: Driver) -> None:
    async def busy(_ctx: TurnContext, _turn: TurnInfo, _data: Any) -> Any:
        raise DatabaseBusyError("database is locked")

    parts = _bot(driver)
    parts.bot.card_actions.register("test/busy", busy)
    status, body = await driver.post(
        card_execute(driver.service_url, MATTI, "test/busy", {}, conversation=channel_conversation())
    )
    assert status == 200 and body["statusCode"] == 503, body
    assert body["type"] == "application/vnd.microsoft.error" and "ruuhkaa" in body["value"]["message"]
    assert driver.connector.sent == []

    from bot.commands import CommandSpec
    from cards.help import CommandHelp

    parts.bot.add_commands([CommandSpec("busy", ("busy",), CommandHelp("command.help.usage", "command.help.summary"))])
    parts.bot.register_command("busy", busy)
    await driver.send(personal_message(driver.service_url, MATTI, "busy", locale="en-US"))
    assert "busy right now" in driver.connector.sent[-1].text
