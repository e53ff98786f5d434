"""outbox_message: an index on (target_key, operation)

Why: every RSVP and every poll vote reads its card's row with the card's waiting update
and the number of updates it ever had (``storage.outbox_repository.card_state``). Those
two subqueries look the card's updates up by ``target_key``, which had no index: a scan of
the whole outbox, which holds every prompt, reminder and update of the programme.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_message_target", "outbox_message", ["target_key", "operation"])


def downgrade() -> None:
    op.drop_index("ix_outbox_message_target", table_name="outbox_message")
