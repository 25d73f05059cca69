"""The private iCalendar feed: RFC 5545 text (folding, escaping, UTC times), only the officer's live sign-ups,
no session needed, and a reset token locks the old address out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from activities import ical, services
from activities.models import SignUpStatus
from tests.activities.factories import make_activity
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db


def _unfold(body: bytes) -> list[str]:
    """The content lines of a calendar, checking the physical lines on the way (RFC 5545 3.1)."""
    assert body.endswith(b"\r\n")
    physical = body[:-2].split(b"\r\n")
    for line in physical:
        assert len(line) <= 75, line
        assert b"\n" not in line and b"\r" not in line
        line.decode("utf-8")  # a fold never cuts a character in two
    logical: list[str] = []
    for line in physical:
        text = line.decode("utf-8")
        if text.startswith(" "):
            logical[-1] += text[1:]
        else:
            logical.append(text)
    return logical


def _unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            assert char not in ",;", f"unescaped {char!r} in {value!r}"
            out.append(char)
    return "".join(out)


def _events(body: bytes) -> list[dict[str, str]]:
    lines = _unfold(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    events, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return events


def _feed_url(officer) -> str:
    return f"/calendar/{ical.calendar_feed_for(officer=officer).token}.ics"


def _sign(activity, officer, members=()):
    return services.signup_create(activity=activity, officer=officer, family_member_ids=members)


def test_it_lists_my_live_signups_as_events_without_a_session(officer, outsider, station, city):
    title = "亲子绘画, 第1期; 水彩\\油画"
    description = "带上画笔，\n穿旧衣服。" + "颜料由爱警办准备" * 12
    confirmed_for = make_activity(
        unit=city, title=title, description=description, venue="市局活动中心, 二楼", capacity=3
    )
    full = make_activity(unit=station, title="夫妻花艺", capacity=1, starts_in=dt.timedelta(days=9))
    gone = make_activity(unit=station, title="已退出的活动")
    confirmed = _sign(confirmed_for, officer, [officer.family_members.get(relation="spouse").pk])
    _sign(full, OfficerFactory(org_unit=station))
    waiting = _sign(full, officer)
    services.signup_cancel(signup=_sign(gone, officer), actor=None)
    _sign(confirmed_for, outsider)

    response = Client().get(_feed_url(officer))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    events = _events(response.content)
    assert [event["UID"] for event in events] == [
        f"activities-signup-{confirmed.pk}@testserver",
        f"activities-signup-{waiting.pk}@testserver",
    ]
    first, second = events
    assert _unescape(first["SUMMARY"]) == title
    assert _unescape(first["LOCATION"]) == "市局活动中心, 二楼"
    assert description in _unescape(first["DESCRIPTION"])
    assert first["DTSTART"] == confirmed_for.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert first["DTEND"] == confirmed_for.ends_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert (first["STATUS"], second["STATUS"]) == ("CONFIRMED", "TENTATIVE")
    assert first["URL"] == f"http://testserver/activities/{confirmed_for.pk}/"
    assert "已退出的活动" not in response.content.decode()
    # The long description had to be folded, and the folds were undone above.
    assert len(response.content.split(b"\r\n")) > len(_unfold(response.content))


def test_an_offered_place_is_tentative_and_an_accepted_one_confirmed(officer, station):
    activity = make_activity(unit=station, capacity=1)
    theirs = _sign(activity, OfficerFactory(org_unit=station))
    mine = _sign(activity, officer)
    services.signup_cancel(signup=theirs, actor=None)
    url = _feed_url(officer)
    [event] = _events(Client().get(url).content)
    assert event["STATUS"] == "TENTATIVE"
    services.offer_accept(signup=mine)
    [again] = _events(Client().get(url).content)
    assert again["STATUS"] == "CONFIRMED"
    assert again["UID"] == event["UID"]  # the same event, updated in the phone's calendar


def test_an_activity_called_off_leaves_the_calendar(officer, station):
    activity = make_activity(unit=station)
    mine = _sign(activity, officer)
    url = _feed_url(officer)
    assert len(_events(Client().get(url).content)) == 1
    services.activity_cancel(activity=activity, actor=None, reason="暴雨")
    mine.refresh_from_db()
    assert mine.status == SignUpStatus.CANCELLED
    assert _events(Client().get(url).content) == []


def test_it_reads_the_feed_in_two_queries(officer, station, django_assert_num_queries):
    for n in range(3):
        _sign(make_activity(unit=station, title=f"活动{n}"), officer)
    url = _feed_url(officer)
    # Queries: the feed with its officer; the sign-ups with their activities.
    with django_assert_num_queries(2):
        response = Client().get(url)
    assert len(_events(response.content)) == 3


def test_an_unknown_or_reset_token_answers_404(officer):
    old = _feed_url(officer)
    assert Client().get(old).status_code == 200
    ical.calendar_feed_reset(officer=officer)
    assert Client().get(old).status_code == 404
    assert Client().get("/calendar/" + "x" * 43 + ".ics").status_code == 404
    assert Client().get(_feed_url(officer)).status_code == 200


def test_a_deactivated_officer_has_no_feed(officer):
    url = _feed_url(officer)
    officer.active = False
    officer.save(update_fields=["active"])
    assert Client().get(url).status_code == 404


def test_the_token_is_long_and_random(officer, outsider):
    first = ical.calendar_feed_for(officer=officer).token
    assert ical.calendar_feed_for(officer=officer).token == first  # made once
    assert len(first) >= 43
    assert ical.calendar_feed_for(officer=outsider).token != first


# --- RFC 5545 text -----------------------------------------------------------------------------------------


def test_it_escapes_text_values():
    assert ical.escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


@pytest.mark.parametrize("text", ["A" * 200, "亲" * 100, "ab亲" * 40, "x" * 75, "x" * 74 + "亲"])
def test_it_folds_at_75_octets_without_cutting_a_character(text):
    folded = ical.fold(f"SUMMARY:{text}")
    lines = folded.split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "".join([lines[0], *(line[1:] for line in lines[1:])]) == f"SUMMARY:{text}"


def test_a_short_line_is_not_folded():
    assert ical.fold("SUMMARY:短") == "SUMMARY:短"
