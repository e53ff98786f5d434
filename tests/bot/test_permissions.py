"""The permission table: every command and every card button × who presses it.

Roles: a participant of the forum, a coordinator, someone outside the forum (same tenant, not
on the roster), and someone from another tenant. Each cell says what must happen:

* ``OK``: served (an answer, no failed turn);
* ``COORDINATORS``: the polite "coordinators only" sentence, nothing changed;
* ``REFUSED``: another clear answer (not the generic error), nothing changed;
* ``SILENT``: no answer and nothing changed (a card's background refresh);
* another tenant is always 403 before any turn, nothing changed.

The table is checked against the running bot's registries: a command or a card verb that
is registered but not listed here fails ``test_the_table_lists_every_command_and_button``,
so a new one cannot be forgotten (check-ins and polls: add your rows).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.components import BOT, DATABASE
from bot.delivery.context import DELIVERY
from forum.i18n import tr
from storage.models import MeetingRow, PersonRow
from storage.polls.models import PollRow
from tests.bot.meetings.helpers import future_day
from tests.support.activities import (
    KAISA,
    LIISA,
    MATTI,
    User,
    card_execute,
    card_submit,
    personal_message,
)
from tests.support.driver import Driver
from tests.support.fuzz import FOREIGN_TENANT, OUTSIDER
from tests.support.report import report
from tests.support.snapshot import TURN_BOOKKEEPING, database_snapshot
from tests.support.turns import FailedTurns, failed_turns
from tests.support.world import guarded_forum

__all__ = ["failed_turns", "guarded_forum"]

OK, COORDINATORS, REFUSED, SILENT = "ok", "coordinators only", "refused", "silent"
PARTICIPANT, COORDINATOR, OUTSIDE = "participant", "coordinator", "outsider"
ROLES: dict[str, User] = {PARTICIPANT: MATTI, COORDINATOR: KAISA, OUTSIDE: OUTSIDER}


def everyone() -> dict[str, str]:
    return {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: OK}


def coordinators() -> dict[str, str]:
    return {PARTICIPANT: COORDINATORS, COORDINATOR: OK, OUTSIDE: COORDINATORS}


# command name -> (argument, expectations by role)
COMMAND_TABLE: dict[str, tuple[str, dict[str, str]]] = {
    "help": ("", everyone()),
    "language": ("sv", everyone()),
    "privacy": ("", everyone()),
    "my_data": ("", everyone()),
    "forget_me": ("", everyone()),  # only shows the confirmation card
    "meetings": ("", {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED}),
    "rsvp_names": ("1", {PARTICIPANT: REFUSED, COORDINATOR: OK, OUTSIDE: REFUSED}),
    "coordinator_add": ("Erik", coordinators()),
    "forget_member": ("Erik", coordinators()),
    "status": ("", coordinators()),
    "meeting_add": ("", coordinators()),
    "meeting_edit": ("1", coordinators()),
    "meeting_cancel": ("1", coordinators()),
    "announce": ("1", coordinators()),
    # The polls wing (issue 12): poll 1 is the forum survey, a draft until a coordinator starts it.
    "polls": ("", {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED}),
    "poll_results": ("1", {PARTICIPANT: REFUSED, COORDINATOR: REFUSED, OUTSIDE: REFUSED}),  # not closed yet
    "poll_new": ('"Kysymys?" A / B', coordinators()),
    "poll_start": ("1", coordinators()),
    "poll_close": ("1", coordinators()),
    "poll_export": ("1", coordinators()),
    # The check-ins wing (issue 11): no round is open in this world, no museum is paired.
    "checkin": ("", {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED}),
    "checkin_open": ("", coordinators()),
    "checkin_settings": ("", coordinators()),
    "overview": ("", coordinators()),
    "mute": ("", {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED}),
    "pair": ("Museo A ja Museo B", coordinators()),
    "pairs_rotate": ("", coordinators()),
    "pairs": ("", {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED}),
    "project": ("", {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED}),
}


@dataclass(frozen=True)
class World:
    meeting_id: int
    other_person_id: int
    poll_id: int


# card verb -> (its data in a real card, expectations by role); destructive ones last
BUTTON_TABLE: dict[str, tuple[Callable[[World], dict[str, Any]], dict[str, str]]] = {
    # Members get their own view of the (draft) poll card; an outsider gets nothing or a no.
    "poll.refresh": (lambda w: {"pollId": w.poll_id}, {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: SILENT}),
    "poll.mine": (lambda w: {"pollId": w.poll_id}, {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: SILENT}),
    "poll.answer": (
        lambda w: {"pollId": w.poll_id, "q1": "3"},
        {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED},
    ),
    "poll.discard": (lambda w: {"pollId": w.poll_id}, coordinators()),
    # The preview's second Post (copies to everyone's 1:1 too): the richer path, same rule.
    "poll.post": (lambda w: {"pollId": w.poll_id, "personal": True}, coordinators()),
    # The check-ins wing (issue 11): buttons of a prompt, digest, reply and project card.
    "checkin.save": (lambda w: {"tried": "x"}, {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED}),
    "checkin.nothing": (lambda w: {}, {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED}),
    "checkin.away": (lambda w: {}, {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED}),
    "checkin.type": (lambda w: {}, {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED}),
    "checkin.digest_more": (lambda w: {}, {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED}),
    "checkin.reply": (lambda w: {"text": "x"}, {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED}),
    "checkin.project_save": (lambda w: {}, {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED}),
    "checkin.experiment_remove": (lambda w: {}, {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED}),
    "checkin.member_confirm": (
        lambda w: {"participantId": 1, "museumId": 1},
        {PARTICIPANT: COORDINATORS, COORDINATOR: OK, OUTSIDE: REFUSED},
    ),
    "meeting.rsvp": (
        lambda w: {"meetingId": w.meeting_id, "answer": "online"},
        {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: REFUSED},
    ),
    "meeting.refresh": (lambda w: {"meetingId": w.meeting_id}, {PARTICIPANT: OK, COORDINATOR: OK, OUTSIDE: SILENT}),
    "meeting.discard": (lambda w: {"meetingId": w.meeting_id}, everyone()),
    "meeting.form_close": (lambda w: {}, everyone()),
    "privacy.forget_cancel": (lambda w: {"personId": w.other_person_id}, everyone()),
    "meeting.edit": (lambda w: {"meetingId": w.meeting_id}, coordinators()),
    "meeting.post": (lambda w: {"meetingId": w.meeting_id}, coordinators()),
    "meeting.save": (
        lambda w: {
            "number": "7",
            "theme": "Uusi teema",
            "date": future_day(60).strftime("%Y-%m-%d"),
            "start": "10:00",
            "end": "12:00",
        },
        {PARTICIPANT: COORDINATORS, COORDINATOR: OK, OUTSIDE: REFUSED},  # no forum to save into
    ),
    "meeting.cancel_confirm": (lambda w: {"meetingId": w.meeting_id}, coordinators()),
    "privacy.forget_confirm": (lambda w: {"personId": w.other_person_id}, coordinators()),
}


@pytest.fixture
def forum(guarded_forum: Driver) -> Driver:
    return guarded_forum


async def _world(driver: Driver) -> World:
    await driver.send(personal_message(driver.service_url, KAISA, "kyselyt"))  # creates poll 1, the survey
    async with driver.client.app[DATABASE].sessions() as session:
        poll = await session.scalar(select(PollRow))
        meeting = await session.scalar(select(MeetingRow).where(MeetingRow.number == 1))
        liisa = await session.scalar(select(PersonRow).where(PersonRow.teams_user_id == LIISA.id))
    assert meeting is not None and liisa is not None and poll is not None
    return World(meeting.id, liisa.id, poll.id)


def _foreign(activity: dict[str, Any]) -> dict[str, Any]:
    activity["channelData"] = {"tenant": {"id": FOREIGN_TENANT}}
    activity["conversation"]["tenantId"] = FOREIGN_TENANT
    return activity


async def test_the_table_lists_every_command_and_button(driver: Driver) -> None:
    bot = driver.client.app[BOT].bot
    commands = {spec.name for spec in bot.understood_commands}
    assert commands - set(COMMAND_TABLE) == set(), "add these commands to COMMAND_TABLE (tests/bot/test_permissions.py)"
    assert set(COMMAND_TABLE) - commands == set(), "COMMAND_TABLE lists commands the bot no longer has"
    verbs = set(bot.card_actions.verbs)
    assert verbs - set(BUTTON_TABLE) == set(), "add these card verbs to BUTTON_TABLE (tests/bot/test_permissions.py)"
    assert set(BUTTON_TABLE) - verbs == set(), "BUTTON_TABLE lists verbs the bot no longer has"
    # The coordinator-only commands of the registry are exactly the ones the table refuses.
    marked = {spec.name for spec in bot.understood_commands if spec.coordinators_only}
    assert marked == {name for name, (_, cells) in COMMAND_TABLE.items() if cells[PARTICIPANT] == COORDINATORS}


class Checker:
    def __init__(self, driver: Driver, failed: FailedTurns) -> None:
        self.driver = driver
        self.failed = failed
        self.problems: list[str] = []
        self.refusals = 0

    async def _snapshot(self) -> Any:
        """The data once the previous press's after-effects (sends, card updates) have settled.

        A served press may leave work in flight (a delayed card update, an outbox send that a
        check-in or poll kicked); snapshotting in the middle of it would blame the next press.
        """
        sessions = self.driver.client.app[DATABASE].sessions
        await self.driver.client.app[DELIVERY].pump.settle()
        snapshot = await database_snapshot(sessions, skip=TURN_BOOKKEEPING)
        for _ in range(5):
            await asyncio.sleep(0.05)
            await self.driver.client.app[DELIVERY].pump.settle()
            again = await database_snapshot(sessions, skip=TURN_BOOKKEEPING)
            if again == snapshot:
                break
            snapshot = again
        return snapshot

    async def check(self, label: str, activity: dict[str, Any], expected: str) -> None:
        connector = self.driver.connector
        before = await self._snapshot()
        sent_before, updated_before, failed_before = len(connector.sent), len(connector.updated), len(self.failed)
        status, body = await self.driver.post(activity)
        replies = [record.text for record in connector.sent[sent_before:]]
        cards = [card for record in connector.sent[sent_before:] for card in record.cards]
        invoke_card = isinstance(body, dict) and body.get("type") == "application/vnd.microsoft.card.adaptive"
        invoke_error = isinstance(body, dict) and body.get("type") == "application/vnd.microsoft.error"
        changed = await self._snapshot() != before
        generic = tr("fi", "error.generic")
        if len(self.failed) > failed_before or any(text == generic for text in replies):
            self.problems.append(f"{label}: the turn failed ({self.failed.errors[-1:]})")
        if expected == "403":
            if status != 403 or replies or changed:
                self.problems.append(f"{label}: another tenant got {status}, replies {replies}, changed {changed}")
            else:
                self.refusals += 1
            return
        if status not in (200, 201):
            self.problems.append(f"{label}: HTTP {status}")
        answered = bool(replies or cards or invoke_card or invoke_error or len(connector.updated) > updated_before)
        if expected == OK:
            if not answered and not (isinstance(body, dict) and body.get("statusCode") == 200):
                self.problems.append(f"{label}: served but no answer")
            return
        if changed:
            self.problems.append(f"{label}: refused ({expected}) but the forum's data changed")
        if expected == COORDINATORS and tr("fi", "refused.coordinator_only") not in replies:
            self.problems.append(f"{label}: expected the coordinators-only sentence, got {replies} {body}")
        elif expected == REFUSED and not (replies or invoke_error):
            self.problems.append(f"{label}: expected a clear refusal, got nothing")
        elif expected == SILENT and (replies or cards or invoke_card):
            self.problems.append(f"{label}: expected silence, got {replies or cards or body}")
        self.refusals += 1


async def test_every_command_by_every_role(
    request: pytest.FixtureRequest, failed_turns: FailedTurns, forum: Driver
) -> None:
    checker = Checker(forum, failed_turns)
    await _world(forum)  # the survey is created on first listing: before, so that is no one's change
    aliases = {spec.name: spec.aliases[0] for spec in forum.client.app[BOT].bot.understood_commands}
    cases = 0
    for name, (argument, cells) in COMMAND_TABLE.items():
        text = f"{aliases[name]} {argument}".strip()
        for role, user in ROLES.items():
            # A served command may change things (language, a promotion): the refusals go first.
            if cells[role] != OK:
                await checker.check(f"{name} by {role}", personal_message(forum.service_url, user, text), cells[role])
                cases += 1
        await checker.check(
            f"{name} from another tenant", _foreign(personal_message(forum.service_url, MATTI, text)), "403"
        )
        cases += 1
    for name, (argument, cells) in COMMAND_TABLE.items():
        text = f"{aliases[name]} {argument}".strip()
        for role, user in ROLES.items():
            if cells[role] == OK:
                await checker.check(f"{name} by {role}", personal_message(forum.service_url, user, text), OK)
                cases += 1
    report(request, f"\npermission table, commands: {cases} cases, {checker.refusals} refused as the table says")
    assert checker.problems == [], "\n".join(checker.problems)


async def test_every_button_by_every_role(
    request: pytest.FixtureRequest, failed_turns: FailedTurns, forum: Driver
) -> None:
    checker = Checker(forum, failed_turns)
    world = await _world(forum)
    cases = 0
    for verb, (data_of, cells) in BUTTON_TABLE.items():
        data = {"verb": verb, **data_of(world)}
        for role, user in ROLES.items():
            if cells[role] == OK:
                continue
            await checker.check(
                f"{verb} (Execute) by {role}", card_execute(forum.service_url, user, verb, data), cells[role]
            )
            await checker.check(f"{verb} (Submit) by {role}", card_submit(forum.service_url, user, data), cells[role])
            cases += 2
        await checker.check(
            f"{verb} from another tenant", _foreign(card_execute(forum.service_url, MATTI, verb, data)), "403"
        )
        cases += 1
    for verb, (data_of, cells) in BUTTON_TABLE.items():
        data = {"verb": verb, **data_of(world)}
        for role, user in ROLES.items():
            if cells[role] == OK:
                await checker.check(f"{verb} by {role}", card_execute(forum.service_url, user, verb, data), OK)
                cases += 1
    report(request, f"\npermission table, buttons: {cases} cases, {checker.refusals} refused as the table says")
    assert checker.problems == [], "\n".join(checker.problems)
