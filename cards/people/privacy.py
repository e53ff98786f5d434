"""The privacy cards: the short notice, "my data", and "forget me" with its confirmation.

Why the forget-me card lists every provider's "goes" and "stays": the person must know
before confirming what is erased and what remains (a check-in shared with the forum stays
as "a participant of MUSEUM"); the texts come from the wings that hold the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cards.elements import Element, adaptive_card, container, execute, heading, id_in, open_url, text
from forum.i18n import N_, format_day, tr
from forum.people.personal_data import Description, Line, PersonalDataExport

VERB_FORGET_CONFIRM = "privacy.forget_confirm"
VERB_FORGET_CANCEL = "privacy.forget_cancel"
PERSON_KEY = "personId"
PRIVACY_VERBS = (VERB_FORGET_CONFIRM, VERB_FORGET_CANCEL)


NOTICE_PARAGRAPHS = (
    N_("privacy.what"),
    N_("privacy.why"),
    N_("privacy.who"),
    N_("privacy.where"),
    N_("privacy.how_long"),
    N_("privacy.rights"),
)


def privacy_card(locale: str, notice_url: str, contact: str, *, leaver_days: int, forum_months: int) -> Element:
    body: list[Element] = [heading(tr(locale, "privacy.title"))]
    for key in NOTICE_PARAGRAPHS:
        body.append(text(tr(locale, key, days=leaver_days, months=forum_months)))
    body.append(text(tr(locale, "privacy.contact", contact=contact), is_subtle=True))
    return adaptive_card(body, [open_url(tr(locale, "privacy.full_notice"), notice_url)])


def _line(locale: str, line: Line) -> str:
    values = {**line.values, **{name: tr(locale, key) for name, key in line.translated.items()}}
    return tr(locale, line.key, **values)


def my_data_card(locale: str, export: PersonalDataExport, download_url: str, minutes: int) -> Element:
    body: list[Element] = [heading(tr(locale, "mydata.title")), text(tr(locale, "mydata.intro"))]
    for item in export.sections:
        items: list[Element] = [text(tr(locale, item.title_key), weight="Bolder", size="Medium")]
        items.extend(text(f"- {_line(locale, line)}", spacing="Small") for line in item.section.lines)
        body.append(container(items, spacing="Medium"))
    body.append(text(tr(locale, "mydata.anonymous"), is_subtle=True, spacing="Medium"))
    body.append(text(tr(locale, "mydata.download_hint", minutes=minutes), is_subtle=True))
    return adaptive_card(body, [open_url(tr(locale, "mydata.download"), download_url)])


def _descriptions(locale: str, descriptions: Sequence[Description]) -> list[Element]:
    items: list[Element] = []
    for description in descriptions:
        parts = [
            text(tr(locale, description.title_key), weight="Bolder"),
            text(tr(locale, "forget.goes", what=tr(locale, description.goes_key)), spacing="Small"),
        ]
        if description.stays_key:
            parts.append(text(tr(locale, "forget.stays", what=tr(locale, description.stays_key)), spacing="Small"))
        items.append(container(parts, spacing="Medium"))
    return items


def forget_confirm_card(
    locale: str, descriptions: Sequence[Description], person_id: int, *, name: str | None = None
) -> Element:
    """``name`` set: a coordinator erasing that member on their request."""
    question = tr(locale, "forget.question.member", name=name) if name else tr(locale, "forget.question.self")
    body: list[Element] = [
        heading(question),
        *_descriptions(locale, descriptions),
        text(tr(locale, "forget.record"), is_subtle=True, spacing="Medium"),
    ]
    if name is None:
        body.append(text(tr(locale, "forget.still_member"), is_subtle=True))
    data: dict[str, Any] = {PERSON_KEY: person_id}
    actions = [
        execute(tr(locale, "forget.confirm"), VERB_FORGET_CONFIRM, data, style="destructive"),
        execute(tr(locale, "forget.cancel"), VERB_FORGET_CANCEL, dict(data), with_inputs=False),
    ]
    return adaptive_card(body, actions)


def forget_done_card(locale: str, *, name: str | None = None) -> Element:
    if name:
        message, after = tr(locale, "forget.done.member", name=name), tr(locale, "forget.done.member_after")
    else:
        message, after = tr(locale, "forget.done.self"), tr(locale, "forget.done.after")
    return adaptive_card([text(message, weight="Bolder"), text(after, is_subtle=True)])


def forget_cancelled_card(locale: str) -> Element:
    return adaptive_card([text(tr(locale, "forget.cancelled"))])


def retention_notice(locale: str, forum_name: str, erase_at: datetime, time_zone: str) -> dict[str, Any]:
    """The 1:1 message a coordinator gets a month before a closed forum's people's data goes."""
    day = format_day(erase_at, locale, time_zone)
    return {"type": "message", "text": tr(locale, "retention.notice", forum=forum_name or "-", date=day)}


def person_id_of(data: dict[str, Any]) -> int | None:
    return id_in(data, PERSON_KEY)
