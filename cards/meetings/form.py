"""The form for adding or editing a meeting.

Why the errors are TextBlocks under the inputs: Adaptive Cards show an
input's ``errorMessage`` only for the client's own checks, while the rules
that matter (end after start, a known host museum, a web link, not in the
past) are checked by the bot. The form comes back with what was typed and
each error right below its field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cards.elements import Element, adaptive_card, container, execute, heading, text
from cards.meetings.actions import MEETING_KEY, VERB_FORM_CLOSE, VERB_SAVE
from forum.i18n import N_, tr
from forum.meetings.input import MeetingInput
from forum.meetings.model import (
    ERROR_DATE_MISSING,
    ERROR_THEME_MISSING,
    ERROR_TIME_MISSING,
    MAX_ADDRESS_LENGTH,
    MAX_MEETING_NUMBER,
    MAX_THEME_LENGTH,
    MAX_URL_LENGTH,
    MeetingField,
)
from forum.untrusted import parse_int

FIELD_LABELS: dict[MeetingField, str] = {
    MeetingField.NUMBER: N_("meeting.form.number"),
    MeetingField.THEME: N_("meeting.form.theme"),
    MeetingField.DESCRIPTION: N_("meeting.form.description"),
    MeetingField.DATE: N_("meeting.form.date"),
    MeetingField.START: N_("meeting.form.start"),
    MeetingField.END_DATE: N_("meeting.form.end_date"),
    MeetingField.END: N_("meeting.form.end"),
    MeetingField.HOST: N_("meeting.form.host"),
    MeetingField.ADDRESS: N_("meeting.form.address"),
    MeetingField.JOIN_URL: N_("meeting.form.join_url"),
    MeetingField.RSVP_DATE: N_("meeting.form.rsvp_date"),
    MeetingField.RSVP_TIME: N_("meeting.form.rsvp_time"),
}


def _input(kind: str, field: MeetingField, locale: str, value: str, **extra: object) -> Element:
    element: Element = {"type": kind, "id": field.value, "label": tr(locale, FIELD_LABELS[field])}
    if value:
        element["value"] = value
    element.update(extra)
    return element


def _with_error(element: Element, field: MeetingField, errors: Mapping[str, str], locale: str) -> list[Element]:
    key = errors.get(field.value)
    if key is None:
        return [element]
    return [element, text(tr(locale, key), color="Attention", size="Small", spacing="None")]


def _number_input(values: MeetingInput, locale: str) -> Element:
    element: Element = {
        "type": "Input.Number",
        "id": MeetingField.NUMBER.value,
        "label": tr(locale, FIELD_LABELS[MeetingField.NUMBER]),
        "min": 1,
        "isRequired": True,
        "errorMessage": tr(locale, "meeting.error.number_invalid"),
    }
    number = parse_int(values.number, minimum=1, maximum=MAX_MEETING_NUMBER)
    if number is not None:
        element["value"] = number
    return element


def _host_input(values: MeetingInput, museums: Sequence[str], locale: str) -> Element:
    return _input(
        "Input.ChoiceSet",
        MeetingField.HOST,
        locale,
        values.host if values.host in museums else "",
        choices=[{"title": name, "value": name} for name in museums],
        style="compact",
        placeholder=tr(locale, "meeting.form.host_placeholder"),
    )


def meeting_form_card(
    values: MeetingInput,
    *,
    museums: Sequence[str],
    errors: Mapping[str, str],
    locale: str,
    time_zone: str,
) -> Element:
    """The add form (``values.meeting_id`` None) or the edit form of one meeting."""
    editing = values.meeting_id is not None
    title = (
        tr(locale, "meeting.form.title_edit", number=values.number) if editing else tr(locale, "meeting.form.title_add")
    )
    body: list[Element] = [heading(title)]
    if errors:
        body.append(container([text(tr(locale, "meeting.form.has_errors"), color="Attention", weight="Bolder")]))
    fields: list[Element] = []
    if not editing:
        fields += _with_error(_number_input(values, locale), MeetingField.NUMBER, errors, locale)
    required = {"isRequired": True}
    fields += _with_error(
        _input(
            "Input.Text",
            MeetingField.THEME,
            locale,
            values.theme,
            maxLength=MAX_THEME_LENGTH,
            errorMessage=tr(locale, ERROR_THEME_MISSING),
            **required,
        ),
        MeetingField.THEME,
        errors,
        locale,
    )
    fields += _with_error(
        _input("Input.Text", MeetingField.DESCRIPTION, locale, values.description, isMultiline=True),
        MeetingField.DESCRIPTION,
        errors,
        locale,
    )
    fields += _with_error(
        _input(
            "Input.Date",
            MeetingField.DATE,
            locale,
            values.date,
            errorMessage=tr(locale, ERROR_DATE_MISSING),
            **required,
        ),
        MeetingField.DATE,
        errors,
        locale,
    )
    for field in (MeetingField.START, MeetingField.END):
        value = values.start if field is MeetingField.START else values.end
        fields += _with_error(
            _input("Input.Time", field, locale, value, errorMessage=tr(locale, ERROR_TIME_MISSING), **required),
            field,
            errors,
            locale,
        )
    fields += _with_error(
        _input(
            "Input.Date",
            MeetingField.END_DATE,
            locale,
            values.end_date,
            placeholder=tr(locale, "meeting.form.end_date_hint"),
        ),
        MeetingField.END_DATE,
        errors,
        locale,
    )
    fields += _with_error(_host_input(values, museums, locale), MeetingField.HOST, errors, locale)
    if not museums:
        fields.append(text(tr(locale, "meeting.form.no_museums"), is_subtle=True, size="Small", spacing="None"))
    fields += _with_error(
        _input("Input.Text", MeetingField.ADDRESS, locale, values.address, maxLength=MAX_ADDRESS_LENGTH),
        MeetingField.ADDRESS,
        errors,
        locale,
    )
    fields += _with_error(
        _input(
            "Input.Text",
            MeetingField.JOIN_URL,
            locale,
            values.join_url,
            style="Url",
            maxLength=MAX_URL_LENGTH,
            placeholder="https://teams.microsoft.com/…",
        ),
        MeetingField.JOIN_URL,
        errors,
        locale,
    )
    fields += _with_error(
        _input("Input.Date", MeetingField.RSVP_DATE, locale, values.rsvp_date), MeetingField.RSVP_DATE, errors, locale
    )
    fields += _with_error(
        _input("Input.Time", MeetingField.RSVP_TIME, locale, values.rsvp_time, placeholder="16:00"),
        MeetingField.RSVP_TIME,
        errors,
        locale,
    )
    body.append(container(fields, spacing="Medium"))
    body.append(text(tr(locale, "meeting.form.time_zone_hint", zone=time_zone), is_subtle=True, size="Small"))

    reference: dict[str, object] = {}
    if editing:
        reference = {MEETING_KEY: values.meeting_id, MeetingField.NUMBER.value: values.number}
    actions = [
        execute(tr(locale, "meeting.form.save"), VERB_SAVE, reference, style="positive"),
        execute(tr(locale, "meeting.form.cancel"), VERB_FORM_CLOSE, dict(reference), with_inputs=False),
    ]
    return adaptive_card(body, actions)
