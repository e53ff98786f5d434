"""outbox rows hold an intent rendered at send time; quiet hours checked at send time

- ``outbox_message.data``: the intent's domain ids (JSON); ``payload`` (a ready
  activity) becomes optional, since an intent row is rendered by the worker;
- ``outbox_message.respect_quiet_hours`` and ``expires_at``: the worker re-checks
  the forum's quiet hours before each try and drops a row past its ``expires_at``;
- ``forum.quiet_hours`` (``"20:00-08:00"`` or ``"none"``) and ``forum.quiet_weekends``:
  the forum's own setting; NULL means the process default (environment).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("data", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("respect_quiet_hours", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("payload", existing_type=sa.JSON(), nullable=True)
    with op.batch_alter_table("forum") as batch:
        batch.add_column(sa.Column("quiet_hours", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("quiet_weekends", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("forum") as batch:
        batch.drop_column("quiet_weekends")
        batch.drop_column("quiet_hours")
    # Intent rows have no stored activity to fall back to: they cannot survive a downgrade.
    op.execute("DELETE FROM outbox_message WHERE payload IS NULL")
    with op.batch_alter_table("outbox_message") as batch:
        batch.alter_column("payload", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("expires_at")
        batch.drop_column("respect_quiet_hours")
        batch.drop_column("data")
