"""What a check-in is, as the rest of the bot sees it: plain values and the errors.

Why the views are flat dataclasses: cards are built from them after the turn's commit,
outside any session, and a renderer at send time builds them from rows it just read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from forum.i18n import N_


class ExperimentStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    STUCK = "stuck"


STATUS_LABELS = {
    ExperimentStatus.NOT_STARTED: N_("checkin.status.not_started"),
    ExperimentStatus.IN_PROGRESS: N_("checkin.status.in_progress"),
    ExperimentStatus.DONE: N_("checkin.status.done"),
    ExperimentStatus.STUCK: N_("checkin.status.stuck"),
}

MAX_TEXT = 2000
"""Free text longer than this is refused beside its field (a minute's check-in, not an essay)."""
MAX_TITLE = 300


def parse_status(value: object) -> ExperimentStatus | None:
    try:
        return ExperimentStatus(str(value))
    except ValueError:
        return None


class CheckinError(Exception):
    """Base of the check-in wing's refusals."""


class NoRoundError(CheckinError):
    """No round is open and none is planned: nothing to answer to."""


class RoundNotFoundError(CheckinError):
    pass


class StaleExperimentError(CheckinError):
    """The card names an experiment that was removed (or belongs to another museum)."""


class NotMemberError(CheckinError):
    """The person is not an active member of the forum."""


class NoMuseumError(CheckinError):
    """The person has no museum and did not pick one."""


class UnknownMuseumError(CheckinError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class CheckinInvalidError(CheckinError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class RoundView:
    id: int
    forum_id: int
    meeting_id: int | None
    meeting_number: int | None
    opens_at: datetime
    closes_at: datetime
    opened_at: datetime | None
    manual: bool

    def is_open(self, now: datetime) -> bool:
        return self.opened_at is not None and self.opened_at <= now < self.closes_at


@dataclass(frozen=True)
class ExperimentView:
    id: int
    title: str
    status: ExperimentStatus


@dataclass(frozen=True)
class MuseumChoice:
    id: int
    name: str


@dataclass(frozen=True)
class CheckinView:
    id: int
    round_id: int
    museum: str | None
    author: str | None
    """None once the author asked to be forgotten (a shared check-in stays, anonymous)."""
    experiment: str | None
    status: ExperimentStatus | None
    nothing_to_report: bool
    tried: str
    learned: str
    help_wanted: str
    shared: bool
    late: bool
    answered_at: datetime
    experiment_id: int | None = None
    replies: tuple[tuple[str, str], ...] = ()
    """(museum, text) of the critical friends' replies."""


@dataclass(frozen=True)
class PromptView:
    """Everything the prompt card shows one person."""

    round: RoundView | None
    museum: str | None
    experiments: tuple[ExperimentView, ...]
    museums: tuple[MuseumChoice, ...] = ()
    """Offered when the person has no museum (their choice waits for a coordinator)."""
    pending_museum: str | None = None
    answer: CheckinView | None = None
    away_until: datetime | None = None


@dataclass(frozen=True)
class SaveOutcome:
    checkin: CheckinView
    round: RoundView
    late: bool
    """Answered on a round that had closed: saved in ``round`` (the next one, or the last)."""
    changed: bool
    newly_shared: bool
    friends_told: int = 0
    prompt: PromptView | None = None
    """The person's prompt as it is after the save (read in the same transaction)."""
    after_last_round: bool = False
    """Late, and no round follows: kept in the last round that closed (``round``), marked late."""


@dataclass(frozen=True)
class MuseumStanding:
    """One museum's line in the overview: per round, answered or not and how."""

    museum_id: int
    museum: str
    answered: tuple[bool, ...]
    """Per round in the overview, newest first."""
    statuses: tuple[ExperimentStatus, ...]
    stuck: bool
    days_since_last: int | None
    silent_rounds: int


@dataclass(frozen=True)
class RoundRate:
    round: RoundView
    answered_museums: int
    museums: int
    answered_people: int
    people: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered_museums / self.museums) if self.museums else 0


@dataclass(frozen=True)
class Overview:
    rounds: tuple[RoundRate, ...]
    museums: tuple[MuseumStanding, ...]
    generated_at: datetime


@dataclass(frozen=True)
class MuseumDigest:
    museum_id: int
    museum: str
    checkins: tuple[CheckinView, ...]
    """Shared ones only, newest first."""


@dataclass(frozen=True)
class Digest:
    meeting_id: int
    meeting_number: int
    starts_at: datetime
    museums: tuple[MuseumDigest, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ProjectView:
    museum_id: int
    museum: str
    goal: str
    audience: str
    impact: str
    experiments: tuple[ExperimentView, ...]
    may_edit: bool
