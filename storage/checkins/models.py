"""The check-ins wing's tables: projects, experiments, rounds, check-ins, pairs, replies.

Why ``checkin.participant_id`` may be NULL: when someone asks to be forgotten, a check-in
they shared with the forum stays as "a participant of MUSEUM" (the others sparred it and
replied to it); an unshared one goes. Why one row per (round, participant): a check-in is
edited until its round closes, and a double click or a card and a dialog at once must be
one record, which the unique constraint enforces on both databases.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, TimestampMixin
from storage.types import utcnow


class CheckinSettingsRow(Base):
    """A forum's own round rules; a forum without a row uses the defaults of ``forum.checkins``."""

    __tablename__ = "checkin_settings"

    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), primary_key=True)
    round_offsets: Mapped[list[str]] = mapped_column(JSON)
    """When each round between two meetings opens: ``"50%"`` of the gap, ``"7d"`` before the next."""
    nudge_after_days: Mapped[int] = mapped_column(Integer, default=3)
    max_nudges: Mapped[int] = mapped_column(Integer, default=2)
    skip_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    blocked_months: Mapped[list[int]] = mapped_column(JSON)
    pair_rotation: Mapped[int] = mapped_column(Integer, default=0)
    """How many times ``pairs rotate`` has turned the critical-friend pairs."""


class CheckinRoundRow(TimestampMixin, Base):
    """One round: prompts go when it opens, answers are edited until it closes."""

    __tablename__ = "checkin_round"
    __table_args__ = (UniqueConstraint("forum_id", "key", name="uq_checkin_round_forum_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    """``meeting:<id>:<n>`` for the n-th round before a meeting, ``manual:<stamp>`` for one opened by hand."""
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"))
    opens_at: Mapped[datetime] = mapped_column()
    closes_at: Mapped[datetime] = mapped_column()
    opened_at: Mapped[datetime | None] = mapped_column()
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)


class ProjectRow(TimestampMixin, Base):
    """A museum's development project in the forum: goal, for whom, the museum's impact goal."""

    __tablename__ = "checkin_project"
    __table_args__ = (UniqueConstraint("museum_id", name="uq_checkin_project_museum"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    museum_id: Mapped[int] = mapped_column(ForeignKey("museum.id", ondelete="CASCADE"))
    goal: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[str] = mapped_column(Text, default="")
    updated_by_participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))


class ExperimentRow(TimestampMixin, Base):
    """One experiment (*kokeilu*) under a museum's project."""

    __tablename__ = "checkin_experiment"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("checkin_project.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="not_started")
    removed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by_participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))


class CheckinRow(Base):
    """One person's answer in one round."""

    __tablename__ = "checkin"
    __table_args__ = (UniqueConstraint("round_id", "participant_id", name="uq_checkin_round_participant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("checkin_round.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    museum_id: Mapped[int | None] = mapped_column(ForeignKey("museum.id", ondelete="SET NULL"), index=True)
    experiment_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_experiment.id", ondelete="SET NULL"))
    nothing_to_report: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str | None] = mapped_column(String(16))
    tried: Mapped[str] = mapped_column(Text, default="")
    learned: Mapped[str] = mapped_column(Text, default="")
    help_wanted: Mapped[str] = mapped_column(Text, default="")
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    """Answered on a prompt of a round that had closed: kept in the next round."""
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckinPersonRow(Base):
    """A participant's check-in preferences: muted nudges, away until, a museum they asked for."""

    __tablename__ = "checkin_person"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True)
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    away_until: Mapped[datetime | None] = mapped_column()
    pending_museum_id: Mapped[int | None] = mapped_column(ForeignKey("museum.id", ondelete="SET NULL"))
    """Picked on a first check-in; a coordinator confirms it (membership opens unshared check-ins)."""


class CheckinPairRow(Base):
    """A museum's critical friend in the forum (both directions are rows)."""

    __tablename__ = "checkin_pair"
    __table_args__ = (UniqueConstraint("museum_id", name="uq_checkin_pair_museum"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    museum_id: Mapped[int] = mapped_column(ForeignKey("museum.id", ondelete="CASCADE"))
    friend_museum_id: Mapped[int] = mapped_column(ForeignKey("museum.id", ondelete="CASCADE"))


class CheckinReplyRow(Base):
    """A critical friend's reply to a shared check-in, kept with it."""

    __tablename__ = "checkin_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkin.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"), index=True)
    museum_id: Mapped[int | None] = mapped_column(ForeignKey("museum.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
