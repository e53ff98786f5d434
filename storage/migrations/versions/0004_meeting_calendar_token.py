"""meeting.calendar_token: an unguessable .ics URL (the file holds the join link)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("calendar_token", sa.String(length=64), nullable=True))
    meeting = sa.table("meeting", sa.column("id", sa.Integer), sa.column("calendar_token", sa.String))
    connection = op.get_bind()
    for (meeting_id,) in connection.execute(sa.select(meeting.c.id)).all():
        connection.execute(
            meeting.update().where(meeting.c.id == meeting_id).values(calendar_token=secrets.token_urlsafe(24))
        )
    with op.batch_alter_table("meeting") as batch:
        batch.alter_column("calendar_token", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint("uq_meeting_calendar_token", ["calendar_token"])


def downgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.drop_constraint("uq_meeting_calendar_token", type_="unique")
        batch.drop_column("calendar_token")
