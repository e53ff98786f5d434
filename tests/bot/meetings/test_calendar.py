"""``GET /calendar/{token}/meeting-{n}.ics``: the "Add to calendar" file, always current,
and only for those who were given the link (it holds the online join link)."""

from __future__ import annotations

from icalendar import Calendar

from tests.bot.meetings.helpers import (
    future_day,
    invoke_card,
    meeting_row,
    press,
    programme_text,
    seed_programme,
    submitted,
)
from tests.support.activities import KAISA, personal_message
from tests.support.driver import Driver


async def download(driver: Driver, path: str) -> tuple[int, str, str]:
    response = await driver.client.get(path)
    return response.status, response.headers.get("Content-Type", ""), await response.text()


async def test_calendar_file_follows_the_meeting(driver: Driver) -> None:
    await driver.install()
    await seed_programme(driver, programme_text(future_day()))
    path = f"/calendar/{(await meeting_row(driver)).calendar_token}/meeting-1.ics"

    status, content_type, body = await download(driver, path)
    assert status == 200 and content_type.startswith("text/calendar")
    event = Calendar.from_ical(body).walk("VEVENT")[0]
    uid = str(event["UID"])
    assert int(event["SEQUENCE"]) == 1 and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]).startswith("Foorumitapaaminen 1: Kokeilemalla")
    assert event["DTSTART"].params["TZID"] == "Europe/Helsinki"
    assert "Tampereen museot" in str(event["LOCATION"])

    _, _, english = await download(driver, path + "?lang=en")
    assert str(Calendar.from_ical(english).walk("VEVENT")[0]["SUMMARY"]).startswith("Forum meeting 1:")

    await driver.send(personal_message(driver.service_url, KAISA, "tapaaminen muokkaa 1"))
    form = driver.connector.sent[-1].cards[0]
    await press(driver, KAISA, "meeting.save", submitted(form, "meeting.save", start="11:00"))
    event = Calendar.from_ical((await download(driver, path))[2]).walk("VEVENT")[0]
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 2
    assert event["DTSTART"].dt.hour == 11

    meeting = await meeting_row(driver)
    await press(driver, KAISA, "meeting.cancel_confirm", {"meetingId": meeting.id})
    event = Calendar.from_ical((await download(driver, path))[2]).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED" and str(event["UID"]) == uid


async def test_calendar_link_on_the_card_points_at_the_route(driver: Driver) -> None:
    await driver.install()
    await seed_programme(driver, programme_text(future_day()))
    meeting = await meeting_row(driver)
    mine = invoke_card(await press(driver, KAISA, "meeting.refresh", {"meetingId": meeting.id}))
    [calendar] = [a for a in mine["actions"] if a["type"] == "Action.OpenUrl"]
    assert calendar["title"] == "Lisää kalenteriin"
    assert calendar["url"].endswith(f"/calendar/{meeting.calendar_token}/meeting-1.ics?lang=fi")
    assert len(meeting.calendar_token) >= 32
    status, _, _ = await download(driver, calendar["url"].split("127.0.0.1:3978", 1)[-1])
    assert status == 200


async def test_unknown_meeting_guessed_or_bad_path_is_404(driver: Driver) -> None:
    await driver.install()
    forum_id = await seed_programme(driver, programme_text(future_day()))
    token = (await meeting_row(driver)).calendar_token
    assert (await download(driver, f"/calendar/{token}/meeting-1.ics"))[0] == 200
    # The old guessable shape (forum id + number) and a made-up token find nothing.
    assert (await download(driver, f"/calendar/{forum_id}/meeting-1.ics"))[0] == 404
    assert (await download(driver, "/calendar/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/meeting-1.ics"))[0] == 404
    # The right token with another meeting's number is refused too.
    assert (await download(driver, f"/calendar/{token}/meeting-2.ics"))[0] == 404
    assert (await download(driver, f"/calendar/{token}/meeting-x.ics"))[0] == 404
