"""The botbuilder Storage on SQL: read, write, delete, e-tags, SDK state round trips."""

from __future__ import annotations

import pytest
from botbuilder.core import ConversationState, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogSet, DialogTurnStatus, TextPrompt, WaterfallDialog, WaterfallStepContext
from botbuilder.dialogs.prompts import PromptOptions
from botbuilder.schema import Activity
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sql_storage import SqlStorage
from storage.state_store import StateStore


@pytest.fixture
def storage(sessions: async_sessionmaker[AsyncSession]) -> SqlStorage:
    return SqlStorage(StateStore(sessions))


async def test_write_read_delete(storage: SqlStorage) -> None:
    await storage.write({"a": {"count": 1}, "b": {"name": "Liisa"}})
    found = await storage.read(["a", "b", "missing"])
    assert found["a"]["count"] == 1 and found["b"]["name"] == "Liisa"
    assert "missing" not in found
    await storage.delete(["a", "missing"])
    assert list(await storage.read(["a", "b"])) == ["b"]
    assert await storage.read([]) == {}


async def test_etag_conflict_is_refused_and_changes_nothing(storage: SqlStorage) -> None:
    await storage.write({"k": {"v": 1}})
    first = await storage.read(["k"])
    second = await storage.read(["k"])
    first["k"]["v"] = 2
    await storage.write({"k": first["k"]})
    second["k"]["v"] = 3
    with pytest.raises(KeyError):
        await storage.write({"k": second["k"]})
    assert (await storage.read(["k"]))["k"]["v"] == 2
    # "*" means last write wins.
    await storage.write({"k": {"v": 4, "e_tag": "*"}})
    assert (await storage.read(["k"]))["k"]["v"] == 4


async def test_conflict_in_one_key_rolls_back_the_whole_write(storage: SqlStorage) -> None:
    await storage.write({"x": {"v": 1}})
    with pytest.raises(KeyError):
        await storage.write({"y": {"v": 1}, "x": {"v": 9, "e_tag": "999"}})
    assert "y" not in await storage.read(["y"])


async def test_waterfall_dialog_state_survives_in_sql(storage: SqlStorage) -> None:
    """A dialog's stack (SDK objects) round-trips through SQL between turns."""
    conversation_state = ConversationState(storage)
    dialogs = DialogSet(conversation_state.create_property("dialog_state"))
    dialogs.add(TextPrompt("text"))

    async def ask(step: WaterfallStepContext):  # type: ignore[no-untyped-def]
        return await step.prompt("text", PromptOptions(prompt=Activity(type="message", text="Mikä museo?")))

    async def thank(step: WaterfallStepContext):  # type: ignore[no-untyped-def]
        await step.context.send_activity(f"Kiitos, {step.result}!")
        return await step.end_dialog()

    dialogs.add(WaterfallDialog("ask", [ask, thank]))

    async def logic(context: TurnContext) -> None:
        dialog_context = await dialogs.create_context(context)
        result = await dialog_context.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await dialog_context.begin_dialog("ask")
        await conversation_state.save_changes(context)

    adapter = TestAdapter(logic)
    flow = await adapter.test("hei", "Mikä museo?")
    await flow.test("Amos Rex", "Kiitos, Amos Rex!")
