"""outbox_message.first_attempt_at: a transient fault is retried for a time limit counted from here

Why not from ``created_at``: a row may wait (``not_before``, quiet hours over a weekend) long
before its first try; its time limit for riding out faults starts when it is first tried.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("first_attempt_at")
