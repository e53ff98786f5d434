"""Every table is classified: personal data (which columns, which provider) or none, and why.

A new table (check-ins, the poll) fails here until its wing classifies it from its context.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.components import BOT
from forum.people.personal_data import ClassificationError, PersonalDataRegistry
from forum.people.profile_data import PeopleData
from storage.models import Base


@pytest.fixture
async def registry(bot_client: Any) -> PersonalDataRegistry:
    parts = bot_client.server.app[BOT]
    found: PersonalDataRegistry = parts.personal_data
    return found


async def test_every_table_in_the_metadata_is_classified_by_the_running_app(registry: PersonalDataRegistry) -> None:
    classification = registry.classification
    tables = {table.name: table for table in Base.metadata.sorted_tables}
    assert sorted(set(tables) - set(classification)) == [], "unclassified tables"
    assert sorted(set(classification) - set(tables)) == [], "classified tables that do not exist"
    for name, entry in classification.items():
        if entry.holds_personal_data:
            assert entry.columns, name
            assert set(entry.columns) <= set(tables[name].columns.keys()), name
        else:
            assert entry.reason, f"{name}: say why it holds no personal data"


async def test_every_provider_says_what_goes(registry: PersonalDataRegistry) -> None:
    names = [provider.name for provider in registry.providers]
    assert names[-1] == "people"  # removes the person the others look up, so runs last
    assert {"people", "meetings", "delivery"} <= set(names)


def test_a_table_cannot_be_classified_twice() -> None:
    registry = PersonalDataRegistry()
    registry.register(PeopleData())
    with pytest.raises(ClassificationError):
        registry.declare_no_personal_data("person", "oops")
    with pytest.raises(ClassificationError):
        registry.register(PeopleData())
