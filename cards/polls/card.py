"""The poll card: the shared one in the channel, each person's view of it, the preview, the list.

The channel card shows the questions and how many have answered, never the results. Its
``refresh`` has each person's Teams fetch their own view (their answers filled in, editable
until the poll closes); *Show my answers* does the same on request, in the answer to that
person's own invoke only. A closed poll's card says so and has no inputs or buttons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cards.elements import Element, adaptive_card, container, execute, heading, text
from cards.polls.actions import (
    PERSONAL_KEY,
    POLL_KEY,
    VERB_ANSWER,
    VERB_DISCARD,
    VERB_MINE,
    VERB_POST,
    input_id,
    refresh,
)
from forum.i18n import N_, format_when, tr
from forum.polls.definition import MAX_OPEN_ANSWER, QuestionKind, text_in
from forum.polls.model import Poll, Question

STATUS_KEYS = {"draft": N_("poll.status.draft"), "open": N_("poll.status.open"), "closed": N_("poll.status.closed")}
EXPORT_KEYS = {
    "results.csv": N_("poll.export.results_csv"),
    "answers.csv": N_("poll.export.answers_csv"),
    "report.xlsx": N_("poll.export.report_xlsx"),
}


@dataclass(frozen=True)
class PollCardView:
    respondents: int
    refresh_user_ids: list[str] | None = field(default_factory=list)
    """None: everyone's Teams refreshes; a list: those; empty: no refresh (a personal view)."""
    answers: Mapping[int, int | str] | None = None
    """A person's own answers (their view); None on the shared card."""
    errors: Mapping[int, str] = field(default_factory=dict)
    """Question id → message id of the error shown under it."""
    note: str | None = None
    note_is_warning: bool = False
    banner: str | None = None
    """A line above the title (the reminder's), shown while the poll is open."""
    now: datetime | None = None


def title_of(poll: Poll, locale: str) -> str:
    return text_in(poll.title, locale)


def _status_lines(poll: Poll, view: PollCardView, locale: str, time_zone: str) -> list[Element]:
    lines = [
        text(tr(locale, "poll.card.count", number=poll.number, count=view.respondents), is_subtle=True, spacing="None")
    ]
    if poll.is_closed:
        lines.append(container([text(tr(locale, "poll.card.closed"), weight="Bolder")], style="warning"))
        return lines
    privacy = tr(locale, "poll.card.anonymous") if poll.anonymous else tr(locale, "poll.card.named")
    lines.append(text(privacy, is_subtle=True, spacing="Small"))
    if poll.closes_at is not None:
        lines.append(
            text(tr(locale, "poll.card.closes", when=format_when(poll.closes_at, locale, time_zone)), spacing="Small")
        )
    return lines


def _scale_hint(question: Question, locale: str) -> str:
    low, high = question.scale or (0, 5)
    return tr(locale, "poll.scale.hint", low=low, high=high)


def _input(question: Question, value: int | str | None, label: str, locale: str) -> Element:
    element: Element
    if question.kind is QuestionKind.OPEN:
        element = {
            "type": "Input.Text",
            "id": input_id(question.id),
            "label": label,
            "isMultiline": True,
            "maxLength": MAX_OPEN_ANSWER,
            "placeholder": tr(locale, "poll.open.placeholder"),
        }
        if isinstance(value, str):
            element["value"] = value
        return element
    choices = [{"title": question.label(v, locale), "value": str(v)} for v in question.values]
    element = {
        "type": "Input.ChoiceSet",
        "id": input_id(question.id),
        "label": label,
        "style": "compact" if question.kind is QuestionKind.SCALE else "expanded",
        "choices": choices,
        "placeholder": tr(locale, "poll.choose"),
    }
    if isinstance(value, int):
        element["value"] = str(value)
    return element


def question_block(question: Question, view: PollCardView, locale: str, *, with_input: bool) -> Element:
    """The question, its scale's ends, and (on the answering card) its input, labelled with the question."""
    number = f"{question.position}.\u00a0" if question.kind is QuestionKind.SCALE else ""
    question_text = f"{number}{text_in(question.text, locale)}"
    items: list[Element] = []
    if not with_input:
        items.append(text(question_text, weight="Bolder"))
    if question.kind is QuestionKind.SCALE:
        items.append(text(_scale_hint(question, locale), is_subtle=True, spacing="None", size="Small"))
    if with_input:
        value = (view.answers or {}).get(question.id)
        items.insert(0, _input(question, value, question_text, locale))
        error = view.errors.get(question.id)
        if error:
            items.insert(1, text(tr(locale, error, limit=MAX_OPEN_ANSWER), color="Attention", spacing="None"))
    return container(items, spacing="Medium")


def poll_card(poll: Poll, view: PollCardView, locale: str, time_zone: str) -> Element:
    """The channel card (``view.answers`` None) or one person's view of it."""
    body: list[Element] = [heading(title_of(poll, locale)), *_status_lines(poll, view, locale, time_zone)]
    if view.banner and not poll.is_closed:
        body.insert(0, text(view.banner, weight="Bolder", color="Accent"))
    if poll.is_closed:
        if view.note:
            body.append(text(view.note, color="Attention" if view.note_is_warning else "Good", spacing="Medium"))
        return adaptive_card(body, full_width=True)
    if view.answers is not None:
        mine = tr(locale, "poll.mine.saved") if view.answers else tr(locale, "poll.mine.none")
        body.append(text(mine, weight="Bolder", spacing="Medium"))
    body.extend(question_block(q, view, locale, with_input=True) for q in poll.questions)
    if view.note:
        body.append(text(view.note, color="Attention" if view.note_is_warning else "Good", spacing="Medium"))
    data = {POLL_KEY: poll.id}
    actions = [
        execute(tr(locale, "poll.send"), VERB_ANSWER, data, style="positive"),
        execute(tr(locale, "poll.show_mine"), VERB_MINE, data, with_inputs=False),
    ]
    extra = {}
    if view.answers is None and view.refresh_user_ids != []:
        extra["refresh"] = refresh(poll.id, view.refresh_user_ids)
    return adaptive_card(body, actions, full_width=True, **extra)


def preview_card(poll: Poll, locale: str, time_zone: str, note: str | None = None, *, posted: bool = False) -> Element:
    """For the coordinator's 1:1: the questions as they will read, then *Post to channel*, *Post and
    send to everyone's chat* (a copy in each participant's 1:1 and one reminder) or *Cancel*."""
    body: list[Element] = [
        text(tr(locale, "poll.preview.title"), is_subtle=True),
        heading(title_of(poll, locale)),
        text(tr(locale, "poll.card.anonymous") if poll.anonymous else tr(locale, "poll.card.named"), is_subtle=True),
    ]
    if poll.closes_at is not None:
        body.append(text(tr(locale, "poll.card.closes", when=format_when(poll.closes_at, locale, time_zone))))
    view = PollCardView(respondents=0)
    body.extend(question_block(q, view, locale, with_input=False) for q in poll.questions)
    if note:
        body.append(text(note, color="Good", spacing="Medium"))
    if posted or poll.status.value != "draft":
        return adaptive_card(body)
    data = {POLL_KEY: poll.id}
    actions = [
        execute(tr(locale, "poll.preview.post"), VERB_POST, data, style="positive"),
        execute(tr(locale, "poll.preview.post_personal"), VERB_POST, {**data, PERSONAL_KEY: True}),
        execute(tr(locale, "poll.preview.discard"), VERB_DISCARD, data),
    ]
    return adaptive_card(body, actions)


def discarded_card(poll: Poll, locale: str) -> Element:
    return adaptive_card([heading(title_of(poll, locale)), text(tr(locale, "poll.preview.discarded"))])


def polls_list_card(polls: Sequence[Poll], counts: Mapping[int, int], locale: str, *, coordinator: bool) -> Element:
    body: list[Element] = [heading(tr(locale, "poll.list.title"))]
    shown = [p for p in polls if coordinator or p.status.value != "draft"]
    if not shown:
        body.append(text(tr(locale, "poll.list.none")))
    for poll in shown:
        status = tr(locale, STATUS_KEYS[poll.status.value])
        line = tr(locale, "poll.list.line", number=poll.number, title=title_of(poll, locale), status=status)
        body.append(text(line, spacing="Small"))
        if poll.status.value != "draft":
            body.append(
                text(tr(locale, "poll.list.count", count=counts.get(poll.id, 0)), is_subtle=True, spacing="None")
            )
    if coordinator:
        body.append(text(tr(locale, "poll.list.hint"), is_subtle=True, spacing="Medium"))
    return adaptive_card(body)


def export_card(poll: Poll, urls: Mapping[str, str], locale: str) -> Element:
    body = [
        heading(tr(locale, "poll.export.title", number=poll.number)),
        text(title_of(poll, locale)),
        text(tr(locale, "poll.export.expires"), is_subtle=True),
    ]
    actions = [
        {"type": "Action.OpenUrl", "title": tr(locale, EXPORT_KEYS[name]), "url": url} for name, url in urls.items()
    ]
    return adaptive_card(body, actions)
