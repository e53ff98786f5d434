"""The digest before a meeting (in the channel) and one museum's full answers (*Show more*, 1:1).

Why short and paged: 50 people's answers do not fit one Teams message (under 40 KB in
UTF-16), so the channel card shows each museum's latest answer in short and a button that
sends the museum's full answers to the presser's 1:1 chat.
"""

from __future__ import annotations

from cards.checkins.actions import MEETING_KEY, MUSEUM_KEY, VERB_DIGEST_MORE
from cards.checkins.parts import checkin_lines
from cards.elements import Element, adaptive_card, container, execute, heading, text
from forum.checkins.model import Digest, MuseumDigest
from forum.i18n import format_when, tr

SHORT_CHARS = 160


def digest_card(digest: Digest, locale: str, time_zone: str) -> Element:
    body: list[Element] = [
        heading(tr(locale, "checkin.digest.title", number=digest.meeting_number)),
        text(tr(locale, "checkin.digest.intro", when=format_when(digest.starts_at, locale, time_zone))),
    ]
    if not digest.museums:
        body.append(text(tr(locale, "checkin.digest.empty"), is_subtle=True))
    for museum in digest.museums:
        latest = museum.checkins[0]
        items: list[Element] = [text(f"**{museum.museum}**", size="Medium")]
        items.extend(checkin_lines(latest, locale, limit=SHORT_CHARS))
        if len(museum.checkins) > 1 or any(
            len(v) > SHORT_CHARS for v in (latest.tried, latest.learned, latest.help_wanted)
        ):
            more = tr(locale, "checkin.digest.more", count=len(museum.checkins))
            items.append(
                {
                    "type": "ActionSet",
                    "actions": [
                        execute(more, VERB_DIGEST_MORE, {MEETING_KEY: digest.meeting_id, MUSEUM_KEY: museum.museum_id})
                    ],
                }
            )
        body.append(container(items, spacing="Medium"))
    return adaptive_card(body)


def museum_digest_card(museum: MuseumDigest, locale: str, time_zone: str) -> Element:
    body: list[Element] = [heading(museum.museum)]
    for checkin in museum.checkins:
        items = [text(format_when(checkin.answered_at, locale, time_zone), is_subtle=True, size="Small")]
        items.extend(checkin_lines(checkin, locale))
        body.append(container(items, spacing="Medium"))
    return adaptive_card(body)
