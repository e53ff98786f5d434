"""Check-in cards wrapped as message activities for the outbox (the ``CheckinRenderer``)."""

from __future__ import annotations

from typing import Any

from cards.checkins.digest import digest_card
from cards.checkins.friend import friend_checkin_card, friend_reply_card, member_claim_card, silent_museum_card
from cards.checkins.prompt import prompt_card
from cards.elements import Element, attachment
from forum.checkins.model import CheckinView, Digest, PromptView
from forum.i18n import tr


def card_message(card: Element, summary: str) -> dict[str, Any]:
    return {"type": "message", "summary": summary, "attachments": [attachment(card)]}


class CheckinCards:
    def prompt(self, view: PromptView, *, locale: str, time_zone: str) -> dict[str, Any]:
        return card_message(prompt_card(view, locale, time_zone), tr(locale, "checkin.prompt.summary"))

    def nudge(self, view: PromptView, *, locale: str, time_zone: str) -> dict[str, Any]:
        return card_message(prompt_card(view, locale, time_zone, nudge=True), tr(locale, "checkin.nudge.summary"))

    def silent_museum(self, museum: str, rounds: int, *, locale: str) -> dict[str, Any]:
        return card_message(silent_museum_card(museum, rounds, locale), tr(locale, "checkin.silent.title"))

    def digest(self, digest: Digest, *, locale: str, time_zone: str) -> dict[str, Any]:
        summary = tr(locale, "checkin.digest.title", number=digest.meeting_number)
        return card_message(digest_card(digest, locale, time_zone), summary)

    def friend_checkin(self, checkin: CheckinView, *, locale: str, time_zone: str) -> dict[str, Any]:
        summary = tr(locale, "checkin.friend.title", museum=checkin.museum or "")
        return card_message(friend_checkin_card(checkin, locale, time_zone), summary)

    def friend_reply(self, checkin: CheckinView, museum: str, text: str, *, locale: str) -> dict[str, Any]:
        return card_message(
            friend_reply_card(checkin, museum, text, locale), tr(locale, "checkin.reply.title", museum=museum)
        )

    def member_claim(
        self, person: str, museum: str, participant_id: int, museum_id: int, *, locale: str
    ) -> dict[str, Any]:
        card = member_claim_card(person, museum, participant_id, museum_id, locale)
        return card_message(card, tr(locale, "checkin.claim.title"))
