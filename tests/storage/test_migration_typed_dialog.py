"""Migration 0015 carries a typed check-in that was in progress at the upgrade.

Why it matters: after 0015 the bot reads the dialog state only for a person whose
``typed_dialog`` flag is up; a person halfway through a typed check-in when the new version
starts must get the flag, or their next answer would be read as a command.
"""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.database import create_engine
from storage.migrate import _config, upgrade_to_head

BEFORE = "0013"


def _upgrade_to(connection: Connection, revision: str) -> None:
    from alembic import command

    config = _config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_a_dialog_in_progress_at_the_upgrade_keeps_going(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_to, BEFORE)
            for teams_id, conversation in (("29:waiting", "a:personal-waiting"), ("29:idle", "a:personal-idle")):
                reference = {"channelId": "msteams", "conversation": {"id": conversation}}
                await connection.execute(
                    text(
                        "INSERT INTO person (teams_user_id, name, personal_reference, created_at, updated_at) "
                        "VALUES (:id, :name, :reference, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": teams_id, "name": teams_id, "reference": json.dumps(reference)},
                )
            await connection.execute(
                text(
                    'INSERT INTO bot_state ("key", document, etag, updated_at) '
                    "VALUES ('msteams/conversations/a:personal-waiting', '{}', 1, CURRENT_TIMESTAMP)"
                )
            )
        await upgrade_to_head(engine)
        async with engine.connect() as connection:
            flags = dict((await connection.execute(text("SELECT teams_user_id, typed_dialog FROM person"))).all())
        assert {key: bool(value) for key, value in flags.items()} == {"29:waiting": True, "29:idle": False}
    finally:
        await engine.dispose()
