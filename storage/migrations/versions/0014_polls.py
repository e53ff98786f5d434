"""The feedback poll: polls, their questions, responses and answers, earlier rounds' figures

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-02

Responses and answers have random string ids and no timestamps (anonymous polls).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "poll",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("forum_id", sa.Integer(), sa.ForeignKey("forum.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("min_group", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opens_at", TS, nullable=True),
        sa.Column("closes_at", TS, nullable=True),
        sa.Column("opened_at", TS, nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("card_key", sa.String(length=255), nullable=True),
        sa.Column("voter_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("forum_id", "number", name="uq_poll_forum_number"),
    )
    op.create_index("ix_poll_forum_id", "poll", ["forum_id"])
    op.create_table(
        "poll_question",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("poll_id", sa.Integer(), sa.ForeignKey("poll.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scale_min", sa.Integer(), nullable=True),
        sa.Column("scale_max", sa.Integer(), nullable=True),
        sa.Column("text", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=True),
        sa.Column("statement_key", sa.String(length=255), nullable=False),
        sa.UniqueConstraint("poll_id", "position", name="uq_poll_question_position"),
    )
    op.create_index("ix_poll_question_poll_id", "poll_question", ["poll_id"])
    op.create_table(
        "poll_response",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column("poll_id", sa.Integer(), sa.ForeignKey("poll.id", ondelete="CASCADE"), nullable=False),
        sa.Column("voter_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "participant_id", sa.Integer(), sa.ForeignKey("participant.id", ondelete="CASCADE"), nullable=True
        ),
        sa.UniqueConstraint("poll_id", "voter_hash", name="uq_poll_response_voter"),
        sa.UniqueConstraint("poll_id", "participant_id", name="uq_poll_response_participant"),
    )
    op.create_index("ix_poll_response_poll_id", "poll_response", ["poll_id"])
    op.create_table(
        "poll_answer",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column(
            "response_id", sa.String(length=32), sa.ForeignKey("poll_response.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "question_id", sa.Integer(), sa.ForeignKey("poll_question.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.UniqueConstraint("response_id", "question_id", name="uq_poll_answer_question"),
    )
    op.create_index("ix_poll_answer_response_id", "poll_answer", ["response_id"])
    op.create_index("ix_poll_answer_question_value", "poll_answer", ["question_id", "value"])
    op.create_index("ix_poll_answer_question_order", "poll_answer", ["question_id", "id"])
    op.create_table(
        "poll_baseline",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("forum_id", sa.Integer(), sa.ForeignKey("forum.id", ondelete="CASCADE"), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("statement_key", sa.String(length=255), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("forum_id", "label", "position", name="uq_poll_baseline_statement"),
    )
    op.create_index("ix_poll_baseline_forum_id", "poll_baseline", ["forum_id"])


def downgrade() -> None:
    for table in ("poll_baseline", "poll_answer", "poll_response", "poll_question", "poll"):
        op.drop_table(table)
