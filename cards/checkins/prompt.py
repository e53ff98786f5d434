"""The prompt card: a minute's check-in, with the person's last answer and *saved* on it.

Why errors under the fields: the bot checks what matters (an experiment chosen or named,
a status, the 2,000-character limit) and sends the same card back with what was typed and
each error right below its field; nothing is saved until all is well.
"""

from __future__ import annotations

from collections.abc import Mapping

from cards.checkins.actions import (
    FIELD_AWAY,
    FIELD_EXPERIMENT,
    FIELD_HELP,
    FIELD_LEARNED,
    FIELD_MUSEUM,
    FIELD_NEW_EXPERIMENT,
    FIELD_SHARED,
    FIELD_STATUS,
    FIELD_TRIED,
    ROUND_KEY,
    VERB_AWAY,
    VERB_NOTHING,
    VERB_SAVE,
    VERB_TYPE,
)
from cards.checkins.parts import round_title, status_label
from cards.elements import Element, adaptive_card, container, execute, heading, text
from forum.checkins.answers import NEW_EXPERIMENT, CheckinInput
from forum.checkins.model import MAX_TEXT, MAX_TITLE, STATUS_LABELS, ExperimentStatus, PromptView
from forum.i18n import format_day, format_when, tr


def _with_error(element: Element, field: str, errors: Mapping[str, str], locale: str) -> list[Element]:
    key = errors.get(field)
    if key is None:
        return [element]
    return [element, text(tr(locale, key), color="Attention", size="Small", spacing="None")]


def _text_input(field: str, label: str, value: str, *, multiline: bool = True, max_length: int = MAX_TEXT) -> Element:
    element: Element = {"type": "Input.Text", "id": field, "label": label, "isMultiline": multiline}
    element["maxLength"] = max_length
    if value:
        element["value"] = value
    return element


def _values(view: PromptView) -> CheckinInput:
    answer = view.answer
    if answer is None or answer.nothing_to_report:
        first = str(view.experiments[0].id) if view.experiments else NEW_EXPERIMENT
        return CheckinInput(experiment=first, status=ExperimentStatus.IN_PROGRESS.value)
    return CheckinInput(
        experiment=str(answer.experiment_id) if answer.experiment_id else NEW_EXPERIMENT,
        status=answer.status.value if answer.status else None,
        tried=answer.tried,
        learned=answer.learned,
        help_wanted=answer.help_wanted,
        shared=answer.shared,
    )


def prompt_card(
    view: PromptView,
    locale: str,
    time_zone: str,
    *,
    values: CheckinInput | None = None,
    errors: Mapping[str, str] | None = None,
    note: str | None = None,
    note_is_warning: bool = False,
    nudge: bool = False,
) -> Element:
    errors = errors or {}
    values = values or _values(view)
    body: list[Element] = [
        heading(tr(locale, "checkin.prompt.title")),
        text(round_title(view.round, locale, time_zone), is_subtle=True, spacing="None"),
    ]
    if nudge:
        body.append(text(tr(locale, "checkin.nudge.text")))
    else:
        body.append(text(tr(locale, "checkin.prompt.intro")))
    if note:
        body.append(text(note, color="Warning" if note_is_warning else "Good", weight="Bolder"))
    if view.answer is not None:
        saved = format_when(view.answer.answered_at, locale, time_zone)
        summary = (
            tr(locale, "checkin.nothing.saved_text")
            if view.answer.nothing_to_report
            else f"{view.answer.experiment or ''} · {status_label(view.answer.status, locale)}"
        )
        body.append(text(tr(locale, "checkin.prompt.last_answer", when=saved, summary=summary), is_subtle=True))
    if view.away_until is not None:
        body.append(text(tr(locale, "checkin.away.set", day=format_day(view.away_until, locale, time_zone))))
    inputs: list[Element] = []
    if view.museums:
        museum_input: Element = {
            "type": "Input.ChoiceSet",
            "id": FIELD_MUSEUM,
            "label": tr(locale, "checkin.field.museum"),
            "style": "compact",
            "choices": [{"title": m.name, "value": str(m.id)} for m in view.museums],
        }
        if values.museum_id is not None:
            museum_input["value"] = str(values.museum_id)
        inputs.extend(_with_error(museum_input, FIELD_MUSEUM, errors, locale))
        hint = (
            tr(locale, "checkin.museum.pending", museum=view.pending_museum)
            if view.pending_museum
            else tr(locale, "checkin.museum.pick")
        )
        inputs.append(text(hint, is_subtle=True, size="Small", spacing="None"))
    experiment_input: Element = {
        "type": "Input.ChoiceSet",
        "id": FIELD_EXPERIMENT,
        "label": tr(locale, "checkin.field.experiment"),
        "style": "compact",
        "choices": [{"title": e.title, "value": str(e.id)} for e in view.experiments]
        + [{"title": tr(locale, "checkin.experiment.new"), "value": NEW_EXPERIMENT}],
        "value": values.experiment or NEW_EXPERIMENT,
    }
    inputs.extend(_with_error(experiment_input, FIELD_EXPERIMENT, errors, locale))
    new_title = _text_input(
        FIELD_NEW_EXPERIMENT,
        tr(locale, "checkin.field.new_experiment"),
        values.new_experiment,
        multiline=False,
        max_length=MAX_TITLE,
    )
    inputs.extend(_with_error(new_title, FIELD_NEW_EXPERIMENT, errors, locale))
    status_input: Element = {
        "type": "Input.ChoiceSet",
        "id": FIELD_STATUS,
        "label": tr(locale, "checkin.field.status"),
        "style": "expanded",
        "choices": [{"title": tr(locale, label), "value": status.value} for status, label in STATUS_LABELS.items()],
    }
    if values.status:
        status_input["value"] = values.status
    inputs.extend(_with_error(status_input, FIELD_STATUS, errors, locale))
    for field, key, value in (
        (FIELD_TRIED, "checkin.field.tried", values.tried),
        (FIELD_LEARNED, "checkin.field.learned", values.learned),
        (FIELD_HELP, "checkin.field.help_optional", values.help_wanted),
    ):
        inputs.extend(_with_error(_text_input(field, tr(locale, key), value), field, errors, locale))
    inputs.append(
        {
            "type": "Input.Toggle",
            "id": FIELD_SHARED,
            "title": tr(locale, "checkin.field.shared"),
            "value": "true" if values.shared else "false",
            "valueOn": "true",
            "valueOff": "false",
        }
    )
    body.append(container(inputs, spacing="Medium"))
    round_data = {ROUND_KEY: view.round.id} if view.round is not None else {}
    away: Element = {"type": "Input.Date", "id": FIELD_AWAY, "label": tr(locale, "checkin.field.away")}
    body.append(
        container(
            [
                away,
                {
                    "type": "ActionSet",
                    "actions": [execute(tr(locale, "checkin.action.away"), VERB_AWAY, dict(round_data))],
                },
            ],
            spacing="Large",
        )
    )
    actions = [
        execute(tr(locale, "checkin.action.save"), VERB_SAVE, dict(round_data), style="positive"),
        execute(tr(locale, "checkin.action.nothing"), VERB_NOTHING, dict(round_data), with_inputs=False),
        execute(tr(locale, "checkin.action.type"), VERB_TYPE, dict(round_data), with_inputs=False),
    ]
    return adaptive_card(body, actions)


def no_round_card(locale: str) -> Element:
    return adaptive_card([heading(tr(locale, "checkin.prompt.title")), text(tr(locale, "checkin.round.none"))])
