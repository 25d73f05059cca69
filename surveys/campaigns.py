"""Running campaigns (the welfare office): create with checked weights, open, close; response rates;
and the reminders to those who have not answered.

Response rates come from ``Participation`` (whether someone has answered, never what): a reporting
unit's rate is withheld when fewer than ``campaign.min_group`` were invited there.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from notifications.services import ReminderSpec, reminders_schedule_many
from people.models import Officer, OrgUnit, User
from surveys import scoring
from surveys.kinds import SURVEY_REMINDER
from surveys.models import Campaign, CampaignStatus, Instrument, Module, Participation
from surveys.services import SurveyError, reporting_unit_path

MAX_REMINDERS = 3
REMINDER_HOUR = 9  # local time


def core_dimensions(instrument: Instrument) -> list[str]:
    return list(
        dict.fromkeys(
            instrument.items.filter(module=Module.CORE).order_by("order").values_list("dimension", flat=True)
        )
    )


def _checked_weights(instrument: Instrument, weights: dict[str, float] | None) -> dict[str, float]:
    dimensions = core_dimensions(instrument)
    if not weights:
        return scoring.equal_weights(dimensions)
    try:
        scoring.check_weights(weights, dimensions)
    except ValueError:
        total = sum(weights.values())
        if set(weights) != set(dimensions):
            message = _("Give a weight for every dimension of the instrument.")
        elif any(weight < 0 for weight in weights.values()):
            message = _("A weight cannot be negative.")
        else:
            message = _("The weights must add up to 1; they add up to %(total)s.") % {"total": f"{total:.4g}"}
        raise SurveyError(message, field="weights") from None
    return dict(weights)


def _checked_reminder_days(days: list[int], opens_at: dt.datetime, closes_at: dt.datetime) -> list[int]:
    days = sorted(set(days))
    if len(days) > MAX_REMINDERS:
        raise SurveyError(_("At most three reminders."), field="reminder_days")
    length = (closes_at - opens_at).days
    if any(day < 1 or day >= max(length, 1) for day in days):
        raise SurveyError(
            _("Reminders fall on days 1 to %(last)d after opening.") % {"last": max(length - 1, 1)},
            field="reminder_days",
        )
    return days


def campaign_create(
    *,
    title: str,
    instrument: Instrument,
    population_unit: OrgUnit,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    officer_kinds: list[str] | None = None,
    weights: dict[str, float] | None = None,
    min_group: int = 5,
    min_comment_group: int = 10,
    include_who5: bool = False,
    reminder_days: list[int] | None = None,
    final_reminder: bool = True,
    actor: User | None = None,
) -> Campaign:
    """A campaign in draft; the weights are checked (empty: equal) and so are the reminder days."""
    if closes_at <= opens_at:
        raise SurveyError(_("A campaign closes after it opens."), field="closes_at")
    if min_group < 2:
        raise SurveyError(_("The minimum group is at least 2."), field="min_group")
    return Campaign.objects.create(
        title=title,
        instrument=instrument,
        population_unit=population_unit,
        officer_kinds=sorted(set(officer_kinds or [])),
        opens_at=opens_at,
        closes_at=closes_at,
        weights=_checked_weights(instrument, weights),
        min_group=min_group,
        min_comment_group=min_comment_group,
        include_who5=include_who5,
        reminder_days=_checked_reminder_days(reminder_days or [], opens_at, closes_at),
        final_reminder=final_reminder,
    )


def _set_status(campaign: Campaign, *, from_status: str, to_status: str) -> Campaign:
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status == to_status:
            return locked  # already done: a double click
        if locked.status != from_status:
            raise SurveyError(
                _("This campaign is %(status)s; it cannot be changed so.")
                % {"status": locked.get_status_display()}
            )
        locked.status = to_status
        locked.save(update_fields=["status", "updated_at"])
    return locked


def campaign_open(*, campaign: Campaign, actor: User | None = None) -> Campaign:
    return _set_status(campaign, from_status=CampaignStatus.DRAFT, to_status=CampaignStatus.OPEN)


def campaign_close(*, campaign: Campaign, actor: User | None = None) -> Campaign:
    return _set_status(campaign, from_status=CampaignStatus.OPEN, to_status=CampaignStatus.CLOSED)


# --- Who is asked, who has answered --------------------------------------------------------------------


def population(campaign: Campaign):
    """The officers asked (services.in_population as a query)."""
    officers = Officer.objects.filter(active=True, org_unit__path__startswith=campaign.population_unit.path)
    if campaign.officer_kinds:
        officers = officers.filter(kind__in=campaign.officer_kinds)
    return officers


@dataclass(frozen=True)
class UnitRate:
    unit: OrgUnit
    invited: int
    answered: int | None  # None: withheld (fewer invited than the minimum group)
    rate: float | None


def response_rates(campaign: Campaign) -> list[UnitRate]:
    """Per reporting unit: invited, answered and the rate; withheld where fewer than min_group are invited."""
    officers = population(campaign)
    invited = Counter(reporting_unit_path(path) for path in officers.values_list("org_unit__path", flat=True))
    answered = Counter(
        reporting_unit_path(path)
        for path in Participation.objects.filter(
            campaign=campaign, submitted=True, officer__in=officers
        ).values_list("officer__org_unit__path", flat=True)
    )
    units = {unit.path: unit for unit in OrgUnit.objects.filter(path__in=invited)}
    rates = []
    for path in sorted(invited):
        n = invited[path]
        shown = n >= campaign.min_group
        rates.append(
            UnitRate(
                unit=units[path],
                invited=n,
                answered=answered[path] if shown else None,
                rate=round(100 * answered[path] / n, 1) if shown else None,
            )
        )
    return rates


# --- Reminders -----------------------------------------------------------------------------------------


def reminder_rounds(campaign: Campaign) -> list[tuple[str, dt.datetime]]:
    """(round name, when) for each configured day after opening and the day before closing, at 09:00 local."""
    opened = timezone.localtime(campaign.opens_at).date()
    closing = timezone.localtime(campaign.closes_at).date()

    def at_nine(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(REMINDER_HOUR)))

    rounds = [(f"day{day}", at_nine(opened + dt.timedelta(days=day))) for day in campaign.reminder_days]
    if campaign.final_reminder:
        rounds.append(("final", at_nine(closing - dt.timedelta(days=1))))
    return [(name, when) for name, when in rounds if campaign.opens_at <= when < campaign.closes_at]


def remind_non_respondents(*, now: dt.datetime | None = None) -> int:
    """Schedule today's reminder round of every open campaign, once per officer and round, to those who have
    not answered; returns how many are new. Run hourly: a round is due from 09:00 local on its day."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    scheduled = 0
    campaigns = Campaign.objects.filter(status=CampaignStatus.OPEN, opens_at__lte=now, closes_at__gt=now)
    for campaign in campaigns.select_related("population_unit"):
        for name, when in reminder_rounds(campaign):
            if timezone.localtime(when).date() != today or now < when:
                continue
            answered = Participation.objects.filter(campaign=campaign, submitted=True).values("officer_id")
            recipients = population(campaign).exclude(pk__in=answered).values_list("pk", "user_id")
            payload: dict[str, Any] = {
                "campaign": campaign.pk,
                "title": campaign.title,
                "closes": date_format(timezone.localtime(campaign.closes_at), "SHORT_DATE_FORMAT"),
            }
            scheduled += reminders_schedule_many(
                specs=[
                    ReminderSpec(
                        recipient_id=user_id,
                        kind=SURVEY_REMINDER.code,
                        due_at=when,
                        dedupe_key=f"survey:{campaign.pk}:{name}:{officer_id}",
                        payload=payload,
                        subject=f"survey:{campaign.pk}",
                    )
                    for officer_id, user_id in recipients.iterator()
                ]
            )
    return scheduled


# --- What an officer is asked ---------------------------------------------------------------------------


def _ancestor_paths(path: str) -> list[str]:
    parts = [part for part in path.strip("/").split("/") if part]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def open_for(*, officer: Officer, now: dt.datetime | None = None) -> list[Campaign]:
    """Open campaigns whose population includes the officer, closing soonest first, each with ``answered``."""
    now = now or timezone.now()
    if not officer.active:
        return []
    answered = Participation.objects.filter(campaign=OuterRef("pk"), officer=officer, submitted=True)
    found = (
        Campaign.objects.filter(
            status=CampaignStatus.OPEN,
            opens_at__lte=now,
            closes_at__gt=now,
            population_unit__path__in=_ancestor_paths(officer.org_unit.path),
        )
        .annotate(answered=Exists(answered))
        .order_by("closes_at", "pk")
    )
    # The kinds are a JSON list: filtered here, as JSON containment is not portable to SQLite.
    return [c for c in found if not c.officer_kinds or officer.kind in c.officer_kinds]


def open_for_or_404(*, officer: Officer, pk: int) -> Campaign:
    for campaign in open_for(officer=officer):
        if campaign.pk == pk:
            return campaign
    raise Http404("no such survey open to you")
