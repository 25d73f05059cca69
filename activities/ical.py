"""The officer's private iCalendar feed: their sign-ups as events for the phone's calendar.

A calendar app subscribes to ``/calendar/<token>.ics`` and fetches it without cookies or log-in, so the
token is the only key: long and random (``secrets.token_urlsafe(32)``, 256 bits), stored in
CalendarFeed, made on the officer's first request for the address and replaced on reset (the old
address then answers 404).

The body is written by hand to RFC 5545: CRLF line ends, content lines folded at 75 octets (never
inside a UTF-8 character), TEXT values escaped (backslash, semicolon, comma, newline), times in UTC.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from activities.models import ActivityStatus, CalendarFeed, SignUp, SignUpStatus
from people.models import Officer

TOKEN_BYTES = 32
HISTORY = dt.timedelta(days=366)  # past sign-ups stay in the calendar this long
PRODID = "-//幸福警营//Family activities//ZH"
LINE_OCTETS = 75
TENTATIVE = (SignUpStatus.WAITLISTED, SignUpStatus.OFFERED)


# --- The feed's address --------------------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def calendar_feed_for(*, officer: Officer) -> CalendarFeed:
    """The officer's feed, made on first request (a concurrent first request gets the same row)."""
    feed = CalendarFeed.objects.filter(officer=officer).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(officer=officer, token=_new_token())
    except IntegrityError:
        return CalendarFeed.objects.get(officer=officer)


def calendar_feed_reset(*, officer: Officer) -> CalendarFeed:
    """Give the feed a new token: the old address stops working at once."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(officer=officer).first()
        if feed is None:
            return calendar_feed_for(officer=officer)
        feed.token = _new_token()
        feed.save(update_fields=["token"])
    return feed


# --- RFC 5545 ------------------------------------------------------------------------------------------


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape_text(value: str) -> str:
    """A TEXT value: control characters dropped; backslash, semicolon, comma and line ends escaped."""
    value = _CONTROL.sub("", value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, continuation lines starting with a space."""
    pieces: list[str] = []
    current, size, limit = [], 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1  # the leading space takes one octet
        current.append(char)
        size += octets
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(signup: SignUp, *, host: str, base_url: str) -> list[str]:
    activity = signup.activity
    status = "TENTATIVE" if signup.status in TENTATIVE else "CONFIRMED"
    description = _("%(status)s · %(persons)d persons") % {
        "status": signup.get_status_display(),
        "persons": signup.persons,
    }
    if signup.status == SignUpStatus.OFFERED and signup.offer_expires_at:
        description += "\n" + _("Accept the offered place by %(when)s.") % {
            "when": f"{timezone.localtime(signup.offer_expires_at):%Y-%m-%d %H:%M}"
        }
    if activity.description:
        description += "\n\n" + activity.description
    url = f"{base_url}/activities/{activity.pk}/"
    return [
        "BEGIN:VEVENT",
        f"UID:activities-signup-{signup.pk}@{host}",
        f"DTSTAMP:{_utc(signup.updated_at)}",
        f"LAST-MODIFIED:{_utc(max(signup.updated_at, activity.updated_at))}",
        f"DTSTART:{_utc(activity.starts_at)}",
        f"DTEND:{_utc(activity.ends_at)}",
        f"SUMMARY:{escape_text(activity.title)}",
        f"LOCATION:{escape_text(activity.venue)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{url}",
        f"STATUS:{status}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]


def render_calendar(signups: Iterable[SignUp], *, name: str, host: str, base_url: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "X-WR-TIMEZONE:Asia/Shanghai",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for signup in signups:
        lines.extend(_event(signup, host=host, base_url=base_url))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


# --- The view --------------------------------------------------------------------------------------------


def feed_signups(*, officer: Officer) -> list[SignUp]:
    """The sign-ups a calendar shows: not cancelled, of activities not called off, from a year back."""
    return list(
        SignUp.objects.filter(
            officer=officer,
            activity__status=ActivityStatus.PUBLISHED,
            activity__starts_at__gte=timezone.now() - HISTORY,
        )
        .exclude(status=SignUpStatus.CANCELLED)
        .select_related("activity")
        .order_by("activity__starts_at", "id")
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """GET /calendar/<token>.ics: no session; the token is the key. Unknown (or reset) token: 404."""
    feed = (
        CalendarFeed.objects.select_related("officer")
        .filter(token=token, officer__active=True, officer__user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404("no such calendar")
    body = render_calendar(
        feed_signups(officer=feed.officer),
        name=_("My family activities"),
        host=request.get_host().split(":")[0] or "welfare",
        base_url=f"{request.scheme}://{request.get_host()}",
    )
    response = HttpResponse(body.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="activities.ics"'
    # A private address: no shared cache may keep it, and it must not end up in a search engine.
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response
