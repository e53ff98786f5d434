"""Check-in commands in Finnish, Swedish and English; wired by ``bot/checkins/context.py``.

``kuulumiset`` / ``läget`` / ``checkin`` answers with the prompt card (``… teksti`` /
``… text`` starts the typed dialog; ``… MUSEO`` shows that museum's history);
coordinators open a round now (``kuulumiset avaa``), see the overview and pair museums.
"""

from __future__ import annotations

import logging
import re

from botbuilder.core import TurnContext

from bot.checkins.replies import CheckinReplies
from bot.commands import CommandSpec
from bot.turn import TurnInfo, send_card
from cards.checkins.actions import clean_text
from cards.checkins.history import history_card
from cards.checkins.overview import overview_card
from cards.checkins.projects import project_card
from cards.checkins.prompt import no_round_card, prompt_card
from cards.help import CommandHelp
from forum.checkins.calendar import RoundPolicy
from forum.checkins.model import NoMuseumError, NotMemberError, UnknownMuseumError
from forum.i18n import N_, format_day, tr

logger = logging.getLogger(__name__)

MAX_ARGUMENT = 300
"""Longer than any museum name: the rest of a pasted text is not a name."""
TYPE_WORDS = frozenset({"teksti", "kirjoittamalla", "chat", "text", "typing", "skriv", "skriva"})
OFF_WORDS = frozenset({"pois", "off", "av", "ei", "no", "nej"})
JULY = 7
PAIR_SEPARATORS = re.compile(r"\s+(?:ja|och|and|&|\+|/|-)\s+|\s*[,;/+&]\s*", re.IGNORECASE)


def _spec(name: str, aliases: tuple[str, ...], *, coordinators_only: bool = False) -> CommandSpec:
    key = f"checkin.command.{name}"
    return CommandSpec(
        name,
        aliases,
        CommandHelp(f"{key}.usage", f"{key}.summary", coordinators_only=coordinators_only),
        coordinators_only=coordinators_only,
    )


CHECKIN_COMMANDS: tuple[CommandSpec, ...] = (
    _spec("checkin", ("kuulumiset", "checkin", "check-in", "check in", "läget", "laget", "incheckning")),
    _spec(
        "checkin_open",
        (
            "kuulumiset avaa",
            "avaa kuulumiset",
            "checkin open",
            "check-in open",
            "open checkin",
            "läget öppna",
            "laget oppna",
            "incheckning öppna",
            "incheckning oppna",
        ),
        coordinators_only=True,
    ),
    _spec(
        "checkin_settings",
        (
            "kuulumiset asetukset",
            "kuulumisten asetukset",
            "checkin settings",
            "check-in settings",
            "läget inställningar",
            "laget installningar",
            "incheckning inställningar",
            "incheckning installningar",
        ),
        coordinators_only=True,
    ),
    _spec("overview", ("yhteenveto", "overview", "översikt", "oversikt"), coordinators_only=True),
    _spec("mute", ("mykistä", "mykista", "mute", "tysta", "tyst")),
    _spec("pair", ("pari", "pair", "par"), coordinators_only=True),
    _spec(
        "pairs_rotate",
        (
            "parit kierrätä",
            "parit kierrata",
            "kierrätä parit",
            "pairs rotate",
            "rotate pairs",
            "paren rotera",
            "par rotera",
        ),
        coordinators_only=True,
    ),
    _spec("pairs", ("parit", "pairs", "paren")),
    _spec("project", ("projekti", "projekt", "project")),
)


def split_pair(argument: str) -> tuple[str, str] | None:
    """``A ja B``, ``A + B``, ``A, B`` or (two one-word names) ``A B``."""
    parts = [p.strip() for p in PAIR_SEPARATORS.split(argument.strip()) if p.strip()]
    if len(parts) == 2:
        return parts[0], parts[1]
    words = argument.split()
    if len(words) == 2:
        return words[0], words[1]
    return None


def offset_text(offset: str, locale: str) -> str:
    """``"50%"`` → "50 % of the time between the meetings", ``"7d"`` → "7 days before the next meeting"."""
    value = offset.strip().lower()
    if value.endswith("%"):
        return tr(locale, "checkin.rules.offset_share", share=value[:-1])
    return tr(locale, "checkin.rules.offset_days", days=value[:-1])


def rules_text(policy: RoundPolicy, locale: str) -> str:
    """A few lines: the rounds between two meetings, the nudges, holidays and July, how to change them."""
    offsets = "; ".join(offset_text(offset, locale) for offset in policy.offsets)
    lines = [
        f"**{tr(locale, 'checkin.rules.title')}**",
        tr(locale, "checkin.rules.rounds", count=len(policy.offsets), offsets=offsets),
        tr(locale, "checkin.rules.nudges", days=policy.nudge_after_days, max=policy.max_nudges),
        tr(locale, N_("checkin.rules.holidays_skipped") if policy.skip_holidays else N_("checkin.rules.holidays_open")),
        tr(
            locale,
            N_("checkin.rules.july_skipped") if JULY in policy.blocked_months else N_("checkin.rules.july_open"),
        ),
        tr(locale, "checkin.rules.how_to_change"),
    ]
    return "\n\n".join(lines)


class CheckinCommands(CheckinReplies):
    async def _forum(self, turn_context: TurnContext, turn: TurnInfo) -> int | None:
        if turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "forum.none"))
        return turn.forum_id

    async def checkin(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        argument = clean_text(argument, MAX_ARGUMENT)
        forum_id = await self._forum(turn_context, turn)
        if forum_id is None:
            return
        word = argument.strip().lower()
        if word and word not in TYPE_WORDS:
            await self.history(turn_context, turn, forum_id, argument)
            return
        if not turn.is_personal:
            try:
                asked = await self.service.ask_privately(turn.actor, forum_id, turn_context.activity.id or "-")
            except NotMemberError:
                await turn_context.send_activity(tr(turn.locale, "checkin.not_member"))
                return
            if asked:
                self.kick()
            await turn_context.send_activity(
                tr(turn.locale, N_("checkin.sent_privately") if asked else N_("checkin.round.none"))
            )
            return
        try:
            view = await self.service.prompt(turn.actor, forum_id)
        except NotMemberError:
            await turn_context.send_activity(tr(turn.locale, "checkin.not_member"))
            return
        if view.round is None:
            await send_card(turn_context, no_round_card(turn.locale))
            return
        if word in TYPE_WORDS and self.parts.start_dialog is not None:
            await self.parts.start_dialog(turn_context, turn, view.round.id)
            return
        await send_card(turn_context, prompt_card(view, turn.locale, turn.time_zone))

    async def history(self, turn_context: TurnContext, turn: TurnInfo, forum_id: int, museum: str) -> None:
        try:
            name, checkins, everything = await self.service.history(turn.actor, forum_id, museum)
        except UnknownMuseumError:
            await turn_context.send_activity(tr(turn.locale, "checkin.museum.unknown", name=museum.strip()))
            return
        card = history_card(name, checkins, everything, turn.locale, turn.time_zone)
        if everything:
            await self.send_privately(turn_context, turn, card, purpose="checkin_history", summary=name)
        else:
            await send_card(turn_context, card)

    async def open_round(self, turn_context: TurnContext, turn: TurnInfo, _argument: str) -> None:
        forum_id = await self._forum(turn_context, turn)
        if forum_id is None:
            return
        round_view, opened = await self.service.open_now(turn.actor, forum_id)
        closes = format_day(round_view.closes_at, turn.locale, turn.time_zone)
        if opened:
            self.kick()
            await turn_context.send_activity(tr(turn.locale, "checkin.open.done", closes=closes))
        else:
            await turn_context.send_activity(tr(turn.locale, "checkin.open.already", closes=closes))

    async def settings(self, turn_context: TurnContext, turn: TurnInfo, _argument: str) -> None:
        """The forum's round rules in words, so coordinators can check what the file set."""
        forum_id = await self._forum(turn_context, turn)
        if forum_id is None:
            return
        await turn_context.send_activity(rules_text(await self.service.rules(turn.actor, forum_id), turn.locale))

    async def overview(self, turn_context: TurnContext, turn: TurnInfo, _argument: str) -> None:
        forum_id = await self._forum(turn_context, turn)
        if forum_id is None:
            return
        card = overview_card(await self.service.overview(turn.actor, forum_id), turn.locale, turn.time_zone)
        await self.send_privately(
            turn_context, turn, card, purpose="checkin_overview", summary=tr(turn.locale, "checkin.overview.title")
        )

    async def mute(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        forum_id = await self._forum(turn_context, turn)
        if forum_id is None:
            return
        muted = argument.strip().lower() not in OFF_WORDS
        try:
            await self.service.mute(turn.actor, forum_id, muted)
        except NotMemberError:
            await turn_context.send_activity(tr(turn.locale, "checkin.not_member"))
            return
        await turn_context.send_activity(tr(turn.locale, N_("checkin.mute.on") if muted else N_("checkin.mute.off")))

    async def pair(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        argument = clean_text(argument, MAX_ARGUMENT)
        forum_id = await self._forum(turn_context, turn)
        if forum_id is None:
            return
        names = split_pair(argument)
        if names is None:
            await turn_context.send_activity(tr(turn.locale, "checkin.pair.usage_hint"))
            return
        try:
            first, second = await self.service.pair(turn.actor, forum_id, *names)
        except UnknownMuseumError as exc:
            await turn_context.send_activity(tr(turn.locale, "checkin.museum.unknown", name=exc.name))
            return
        await turn_context.send_activity(tr(turn.locale, "checkin.pair.done", first=first, second=second))

    async def rotate(self, turn_context: TurnContext, turn: TurnInfo, _argument: str) -> None:
        forum_id = await self._forum(turn_context, turn)
        if forum_id is None:
            return
        pairs = await self.service.rotate(turn.actor, forum_id)
        await turn_context.send_activity(self._pairs_text(turn, pairs))

    async def pairs(self, turn_context: TurnContext, turn: TurnInfo, _argument: str) -> None:
        forum_id = await self._forum(turn_context, turn)
        if forum_id is None:
            return
        await turn_context.send_activity(self._pairs_text(turn, await self.service.pairs(forum_id)))

    @staticmethod
    def _pairs_text(turn: TurnInfo, pairs: list[tuple[str, str]]) -> str:
        if not pairs:
            return tr(turn.locale, "checkin.pairs.none")
        lines = "\n\n".join(f"{a} → {b}" for a, b in pairs)
        return f"{tr(turn.locale, 'checkin.pairs.title')}\n\n{lines}"

    async def project(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        argument = clean_text(argument, MAX_ARGUMENT)
        forum_id = await self._forum(turn_context, turn)
        if forum_id is None:
            return
        try:
            view = await self.service.project(turn.actor, forum_id, argument.strip() or None)
        except NoMuseumError:
            await turn_context.send_activity(tr(turn.locale, "checkin.project.no_museum"))
            return
        except UnknownMuseumError:
            await turn_context.send_activity(tr(turn.locale, "checkin.museum.unknown", name=argument.strip()))
            return
        card = project_card(view, turn.locale)
        if view.may_edit:
            await self.send_privately(turn_context, turn, card, purpose="checkin_project", summary=view.museum)
        else:
            await send_card(turn_context, card)
