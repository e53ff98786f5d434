"""forum.locale_known: whether the forum's language was said or is only the default

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing forums keep the language they have.
    with op.batch_alter_table("forum") as batch:
        batch.add_column(sa.Column("locale_known", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("forum") as batch:
        batch.drop_column("locale_known")
