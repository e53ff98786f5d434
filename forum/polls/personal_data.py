"""The poll wing's personal data: named answers, and an open anonymous poll's pseudonymous ones.

A named poll's response names its participant: exported, erased. An *open* anonymous poll's
response is found through the person's voter hash (the poll's key still exists): exported and
erased the same way, and the open poll's channel card is queued for an update so its "N
answered" count drops with the erased answer. Once an anonymous poll has closed, its answers are nobody's any more —
no key, no hash, no id, no time — so they cannot be found for anyone and stay in the results.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from forum.delivery.intents import enqueue_card_update
from forum.delivery.outbox import UnknownTargetError
from forum.i18n import N_
from forum.people.personal_data import Description, ExportSection, Line
from forum.polls.definition import text_in
from forum.polls.messages import PURPOSE_CARD_UPDATE
from forum.polls.model import load_poll
from forum.polls.voters import voter_hash
from storage.polls import repository as repo
from storage.polls.models import PollResponseRow

logger = logging.getLogger(__name__)


class PollsData:
    """Provider ``polls``."""

    name = "polls"
    erase_order = 0
    tables: Mapping[str, tuple[str, ...]] = {
        "poll_response": ("participant_id", "voter_hash"),
        "poll_answer": ("value", "text"),
    }
    description = Description(N_("privacy.polls.title"), N_("privacy.polls.goes"), N_("privacy.polls.stays"))

    async def _responses(self, session: AsyncSession, person_id: int) -> list[tuple[PollResponseRow, bool]]:
        found = [(response, False) for response, _ in await repo.named_responses_of_person(session, person_id)]
        for poll in await repo.open_anonymous_polls_of_person(session, person_id):
            assert poll.voter_key is not None
            response = await repo.response_of(session, poll.id, voter_hash=voter_hash(poll.voter_key, person_id))
            if response is not None:
                found.append((response, True))
        return found

    async def export(self, session: AsyncSession, person_id: int) -> ExportSection:
        entries = []
        lines = []
        for response, anonymous in await self._responses(session, person_id):
            poll = await load_poll(session, response.poll_id)
            answers = []
            for row in await repo.answers_of(session, response.id):
                question = poll.question(row.question_id)
                if question is None:
                    continue
                value: int | str | None = row.text if row.text is not None else row.value
                if row.value is not None and question.options:
                    value = question.label(row.value, "fi")
                answers.append({"question": text_in(question.text, "fi"), "answer": value})
            entries.append(
                {
                    "poll_number": poll.number,
                    "poll_title": text_in(poll.title, "fi"),
                    "anonymous": anonymous,
                    "answers": answers,
                }
            )
            key = N_("mydata.polls.anonymous") if anonymous else N_("mydata.polls.named")
            lines.append(
                Line(key, {"number": str(poll.number), "title": text_in(poll.title, "fi"), "count": str(len(answers))})
            )
        return ExportSection({"poll_answers": entries}, tuple(lines) or (Line(N_("mydata.polls.none")),))

    async def erase(self, session: AsyncSession, person_id: int) -> dict[str, int]:
        responses = [response for response, _ in await self._responses(session, person_id)]
        erased = await repo.delete_responses(session, [response.id for response in responses])
        for poll_id in sorted({response.poll_id for response in responses}):
            await _recount_card(session, poll_id)
        return {"poll_response": erased}


async def _recount_card(session: AsyncSession, poll_id: int) -> None:
    """An open poll's channel card shows how many answered: have it re-rendered with one less.

    The poll wing's own card-update intent (coalesced with the answers' updates), rendered at
    send time from the count then, so it never names who left. A closed poll's card shows no
    live count, and a card that reached nobody has nothing to update.
    """
    row = await repo.poll_by_id(session, poll_id)
    if row is None or row.status != "open" or not row.card_key:
        return
    try:
        await enqueue_card_update(session, card_key=row.card_key, purpose=PURPOSE_CARD_UPDATE)
    except UnknownTargetError:
        logger.info("poll %s: its card was never queued, no count to update", poll_id)
