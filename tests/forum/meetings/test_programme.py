"""The programme file: the shipped 2024–2025 round, clear errors with lines, idempotent import."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from forum.checkins.calendar import RoundPolicy
from forum.checkins.programme_section import CheckinRules
from forum.meetings.programme import import_programme
from forum.meetings.programme_file import ProgrammeError, load_programme, parse_programme
from forum.meetings.service import MeetingService
from manage import programme_hooks
from storage import roster_repository
from storage.models import ForumRow
from tests.forum.meetings.fixtures import HELSINKI, NOW, START, Sessions, claim_rendered, jobs, outbox, programme, seed
from tests.support.activities import KAISA, LIISA

SHIPPED = Path(__file__).resolve().parents[3] / "programme" / "2024-2025.toml"


def test_the_shipped_programme_has_the_seven_meetings_in_finnish() -> None:
    loaded = load_programme(SHIPPED, sections=programme_hooks().section_readers)
    assert [m.draft.number for m in loaded.meetings] == [1, 2, 3, 4, 5, 6, 7]
    months = [m.draft.starts_at.astimezone(HELSINKI).strftime("%Y-%m") for m in loaded.meetings]
    assert months == ["2024-04", "2024-06", "2024-09", "2024-11", "2025-02", "2025-04", "2025-06"]
    assert loaded.meetings[4].draft.theme == "Näkökulmia käyttäjälähtöiseen kehittämiseen"
    assert loaded.reminder_offsets_hours == (168, 24)
    assert "ILLUSTRATIVE" in SHIPPED.read_text(encoding="utf-8")
    assert {m.draft.host_museum for m in loaded.meetings} <= {museum.name for museum in loaded.museums}
    # its [checkins] example says what the defaults are
    defaults = RoundPolicy()
    assert loaded.sections["checkins"] == CheckinRules(
        defaults.offsets, defaults.nudge_after_days, defaults.skip_holidays, 7 in defaults.blocked_months
    )


def problems_of(text: str) -> list[str]:
    with pytest.raises(ProgrammeError) as caught:
        parse_programme(text)
    return [str(problem) for problem in caught.value.problems]


def test_every_problem_is_reported_with_its_line_and_field() -> None:
    text = programme(extra='join_url = "teams://nope"\nroom = "Auditorio"').replace(
        "ends_at = 2027-01-20T16:00:00", "ends_at = 2027-01-20T09:00:00"
    )
    found = problems_of(text)
    lines = text.splitlines()
    by_field = {problem.split(": ")[2]: problem for problem in found}
    assert set(by_field) == {"unknown key 'room'", "ends_at", "join_url"}
    for problem in found:
        number = int(problem.split(":")[0].removeprefix("line "))
        assert "meetings[1] (number 1)" in problem
        assert lines[number - 1].split("=")[0].strip() in problem or "unknown key" in problem


def meeting_toml(**fields: str) -> str:
    values = {"number": "1", "theme": '"T"', "starts_at": "2027-01-20T10:00:00", "ends_at": "2027-01-20T12:00:00"}
    values.update(fields)
    return "[[meetings]]\n" + "\n".join(f"{key} = {value}" for key, value in values.items() if value) + "\n"


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ('[[meetings]]\nnumber = 1\ntheme = "x', "not valid TOML"),
        ("[forum]\nreminder_offsets_hours = [0]", "reminder_offsets_hours"),
        ('[forum]\ntime_zone = "Mars/Olympus"', "unknown time zone"),
        (meeting_toml(starts_at="2027-01-20"), "give a date and a time"),
        (meeting_toml(starts_at="", ends_at=""), "starts_at is missing"),
        (meeting_toml(number='"yksi"'), "number must be a whole number"),
        (meeting_toml(theme="42"), "theme must be text"),
        (meeting_toml(host_museum='"Louvre"'), "host_museum"),
        ('[[museums]]\nname = "A"\n[[museums]]\nname = "a"', "listed twice"),
        (meeting_toml() + meeting_toml(theme='"U"'), "used twice"),
        (meeting_toml(rsvp_deadline="2027-01-21T10:00:00"), "rsvp_deadline"),
        ("[agenda]\nx = 1", "unknown section"),
        ('[forum]\nquiet_hours = "20-8"', "quiet_hours must be"),
        ("[forum]\nquiet_hours = 20", "quiet_hours must be"),
        ('[forum]\nquiet_weekends = "yes"', "quiet_weekends is true or false"),
    ],
)
def test_clear_errors(broken: str, expected: str) -> None:
    assert any(expected in problem for problem in problems_of(broken)), problems_of(broken)


async def test_import_twice_changes_nothing_and_a_corrected_file_edits_in_place(sessions: Sessions) -> None:
    seeded = await seed(sessions)
    before = await jobs(sessions)
    async with sessions() as session, session.begin():
        report = await import_programme(session, seeded.forum_id, parse_programme(programme()), now=NOW)
    assert report.unchanged == [1] and report.created == report.updated == []

    def schedule(rows: dict[str, object]) -> dict[str, tuple[object, object]]:
        return {key: (row.due_at, row.status) for key, row in rows.items()}  # type: ignore[attr-defined]

    assert schedule(await jobs(sessions)) == schedule(before)

    service = MeetingService(sessions, clock=lambda: NOW)
    meeting = await service.by_number(seeded.forum_id, 1)
    await service.post(await seeded.actor(KAISA), meeting.id)
    moved = programme(START + timedelta(days=2))
    async with sessions() as session, session.begin():
        report = await import_programme(session, seeded.forum_id, parse_programme(moved), now=NOW)
    assert report.updated == [1]
    again = await service.by_number(seeded.forum_id, 1)
    assert again.id == meeting.id and again.revision == 2 and again.starts_at == START + timedelta(days=2)
    rows = await outbox(sessions)
    assert [row.purpose for row in rows] == ["meeting_announcement"]  # still pending: it shows r2 when sent
    [post] = await claim_rendered(sessions, seeded.renderer, NOW)
    assert post.activity["text"].startswith("announcement 1 r2")


async def test_the_forums_quiet_hours_come_from_its_programme_file(sessions: Sessions) -> None:
    text = programme().replace("[forum]\n", '[forum]\nquiet_hours = "21:00-07:30"\nquiet_weekends = false\n')
    seeded = await seed(sessions, text=text)
    async with sessions() as session:
        forum = await session.get(ForumRow, seeded.forum_id)
        assert forum is not None and (forum.quiet_hours, forum.quiet_weekends) == ("21:00-07:30", False)
    none = parse_programme(programme().replace("[forum]\n", '[forum]\nquiet_hours = "none"\n'))
    assert none.quiet_hours == "none" and none.quiet_weekends is None


async def test_import_links_people_to_their_museum_and_lists_strangers(sessions: Sessions) -> None:
    text = programme().replace(f'members = ["{LIISA.email}"]', f'members = ["{LIISA.email}", "uusi@museo.fi"]')
    seeded = await seed(sessions, text=text)
    async with sessions() as session:
        liisa = next(
            row
            for row in await roster_repository.participants_of(session, seeded.forum_id)
            if row.person.email == LIISA.email
        )
        assert liisa.museum is not None and liisa.museum.name == "Tampereen museot"
    async with sessions() as session, session.begin():
        report = await import_programme(session, seeded.forum_id, parse_programme(text), now=NOW)
    assert report.unknown_members == ["uusi@museo.fi"] and report.members_assigned == 0


async def test_the_shipped_programme_imports_as_history_without_jobs(sessions: Sessions) -> None:
    seeded = await seed(sessions, text="[forum]\n")
    async with sessions() as session, session.begin():
        hooks = programme_hooks()
        shipped = load_programme(SHIPPED, sections=hooks.section_readers)
        report = await import_programme(session, seeded.forum_id, shipped, now=NOW, hooks=hooks)
    assert report.created == [1, 2, 3, 4, 5, 6, 7] and len(report.museums_added) == 7
    assert await jobs(sessions) == {}  # all in the past: nothing to remind of
