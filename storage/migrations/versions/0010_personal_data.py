"""The people's data: leavers' and closed forums' dates, erasure records, the link-signing secret

Revision ID: 0010
Revises: 0005
Create Date: 2026-11-25

Also removes the installing user from stored channel references: a channel post needs the
channel, not whoever happened to install the bot (that was personal data kept for ever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("left_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_participant_left_at", ["left_at"])
    with op.batch_alter_table("forum") as batch:
        batch.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "erasure_record",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("by_person_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="SET NULL"), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "app_secret",
        sa.Column("name", sa.String(length=64), primary_key=True),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    _drop_users_from_channel_references()


def _drop_users_from_channel_references() -> None:
    connection = op.get_bind()
    forum = sa.table("forum", sa.column("id", sa.Integer), sa.column("channel_reference", sa.JSON))
    for forum_id, reference in connection.execute(sa.select(forum.c.id, forum.c.channel_reference)).all():
        if isinstance(reference, dict) and "user" in reference:
            cleaned = {key: value for key, value in reference.items() if key != "user"}
            connection.execute(forum.update().where(forum.c.id == forum_id).values(channel_reference=cleaned))
    outbox = sa.table(
        "outbox_message",
        sa.column("id", sa.Integer),
        sa.column("recipient_person_id", sa.Integer),
        sa.column("conversation_reference", sa.JSON),
    )
    rows = connection.execute(
        sa.select(outbox.c.id, outbox.c.conversation_reference).where(outbox.c.recipient_person_id.is_(None))
    ).all()
    for message_id, reference in rows:
        conversation = reference.get("conversation") if isinstance(reference, dict) else None
        if isinstance(conversation, dict) and conversation.get("conversationType") == "channel" and "user" in reference:
            cleaned = {key: value for key, value in reference.items() if key != "user"}
            connection.execute(outbox.update().where(outbox.c.id == message_id).values(conversation_reference=cleaned))


def downgrade() -> None:
    op.drop_table("app_secret")
    op.drop_table("erasure_record")
    with op.batch_alter_table("forum") as batch:
        batch.drop_column("deactivated_at")
    with op.batch_alter_table("participant") as batch:
        batch.drop_index("ix_participant_left_at")
        batch.drop_column("left_at")
