"""person.typed_dialog: whether a typed check-in (a dialog) is in progress in the person's 1:1

Why a column: every typed 1:1 message asked the ``bot_state`` table whether a dialog waits
for it, one more statement on every turn (and an empty state row written on first contact).
The person's row is read on every turn anyway, so the flag rides along for free; the dialog
state is read only when it is set.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("typed_dialog", sa.Boolean(), nullable=False, server_default=sa.false()))
    # A dialog in progress at the upgrade carries on: its person gets the flag.
    bind = op.get_bind()
    keys = {row[0] for row in bind.execute(sa.text('SELECT "key" FROM bot_state'))}
    if not keys:
        return
    people = bind.execute(sa.text("SELECT id, personal_reference FROM person WHERE personal_reference IS NOT NULL"))
    waiting: list[int] = []
    for person_id, reference in people:
        data = json.loads(reference) if isinstance(reference, str) else reference
        conversation = (data or {}).get("conversation") or {}
        channel = (data or {}).get("channel_id") or (data or {}).get("channelId") or "msteams"
        if f"{channel}/conversations/{conversation.get('id')}" in keys:
            waiting.append(person_id)
    for person_id in waiting:
        bind.execute(sa.text("UPDATE person SET typed_dialog = :yes WHERE id = :id"), {"yes": True, "id": person_id})


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("typed_dialog")
