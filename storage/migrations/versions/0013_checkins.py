"""Experiment check-ins: settings, rounds, projects, experiments, check-ins, people's choices, pairs, replies

Revision ID: 0013
Revises: 0014 (re-chained after the poll wing's 0014 when main was merged)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", TZ, nullable=False), sa.Column("updated_at", TZ, nullable=False)]


def upgrade() -> None:
    op.create_table(
        "checkin_settings",
        sa.Column("forum_id", sa.Integer(), sa.ForeignKey("forum.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("round_offsets", sa.JSON(), nullable=False),
        sa.Column("nudge_after_days", sa.Integer(), nullable=False),
        sa.Column("max_nudges", sa.Integer(), nullable=False),
        sa.Column("skip_holidays", sa.Boolean(), nullable=False),
        sa.Column("blocked_months", sa.JSON(), nullable=False),
        sa.Column("pair_rotation", sa.Integer(), nullable=False),
    )
    op.create_table(
        "checkin_round",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("forum_id", sa.Integer(), sa.ForeignKey("forum.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("meeting.id", ondelete="SET NULL"), nullable=True),
        sa.Column("opens_at", TZ, nullable=False),
        sa.Column("closes_at", TZ, nullable=False),
        sa.Column("opened_at", TZ, nullable=True),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("forum_id", "key", name="uq_checkin_round_forum_key"),
    )
    op.create_index("ix_checkin_round_forum_id", "checkin_round", ["forum_id"])
    op.create_table(
        "checkin_project",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("forum_id", sa.Integer(), sa.ForeignKey("forum.id", ondelete="CASCADE"), nullable=False),
        sa.Column("museum_id", sa.Integer(), sa.ForeignKey("museum.id", ondelete="CASCADE"), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column(
            "updated_by_participant_id",
            sa.Integer(),
            sa.ForeignKey("participant.id", ondelete="SET NULL"),
            nullable=True,
        ),
        *_stamps(),
        sa.UniqueConstraint("museum_id", name="uq_checkin_project_museum"),
    )
    op.create_index("ix_checkin_project_forum_id", "checkin_project", ["forum_id"])
    op.create_table(
        "checkin_experiment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "project_id", sa.Integer(), sa.ForeignKey("checkin_project.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column(
            "created_by_participant_id",
            sa.Integer(),
            sa.ForeignKey("participant.id", ondelete="SET NULL"),
            nullable=True,
        ),
        *_stamps(),
    )
    op.create_index("ix_checkin_experiment_project_id", "checkin_experiment", ["project_id"])
    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("checkin_round.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "participant_id", sa.Integer(), sa.ForeignKey("participant.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("museum_id", sa.Integer(), sa.ForeignKey("museum.id", ondelete="SET NULL"), nullable=True),
        sa.Column(
            "experiment_id",
            sa.Integer(),
            sa.ForeignKey("checkin_experiment.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("nothing_to_report", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("tried", sa.Text(), nullable=False),
        sa.Column("learned", sa.Text(), nullable=False),
        sa.Column("help_wanted", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("answered_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("round_id", "participant_id", name="uq_checkin_round_participant"),
    )
    op.create_index("ix_checkin_round_id", "checkin", ["round_id"])
    op.create_index("ix_checkin_participant_id", "checkin", ["participant_id"])
    op.create_index("ix_checkin_museum_id", "checkin", ["museum_id"])
    op.create_table(
        "checkin_person",
        sa.Column(
            "participant_id",
            sa.Integer(),
            sa.ForeignKey("participant.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("muted", sa.Boolean(), nullable=False),
        sa.Column("away_until", TZ, nullable=True),
        sa.Column(
            "pending_museum_id", sa.Integer(), sa.ForeignKey("museum.id", ondelete="SET NULL"), nullable=True
        ),
    )
    op.create_table(
        "checkin_pair",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("forum_id", sa.Integer(), sa.ForeignKey("forum.id", ondelete="CASCADE"), nullable=False),
        sa.Column("museum_id", sa.Integer(), sa.ForeignKey("museum.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "friend_museum_id", sa.Integer(), sa.ForeignKey("museum.id", ondelete="CASCADE"), nullable=False
        ),
        sa.UniqueConstraint("museum_id", name="uq_checkin_pair_museum"),
    )
    op.create_index("ix_checkin_pair_forum_id", "checkin_pair", ["forum_id"])
    op.create_table(
        "checkin_reply",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("checkin_id", sa.Integer(), sa.ForeignKey("checkin.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "participant_id", sa.Integer(), sa.ForeignKey("participant.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("museum_id", sa.Integer(), sa.ForeignKey("museum.id", ondelete="SET NULL"), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_checkin_reply_checkin_id", "checkin_reply", ["checkin_id"])
    op.create_index("ix_checkin_reply_participant_id", "checkin_reply", ["participant_id"])


def downgrade() -> None:
    for table in (
        "checkin_reply",
        "checkin_pair",
        "checkin_person",
        "checkin",
        "checkin_experiment",
        "checkin_project",
        "checkin_round",
        "checkin_settings",
    ):
        op.drop_table(table)
