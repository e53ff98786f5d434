"""The typed check-in: a short ``botbuilder-dialogs`` waterfall for people who prefer typing.

Why a waterfall on the SQL storage: each answer is one turn, and the state between them
lives in the conversation state (``bot/sql_storage.py``), so a restart in the middle of a
check-in carries on where it was. It saves the same record as the card (``CheckinService``).

Why our own ``ChoiceFactoryOptions``: the SDK's choice prompts know no Finnish or Swedish
and fall back to English ("…, or 3. c"); the prompt's culture is set to the person's
language for the turn and each choice carries its words in all three languages, so "2",
"käynnissä", "pågår" and "in progress" all pick the same status.

``peru`` / ``avbryt`` / ``cancel`` and ``apua`` / ``hjälp`` / ``help`` interrupt it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from botbuilder.core import ConversationState, MessageFactory, TurnContext
from botbuilder.dialogs import (
    DialogSet,
    DialogTurnResult,
    DialogTurnStatus,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.choices import Choice, ChoiceFactoryOptions, FoundChoice, ListStyle
from botbuilder.dialogs.prompts import (
    ChoicePrompt,
    PromptOptions,
    PromptValidatorContext,
    TextPrompt,
)

from bot.turn import TurnInfo
from cards.checkins.actions import clean_text
from forum.checkins.answers import NEW_EXPERIMENT, CheckinInput
from forum.checkins.model import (
    MAX_TEXT,
    STATUS_LABELS,
    CheckinInvalidError,
    ExperimentStatus,
    NoMuseumError,
    NoRoundError,
    NotMemberError,
    StaleExperimentError,
)
from forum.checkins.service import CheckinService
from forum.i18n import format_day, tr

logger = logging.getLogger(__name__)

DIALOG_ID = "checkin"
CHOICE = "checkin.choice"
TEXT = "checkin.text"
TURN_KEY = "foorumibotti.checkin.turn"
NOTHING = "nothing"
SKIP_WORDS = frozenset({"-", "–", "ei", "ohita", "nej", "hoppa över", "no", "skip", "none"})
CANCEL_WORDS = frozenset({"peru", "peruuta", "lopeta", "avbryt", "sluta", "cancel", "stop", "quit"})
HELP_WORDS = frozenset({"apua", "ohje", "hjälp", "hjalp", "help", "?"})

CHOICE_DEFAULTS: dict[str, ChoiceFactoryOptions] = {
    "fi": ChoiceFactoryOptions(inline_separator=", ", inline_or=" tai ", inline_or_more=" tai ", include_numbers=True),
    "sv": ChoiceFactoryOptions(
        inline_separator=", ", inline_or=" eller ", inline_or_more=" eller ", include_numbers=True
    ),
    "en": ChoiceFactoryOptions(inline_separator=", ", inline_or=" or ", inline_or_more=", or ", include_numbers=True),
}
# The SDK maps "en" to its own culture "en-us", and falls back to "en-us" for a culture it has no
# options for: without this key a typed answer in English raised KeyError (fuzz case 657).
CHOICE_DEFAULTS["en-us"] = CHOICE_DEFAULTS["en"]

WORDS: dict[str, tuple[str, ...]] = {
    ExperimentStatus.NOT_STARTED.value: ("ei aloitettu", "aloittamatta", "inte påbörjad", "ej påbörjad", "not started"),
    ExperimentStatus.IN_PROGRESS.value: ("käynnissä", "kesken", "pågår", "pågående", "in progress", "ongoing"),
    ExperimentStatus.DONE.value: ("valmis", "tehty", "klar", "färdig", "done", "finished"),
    ExperimentStatus.STUCK.value: ("jumissa", "jumittaa", "fast", "står still", "stuck", "blocked"),
    "yes": ("kyllä", "joo", "jaa", "ja", "yes", "y", "k"),
    "no": ("ei", "en", "nej", "no", "n"),
    NEW_EXPERIMENT: ("uusi", "uusi kokeilu", "ny", "nytt", "nytt experiment", "new", "new experiment"),
    NOTHING: ("ei kerrottavaa", "ei mitään", "inget", "inget att rapportera", "nothing", "nothing to report"),
}


def _choice(value: str, title: str) -> Choice:
    return Choice(value=value, synonyms=[title, *WORDS.get(value, ())])


class CheckinDialog:
    """Starts and continues the typed check-in for one conversation."""

    def __init__(
        self,
        conversation_state: ConversationState,
        service: CheckinService,
        kick: Callable[[], None],
        mark_in_progress: Callable[[int, bool], Awaitable[None]],
    ) -> None:
        """``mark_in_progress(person_id, flag)`` keeps ``person.typed_dialog`` true while a
        check-in waits for the person's answer, so other turns skip the dialog state's read."""
        self._service = service
        self._kick = kick
        self._mark_in_progress = mark_in_progress
        self._state = conversation_state
        self._accessor = conversation_state.create_property("CheckinDialogState")
        self._dialogs = DialogSet(self._accessor)
        choice = ChoicePrompt(CHOICE, choice_defaults=CHOICE_DEFAULTS)
        choice.style = ListStyle.in_line
        self._dialogs.add(choice)
        self._dialogs.add(TextPrompt(TEXT, self._text_fits))
        self._dialogs.add(
            WaterfallDialog(
                DIALOG_ID,
                [
                    self._museum_step,
                    self._experiment_step,
                    self._title_step,
                    self._status_step,
                    self._tried_step,
                    self._learned_step,
                    self._help_step,
                    self._share_step,
                    self._save_step,
                ],
            )
        )

    # --- the edge ---------------------------------------------------------

    @staticmethod
    def _prepare(turn_context: TurnContext, turn: TurnInfo) -> None:
        turn_context.turn_state[TURN_KEY] = turn
        turn_context.activity.locale = turn.locale  # the prompts' culture: the person's language

    async def start(self, turn_context: TurnContext, turn: TurnInfo, round_id: int | None) -> None:
        self._prepare(turn_context, turn)
        context = await self._dialogs.create_context(turn_context)
        await context.cancel_all_dialogs()
        await context.begin_dialog(DIALOG_ID, {"round_id": round_id})
        await self._state.save_changes(turn_context)
        waiting = context.active_dialog is not None
        if waiting != turn.actor.person.typed_dialog:
            await self._mark_in_progress(turn.actor.person.id, waiting)

    async def intercept(self, turn_context: TurnContext, turn: TurnInfo, text: str) -> bool:
        """Continue a check-in in progress with this text; False when none is in progress."""
        if not turn.is_personal or not turn.actor.person.typed_dialog:
            return False  # nearly every turn: the dialog state is not even read
        stored = await self._accessor.get(turn_context)  # no default: nothing is written when absent
        if stored is None or not getattr(stored, "dialog_stack", None):
            await self._mark_in_progress(turn.actor.person.id, False)  # the state went (forget me)
            return False
        self._prepare(turn_context, turn)
        context = await self._dialogs.create_context(turn_context)
        if context.active_dialog is None:
            await self._mark_in_progress(turn.actor.person.id, False)
            return False
        word = text.strip().lower()
        if word in CANCEL_WORDS:
            await context.cancel_all_dialogs()
            await self._accessor.delete(turn_context)
            await self._mark_in_progress(turn.actor.person.id, False)
            await turn_context.send_activity(tr(turn.locale, "checkin.dialog.cancelled"))
            return True
        if word in HELP_WORDS:
            await turn_context.send_activity(tr(turn.locale, "checkin.dialog.help_hint"))
            await context.reprompt_dialog()
            return True
        result = await context.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            return False
        if context.active_dialog is None:
            await self._accessor.delete(turn_context)  # done: the conversation keeps no dialog state
            await self._mark_in_progress(turn.actor.person.id, False)
        return True

    # --- steps ---------------------------------------------------------------

    @staticmethod
    def _turn(step: WaterfallStepContext) -> TurnInfo:
        turn: TurnInfo = step.context.turn_state[TURN_KEY]
        return turn

    async def _ask(
        self, step: WaterfallStepContext, key: str, choices: list[Choice], **values: Any
    ) -> DialogTurnResult:
        locale = self._turn(step).locale
        return await step.prompt(
            CHOICE,
            PromptOptions(
                prompt=MessageFactory.text(tr(locale, key, **values)),
                retry_prompt=MessageFactory.text(tr(locale, "checkin.dialog.retry")),
                choices=choices,
            ),
        )

    async def _type(self, step: WaterfallStepContext, key: str) -> DialogTurnResult:
        locale = self._turn(step).locale
        return await step.prompt(
            TEXT,
            PromptOptions(
                prompt=MessageFactory.text(tr(locale, key)),
                retry_prompt=MessageFactory.text(tr(locale, "checkin.error.too_long")),
            ),
        )

    @staticmethod
    async def _text_fits(prompt: PromptValidatorContext) -> bool:
        value = prompt.recognized.value if prompt.recognized.succeeded else None
        return isinstance(value, str) and 0 < len(value) <= MAX_TEXT

    async def _museum_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        turn = self._turn(step)
        if turn.forum_id is None:
            await step.context.send_activity(tr(turn.locale, "forum.none"))
            return await step.end_dialog()
        options: dict[str, Any] = step.options or {}
        step.values["round_id"] = options.get("round_id")
        try:
            view = await self._service.prompt(turn.actor, turn.forum_id, options.get("round_id"))
        except NotMemberError:
            await step.context.send_activity(tr(turn.locale, "checkin.not_member"))
            return await step.end_dialog()
        if view.round is None:
            await step.context.send_activity(tr(turn.locale, "checkin.round.none"))
            return await step.end_dialog()
        step.values["round_id"] = view.round.id
        step.values["experiments"] = [[str(e.id), e.title] for e in view.experiments]
        await step.context.send_activity(
            tr(
                turn.locale,
                "checkin.dialog.intro",
                closes=format_day(view.round.closes_at, turn.locale, turn.time_zone),
            )
        )
        if not view.museums:
            return await step.next(None)
        step.values["museums"] = [[str(m.id), m.name] for m in view.museums]
        return await self._ask(step, "checkin.dialog.museum", [_choice(i, n) for i, n in step.values["museums"]])

    async def _experiment_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        if isinstance(step.result, FoundChoice):
            step.values["museum_id"] = int(step.result.value)
        locale = self._turn(step).locale
        choices = [_choice(i, title) for i, title in step.values.get("experiments", [])]
        choices.append(_choice(NEW_EXPERIMENT, tr(locale, "checkin.experiment.new")))
        choices.append(_choice(NOTHING, tr(locale, "checkin.action.nothing")))
        return await self._ask(step, "checkin.dialog.experiment", choices)

    async def _title_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        chosen = step.result.value if isinstance(step.result, FoundChoice) else NEW_EXPERIMENT
        step.values["experiment"] = chosen
        if chosen == NOTHING:
            return await self._finish(
                step,
                CheckinInput(
                    round_id=step.values.get("round_id"), nothing_to_report=True, museum_id=step.values.get("museum_id")
                ),
            )
        if chosen == NEW_EXPERIMENT:
            return await self._type(step, "checkin.dialog.title")
        return await step.next(None)

    async def _status_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        if isinstance(step.result, str):
            step.values["new_experiment"] = step.result
        locale = self._turn(step).locale
        choices = [_choice(status.value, tr(locale, label)) for status, label in STATUS_LABELS.items()]
        return await self._ask(step, "checkin.dialog.status", choices)

    async def _tried_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        step.values["status"] = step.result.value if isinstance(step.result, FoundChoice) else None
        return await self._type(step, "checkin.dialog.tried")

    async def _learned_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        step.values["tried"] = step.result
        return await self._type(step, "checkin.dialog.learned")

    async def _help_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        step.values["learned"] = step.result
        return await self._type(step, "checkin.dialog.help")

    async def _share_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        answer = str(step.result or "")
        step.values["help_wanted"] = "" if answer.strip().lower() in SKIP_WORDS else answer
        locale = self._turn(step).locale
        yes_no = [_choice("yes", tr(locale, "checkin.dialog.yes")), _choice("no", tr(locale, "checkin.dialog.no"))]
        return await self._ask(step, "checkin.dialog.share", yes_no)

    async def _save_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        shared = isinstance(step.result, FoundChoice) and step.result.value == "yes"
        values = step.values
        experiment = values.get("experiment")
        return await self._finish(
            step,
            CheckinInput(
                round_id=values.get("round_id"),
                experiment=experiment,
                new_experiment=str(values.get("new_experiment") or ""),
                status=values.get("status"),
                tried=str(values.get("tried") or ""),
                learned=str(values.get("learned") or ""),
                help_wanted=str(values.get("help_wanted") or ""),
                shared=shared,
                museum_id=values.get("museum_id"),
            ),
        )

    async def _finish(self, step: WaterfallStepContext, values: CheckinInput) -> DialogTurnResult:
        turn = self._turn(step)
        values = replace(
            values,
            new_experiment=clean_text(values.new_experiment),
            tried=clean_text(values.tried),
            learned=clean_text(values.learned),
            help_wanted=clean_text(values.help_wanted),
        )
        if turn.forum_id is None:  # removed from the forum's team while the dialog ran
            logger.info("typed check-in refused: no forum any more")
            await step.context.send_activity(tr(turn.locale, "checkin.not_member"))
            return await step.end_dialog()
        try:
            outcome = await self._service.save(turn.actor, turn.forum_id, values)
        except CheckinInvalidError as exc:
            await step.context.send_activity(tr(turn.locale, next(iter(exc.errors.values()))))
        except (NoMuseumError, StaleExperimentError, NoRoundError, NotMemberError) as exc:
            logger.info("typed check-in refused: %s", type(exc).__name__)
            await step.context.send_activity(tr(turn.locale, "checkin.dialog.failed"))
        else:
            key = "checkin.dialog.saved"
            if outcome.after_last_round:
                key = "checkin.saved_late_last"
            elif outcome.late:
                key = "checkin.dialog.saved_late"
            await step.context.send_activity(tr(turn.locale, key))
            self._kick()  # a shared answer may have queued the critical friends' messages
        return await step.end_dialog()
