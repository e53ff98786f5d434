"""Critical-friend pairs: a museum's shared check-ins go to its friend museum's people.

Why a round-robin rotation: ``pairs rotate`` gives every museum a new friend each time and,
over the forum's length, as many different friends as possible (the circle method); with an
odd number of museums the one left over joins the last pair as a third friend.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from forum.checkins.model import UnknownMuseumError
from forum.checkins.rounds import settings_row
from storage import roster_repository as roster_repo
from storage.checkins import repository as repo
from storage.checkins.models import CheckinPairRow
from storage.models import MuseumRow

Pair = tuple[str, str]


async def museum_named(session: AsyncSession, forum_id: int, name: str) -> MuseumRow:
    """A museum by its name, or the only one it begins (``Tampere`` for Tampereen museot)."""
    exact = await roster_repo.museum_by_name(session, forum_id, name)
    if exact is not None:
        return exact
    wanted = name.strip().casefold()
    matches = [m for m in await roster_repo.museums_of(session, forum_id) if m.name.casefold().startswith(wanted)]
    if len(matches) != 1 or not wanted:
        raise UnknownMuseumError(name)
    return matches[0]


def _link(forum_id: int, a: int, b: int) -> list[CheckinPairRow]:
    return [
        CheckinPairRow(forum_id=forum_id, museum_id=a, friend_museum_id=b),
        CheckinPairRow(forum_id=forum_id, museum_id=b, friend_museum_id=a),
    ]


async def pair(session: AsyncSession, forum_id: int, first: str, second: str) -> Pair:
    a = await museum_named(session, forum_id, first)
    b = await museum_named(session, forum_id, second)
    if a.id == b.id:
        raise UnknownMuseumError(second)
    await repo.remove_pairs_of(session, [a.id, b.id])
    await session.flush()
    session.add_all(_link(forum_id, a.id, b.id))
    await session.flush()
    return a.name, b.name


def rotation_pairs(ids: list[int], turn: int) -> list[tuple[int, int]]:
    """The circle method's ``turn``-th round over ``ids`` (a bye joins the last pair)."""
    players: list[int | None] = list(ids) + ([None] if len(ids) % 2 else [])
    count = len(players)
    if count < 2:
        return []
    fixed, rest = players[0], players[1:]
    shift = turn % (count - 1)
    rest = rest[shift:] + rest[:shift]
    circle = [fixed, *rest]
    pairs: list[tuple[int, int]] = []
    left_over: int | None = None
    for index in range(count // 2):
        a, b = circle[index], circle[count - 1 - index]
        if a is None or b is None:
            left_over = a if b is None else b
            continue
        pairs.append((a, b))
    if left_over is not None and pairs:
        pairs.append((left_over, pairs[-1][0]))
    return pairs


async def rotate(session: AsyncSession, forum_id: int) -> list[Pair]:
    settings = await settings_row(session, forum_id)
    settings.pair_rotation = (settings.pair_rotation or 0) + 1
    museums = list(await roster_repo.museums_of(session, forum_id))
    names = {m.id: m.name for m in museums}
    await repo.clear_pairs(session, forum_id)
    await session.flush()
    result: list[Pair] = []
    seen: set[int] = set()
    for a, b in rotation_pairs([m.id for m in museums], settings.pair_rotation - 1):
        if b in seen:  # the left-over museum: its check-ins go to a museum of the last pair
            session.add(CheckinPairRow(forum_id=forum_id, museum_id=a, friend_museum_id=b))
        else:
            session.add_all(_link(forum_id, a, b))
        seen.update((a, b))
        result.append((names[a], names[b]))
    await session.flush()
    return result


async def current_pairs(session: AsyncSession, forum_id: int) -> list[Pair]:
    names = await repo.museums_by_id(session, forum_id)
    return [
        (names.get(p.museum_id, ""), names.get(p.friend_museum_id, "")) for p in await repo.pairs_of(session, forum_id)
    ]
