"""The coordinators' delivery status card: how the forum's messages fared.

Why it lists the undelivered ones by purpose and recipient: a 403 means a
person blocked the bot or the bot was removed from the team, which only a
coordinator can sort out (ask the person, reinstall), so the card says who
missed what and why, newest first.
"""

from __future__ import annotations

from cards.elements import Element, adaptive_card, container, facts, heading, text
from forum.delivery.outbox import DeliverySummary, UndeliveredView
from forum.i18n import N_, format_clock, format_day, tr

STATUS_LABELS: tuple[tuple[str, str], ...] = (
    ("pending", N_("status.label.pending")),
    ("sending", N_("status.label.sending")),
    ("sent", N_("status.label.sent")),
    ("undeliverable", N_("status.label.undeliverable")),
    ("failed", N_("status.label.failed")),
    ("superseded", N_("status.label.superseded")),
    ("merged", N_("status.label.merged")),
    ("dropped", N_("status.label.dropped")),
    ("cancelled", N_("status.label.cancelled")),
)
PURPOSE_LABELS: dict[str, str] = {
    "meeting_announcement": N_("status.purpose.meeting_announcement"),
    "meeting_announcement_update": N_("status.purpose.meeting_announcement_update"),
    "meeting_reminder": N_("status.purpose.meeting_reminder"),
    "rsvp_nudge": N_("status.purpose.rsvp_nudge"),
    "meeting_preview": N_("status.purpose.meeting_preview"),
    "meeting_form": N_("status.purpose.meeting_form"),
    "meeting_cancel": N_("status.purpose.meeting_cancel"),
    "rsvp_names": N_("status.purpose.rsvp_names"),
    "retention_notice": N_("status.purpose.retention_notice"),
}
"""What each outbox purpose is called for coordinators; an unknown one shows as its code."""
ALWAYS_SHOWN = frozenset({"pending", "sent", "undeliverable", "failed"})
MAX_ERROR_CHARS = 160


def delivery_status_card(locale: str, summary: DeliverySummary, time_zone: str) -> Element:
    body: list[Element] = [heading(tr(locale, "status.title"))]
    if summary.total == 0:
        body.append(text(tr(locale, "status.empty")))
        return adaptive_card(body)
    rows = [
        (tr(locale, label), str(summary.counts.get(status, 0)))
        for status, label in STATUS_LABELS
        if status in ALWAYS_SHOWN or summary.counts.get(status, 0)
    ]
    body.append(facts(rows))
    if not summary.problems:
        body.append(text(tr(locale, "status.problems.none"), spacing="Medium"))
        return adaptive_card(body)
    body.append(text(tr(locale, "status.problems.title"), weight="Bolder", spacing="Medium"))
    body.append(text(tr(locale, "status.problems.hint"), is_subtle=True, spacing="None"))
    body.extend(_problem(locale, problem, time_zone) for problem in summary.problems)
    return adaptive_card(body)


def _problem(locale: str, problem: UndeliveredView, time_zone: str) -> Element:
    recipient = problem.recipient_name or tr(locale, "status.recipient.channel")
    label = dict(STATUS_LABELS).get(problem.status)
    state = tr(locale, label) if label else problem.status
    fallback = f"HTTP {problem.last_status_code}" if problem.last_status_code else tr(locale, "status.error.unknown")
    error = (problem.last_error or fallback)[:MAX_ERROR_CHARS]
    when = f"{format_day(problem.updated_at, locale, time_zone)} {format_clock(problem.updated_at, locale, time_zone)}"
    return container(
        [
            text(
                tr(
                    locale,
                    "status.problem.line",
                    purpose=_purpose(locale, problem.purpose),
                    recipient=recipient,
                    state=state,
                )
            ),
            text(tr(locale, "status.problem.detail", when=when, error=error), is_subtle=True, spacing="None"),
        ],
        spacing="Small",
    )


def _purpose(locale: str, purpose: str) -> str:
    label = PURPOSE_LABELS.get(purpose)
    return tr(locale, label) if label else purpose
