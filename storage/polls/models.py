"""The poll's tables: definitions, anonymous-by-design answers, and earlier rounds' figures.

Why answers carry no person, no timestamp and a random id: an anonymous poll must not be
linkable to anyone after it closes. While it is open, ``poll_response.voter_hash`` (an HMAC
of the person with the poll's own key, ``poll.voter_key``) lets a person change their answers
and keeps it to one answer each; closing deletes the key and every hash and rewrites the
answers in a random order with new random ids (``forum.polls.closing``), so neither a row's
position nor its id says when it was given. A named poll links a response to its
``participant_id`` instead, and says so on its card.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, TimestampMixin

RANDOM_ID_LENGTH = 32


def random_id() -> str:
    """A row id that says nothing about when or in which order the row was written."""
    return secrets.token_hex(RANDOM_ID_LENGTH // 2)


class PollRow(TimestampMixin, Base):
    __tablename__ = "poll"
    __table_args__ = (UniqueConstraint("forum_id", "number", name="uq_poll_forum_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict[str, Any]] = mapped_column()
    """The title by locale (``{"fi": …, "sv": …, "en": …}``)."""
    source: Mapped[str] = mapped_column(String(16), default="file")
    """``survey`` (the forum's own), ``file`` (a TOML poll file) or ``quick`` (``poll new``)."""
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    min_group: Mapped[int] = mapped_column(Integer, default=5)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    opens_at: Mapped[datetime | None] = mapped_column()
    closes_at: Mapped[datetime | None] = mapped_column()
    opened_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    card_key: Mapped[str | None] = mapped_column(String(255))
    """The outbox key of the channel card (its updates replace what it posted)."""
    voter_key: Mapped[str | None] = mapped_column(String(64))
    """The HMAC key of an open anonymous poll's voter hashes; NULL again once it closes."""


class PollQuestionRow(Base):
    __tablename__ = "poll_question"
    __table_args__ = (UniqueConstraint("poll_id", "position", name="uq_poll_question_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    """``scale``, ``choice`` or ``open``."""
    scale_min: Mapped[int | None] = mapped_column(Integer)
    scale_max: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[dict[str, Any]] = mapped_column()
    options: Mapped[dict[str, Any] | None] = mapped_column()
    """A choice question's options: ``{"items": [{"fi": …, "sv": …, "en": …}, …]}``."""
    statement_key: Mapped[str] = mapped_column(String(255), default="")
    """The Finnish text, normalised: how a later round finds the same statement."""


class PollResponseRow(Base):
    """One person's answers to one poll, without saying who (anonymous) or with it (named)."""

    __tablename__ = "poll_response"
    __table_args__ = (
        UniqueConstraint("poll_id", "voter_hash", name="uq_poll_response_voter"),
        UniqueConstraint("poll_id", "participant_id", name="uq_poll_response_participant"),
    )

    id: Mapped[str] = mapped_column(String(RANDOM_ID_LENGTH), primary_key=True, default=random_id)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    voter_hash: Mapped[str | None] = mapped_column(String(64))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))


class PollAnswerRow(Base):
    __tablename__ = "poll_answer"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id", name="uq_poll_answer_question"),
        Index("ix_poll_answer_question_value", "question_id", "value"),
        Index("ix_poll_answer_question_order", "question_id", "id"),
    )
    """The two indexes serve the results: counts per value straight from the index, and open
    answers in their (random) id order without a sort."""

    id: Mapped[str] = mapped_column(String(RANDOM_ID_LENGTH), primary_key=True, default=random_id)
    response_id: Mapped[str] = mapped_column(ForeignKey("poll_response.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("poll_question.id", ondelete="CASCADE"))
    value: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)


class PollBaselineRow(Base):
    """An earlier round's figure for one statement (imported: the 2018–2019 round exists only as a chart)."""

    __tablename__ = "poll_baseline"
    __table_args__ = (UniqueConstraint("forum_id", "label", "position", name="uq_poll_baseline_statement"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    statement: Mapped[str] = mapped_column(Text)
    statement_key: Mapped[str] = mapped_column(String(255))
    mean: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column()
