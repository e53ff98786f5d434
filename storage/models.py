"""SQLAlchemy models: the forum, its museums and people, and the bot's state.

Why ``person`` and ``participant`` are two tables: a person's 1:1 conversation
reference and language choice belong to the person (they may write to the bot
before the bot is in any team), while role, museum and being active belong to
their membership in one forum.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UtcDateTime, utcnow


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ForumRow(TimestampMixin, Base):
    """A Teams team the bot is installed in."""

    __tablename__ = "forum"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(255), unique=True)
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255), default="")
    service_url: Mapped[str] = mapped_column(String(512), default="")
    channel_reference: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    locale: Mapped[str] = mapped_column(String(8), default="fi")
    locale_known: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """False while ``locale`` is only the default: the event that registered the forum did not
    say its language (Teams' conversationUpdate never does); the next install event that says
    it sets it."""
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Helsinki")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column()
    """When the bot was removed from the team: with the last meeting, starts the forum's
    retention period (``FORUM_RETENTION_MONTHS``)."""
    reminder_offsets_hours: Mapped[list[int]] = mapped_column(JSON, default=lambda: [168, 24])
    quiet_hours: Mapped[str | None] = mapped_column(String(16))
    """``"20:00-08:00"`` (quiet from, until) or ``"none"``; NULL: the process default."""
    quiet_weekends: Mapped[bool | None] = mapped_column(Boolean)
    """Whether Saturdays and Sundays are quiet all day; NULL: the process default."""


class MuseumRow(TimestampMixin, Base):
    __tablename__ = "museum"
    __table_args__ = (UniqueConstraint("forum_id", "name", name="uq_museum_forum_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))


class PersonRow(TimestampMixin, Base):
    """A Teams user as the bot knows them, across forums."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    teams_user_id: Mapped[str] = mapped_column(String(255), unique=True)
    aad_object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    preferred_locale: Mapped[str | None] = mapped_column(String(8))
    last_seen_locale: Mapped[str | None] = mapped_column(String(16))
    personal_reference: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    typed_dialog: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A typed check-in waits for this person's next 1:1 message (its state is in ``bot_state``);
    read with the person on every turn, so a turn without one never reads the dialog state."""


class ParticipantRow(TimestampMixin, Base):
    """A person's membership in one forum: role, museum, active."""

    __tablename__ = "participant"
    __table_args__ = (UniqueConstraint("forum_id", "person_id", name="uq_participant_forum_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    museum_id: Mapped[int | None] = mapped_column(ForeignKey("museum.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(16), default="participant")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    left_at: Mapped[datetime | None] = mapped_column(index=True)
    """When Teams said the person left the team; their data is erased
    ``LEAVER_RETENTION_DAYS`` later unless they rejoin (which clears it)."""

    person: Mapped[PersonRow] = relationship(lazy="joined")
    museum: Mapped[MuseumRow | None] = relationship(lazy="joined")


class BotStateRow(Base):
    """One document of botbuilder conversation/user state, with an e-tag."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(1024), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    etag: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MeetingRow(TimestampMixin, Base):
    """One meeting of the programme. ``revision`` grows with every edit, so an
    announcement card and its reminders always know which version they show."""

    __tablename__ = "meeting"
    __table_args__ = (
        UniqueConstraint("forum_id", "number", name="uq_meeting_forum_number"),
        UniqueConstraint("calendar_token", name="uq_meeting_calendar_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    theme: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    host_museum_id: Mapped[int | None] = mapped_column(ForeignKey("museum.id", ondelete="SET NULL"))
    venue_address: Mapped[str] = mapped_column(String(500), default="")
    join_url: Mapped[str | None] = mapped_column(String(2000))
    rsvp_deadline: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    announced_at: Mapped[datetime | None] = mapped_column()
    announcement_key: Mapped[str | None] = mapped_column(String(255))
    calendar_token: Mapped[str] = mapped_column(String(64), default=new_calendar_token)
    """Unguessable part of the meeting's .ics URL: the file holds the join link."""

    host_museum: Mapped[MuseumRow | None] = relationship(lazy="joined")


class RsvpRow(Base):
    """One person's answer for one meeting; changing one's mind updates this row."""

    __tablename__ = "rsvp"
    __table_args__ = (UniqueConstraint("meeting_id", "participant_id", name="uq_rsvp_meeting_participant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(16))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ScheduledJobRow(TimestampMixin, Base):
    """Timed work as data: a reminder, a nudge, a round, a poll closing.

    ``key`` is unique and derived from what the job is for (for example
    ``meeting:5:reminder:168h``), so re-deriving the schedule after an edit
    updates rows instead of adding them.
    """

    __tablename__ = "scheduled_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column()


class OutboxMessageRow(TimestampMixin, Base):
    """One proactive message (or an update of one), sent at most once.

    ``idempotency_key`` is unique: enqueueing the same purpose for the same
    recipient twice yields one row. ``target_key`` names the row whose posted
    activity an ``update`` replaces.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        # Every RSVP and vote asks a card's row for its waiting update and its update count
        # (``card_state``): without it, a scan of the whole outbox, which grows all programme long.
        Index("ix_outbox_message_target", "target_key", "operation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    purpose: Mapped[str] = mapped_column(String(64))
    forum_id: Mapped[int | None] = mapped_column(ForeignKey("forum.id", ondelete="SET NULL"), index=True)
    operation: Mapped[str] = mapped_column(String(16), default="send")
    conversation_reference: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    recipient_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    target_key: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """A ready activity (a reply built in the turn that asked for it); NULL for an intent."""
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """An intent's domain ids: the worker renders the activity from them at send time."""
    respect_quiet_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    expires_at: Mapped[datetime | None] = mapped_column()
    """Not sent after this moment (a reminder after its meeting's start): ``dropped``."""
    first_attempt_at: Mapped[datetime | None] = mapped_column()
    """When the first try failed: transient faults are retried for a time limit from here."""
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    locked_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    activity_id: Mapped[str | None] = mapped_column(String(255))
    conversation_id: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime | None] = mapped_column()


class ErasureRecordRow(Base):
    """That someone's personal data was erased: when, why and by whom; never whose.

    Why keep this at all: the operator is a public authority that must be able to show
    what it did with a request (Act 906/2019); the record names no one but the coordinator
    who acted on a request made by other means.
    """

    __tablename__ = "erasure_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(16))
    """``self`` (forget me), ``coordinator``, ``leaver`` or ``retention``."""
    by_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """How many rows each provider erased or kept anonymised, by provider and kind."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppSecretRow(Base):
    """A secret the bot generated for itself on first start (the link-signing key),
    so signed links stay valid across restarts and replicas without configuration."""

    __tablename__ = "app_secret"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundActivityRow(Base):
    """An activity from Teams already handled: Teams may deliver one twice.

    The key is a hash of the channel, conversation and activity id, so the table names
    no one; rows older than a day are pruned (Teams redelivers within seconds).
    """

    __tablename__ = "inbound_activity"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ReplicaHeartbeatRow(Base):
    """A running replica says it lives: the live ones split Teams' tenant budget."""

    __tablename__ = "replica_heartbeat"

    replica_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)


# The feature wings' tables join the metadata here, so every table is known wherever the models are.
from storage.checkins import models as _checkins_models  # noqa: E402,F401
