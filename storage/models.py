"""SQLAlchemy models: the forum, its museums and people, and the bot's state.

Why ``person`` and ``participant`` are two tables: a person's 1:1 conversation
reference and language choice belong to the person (they may write to the bot
before the bot is in any team), while role, museum and being active belong to
their membership in one forum.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UtcDateTime, utcnow


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
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Helsinki")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


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

    person: Mapped[PersonRow] = relationship(lazy="joined")
    museum: Mapped[MuseumRow | None] = relationship(lazy="joined")


class BotStateRow(Base):
    """One document of botbuilder conversation/user state, with an e-tag."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(1024), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    etag: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
