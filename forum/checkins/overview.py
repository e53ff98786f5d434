"""The coordinators' overview: per museum and round, answered or not and how it goes.

Why sorted quiet-and-stuck first: the forum's own evaluation said development between
meetings was very uneven; the overview exists to make silence and being stuck visible
early, so those lines come first and a coordinator can reach out.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from forum.checkins.model import ExperimentStatus, MuseumStanding, Overview, RoundRate, parse_status
from forum.checkins.rounds import rounds_with_numbers
from storage import roster_repository as roster_repo
from storage.checkins import repository as repo

OVERVIEW_ROUNDS = 7
"""Rounds in the response-rate chart; the museum lines show the current and previous round."""


async def build_overview(session: AsyncSession, forum_id: int, now: datetime) -> Overview:
    rounds = [r for r in await rounds_with_numbers(session, forum_id) if r.opened_at is not None and r.opened_at <= now]
    rounds = rounds[-OVERVIEW_ROUNDS:][::-1]  # newest first
    museums = await roster_repo.museums_of(session, forum_id)
    participants = await roster_repo.participants_of(session, forum_id, active_only=True)
    rows = await repo.checkins_in_rounds(session, [r.id for r in rounds])
    by_round_museum: dict[int, set[int]] = defaultdict(set)
    by_round_people: dict[int, set[int]] = defaultdict(set)
    latest_status: dict[int, dict[int, ExperimentStatus]] = defaultdict(dict)
    for row in rows:
        if row.participant_id is not None:
            by_round_people[row.round_id].add(row.participant_id)
        if row.museum_id is None:
            continue
        by_round_museum[row.round_id].add(row.museum_id)
        status = parse_status(row.status) if row.status else None
        if status is not None and row.experiment_id is not None:
            latest_status[row.museum_id][row.experiment_id] = status
    last = await repo.last_checkin_by_museum(session, forum_id)
    rates = tuple(
        RoundRate(r, len(by_round_museum[r.id]), len(museums), len(by_round_people[r.id]), len(participants))
        for r in rounds
    )
    standings: list[MuseumStanding] = []
    for museum in museums:
        answered = tuple(museum.id in by_round_museum[r.id] for r in rounds[:2])
        silent = 0
        for r in rounds:
            if museum.id in by_round_museum[r.id]:
                break
            silent += 1
        statuses = tuple(latest_status[museum.id].values())
        moment = last.get(museum.id)
        standings.append(
            MuseumStanding(
                museum_id=museum.id,
                museum=museum.name,
                answered=answered,
                statuses=statuses,
                stuck=ExperimentStatus.STUCK in statuses,
                days_since_last=(now - moment).days if moment is not None else None,
                silent_rounds=silent,
            )
        )
    standings.sort(
        key=lambda s: (
            -s.silent_rounds,
            not s.stuck,
            -(s.days_since_last if s.days_since_last is not None else 10_000),
            s.museum.casefold(),
        )
    )
    return Overview(rates, tuple(standings), now)
