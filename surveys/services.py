"""Writes about surveys: answering (save and continue, then submit once) without leaving a trace of who
answered what (surveys/models.py explains the design).

Submitting, in one transaction with the officer's participation row locked: the answers are checked
against the instrument, an anonymous ``Response`` is written with only coarse attributes, the
participation is marked answered and its draft wiped. A second submit — a double click, a retried
request — finds the participation answered and is a ConflictError (409); it writes nothing.

The WHO-5 module is scored for the respondent on the spot and returned; it is stored nowhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from people.models import Officer, OrgUnit, age_on
from surveys.models import Campaign, CampaignStatus, Item, Module, Participation, Response
from welfare.domain import ConflictError, DomainError

__all__ = ["SurveyError", "Who5", "draft_save", "reporting_unit_path", "response_submit"]

WHO5_LOW = 13  # raw 0–25: below this, well-being is poor (screen for depression)
WHO5_ITEM_LOW = 1  # any single item at 0 or 1 also calls for a closer look


class SurveyError(DomainError):
    """Answers that cannot be taken as given; the message says why."""


@dataclass(frozen=True)
class Who5:
    raw: int  # 0–25
    percent: int  # raw × 4
    low: bool


def reporting_unit_path(path: str) -> str:
    """The unit at the reporting level: the county bureau or centre above a station ("/C/X01/")."""
    parts = [part for part in path.strip("/").split("/") if part]
    return "/" + "/".join(parts[:2]) + "/"


def age_band(born: dt.date, on: dt.date) -> str:
    age = age_on(born, on)
    low = max(min(age // 10 * 10, 60), 20)
    return f"{low}-{low + 9}" if low < 60 else "60+"


def in_population(officer: Officer, campaign: Campaign) -> bool:
    return (
        officer.active
        and officer.org_unit.path.startswith(campaign.population_unit.path)
        and (not campaign.officer_kinds or officer.kind in campaign.officer_kinds)
    )


def _open_or_refuse(campaign: Campaign, officer: Officer, now: dt.datetime) -> None:
    if not in_population(officer, campaign):
        raise SurveyError(_("This survey is not for you."))
    if campaign.status != CampaignStatus.OPEN or not campaign.opens_at <= now < campaign.closes_at:
        raise SurveyError(_("This survey is not open."))


def _clean(campaign: Campaign, answers: Mapping[str, Any], *, complete: bool) -> tuple[dict, dict]:
    """Split and check the answers: (core, who5) as item code → int. Raises SurveyError."""
    items = {item.code: item for item in campaign.instrument.items.all()}
    modules = {Module.CORE} | ({Module.WHO5} if campaign.include_who5 else set())
    core, who5 = {}, {}
    for code, raw in answers.items():
        item = items.get(code)
        if item is None or item.module not in modules:
            raise SurveyError(_("There is no question %(code)s in this survey.") % {"code": code})
        if raw in (None, ""):
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise SurveyError(_("Answer %(code)s with a number.") % {"code": code}) from None
        if not item.scale_min <= value <= item.scale_max:
            raise SurveyError(
                _("Answer %(code)s from %(low)d to %(high)d.")
                % {"code": code, "low": item.scale_min, "high": item.scale_max}
            )
        (who5 if item.module == Module.WHO5 else core)[code] = value
    if complete:
        missing = [
            item.code
            for item in items.values()
            if item.module in modules and item.code not in {**core, **who5}
        ]
        if missing:
            raise SurveyError(
                _("Please answer every question; %(count)d are still open.") % {"count": len(missing)}
            )
    return core, who5


def _participation(campaign: Campaign, officer: Officer) -> Participation:
    participation, _created = Participation.objects.get_or_create(campaign=campaign, officer=officer)
    return Participation.objects.select_for_update().get(pk=participation.pk)


def draft_save(*, campaign: Campaign, officer: Officer, answers: Mapping[str, Any], now=None) -> None:
    """Keep the answers so far (save and continue); nothing is reported from a draft."""
    now = now or timezone.now()
    _open_or_refuse(campaign, officer, now)
    core, who5 = _clean(campaign, answers, complete=False)
    with transaction.atomic():
        participation = _participation(campaign, officer)
        if participation.submitted:
            raise ConflictError(_("You have already answered this survey."))
        participation.draft = {**participation.draft, **core, **who5}
        participation.save(update_fields=["draft"])


def response_submit(
    *, campaign: Campaign, officer: Officer, answers: Mapping[str, Any], comment: str = "", now=None
) -> Who5 | None:
    """Submit once; returns the respondent's WHO-5 score (never stored) when the module was asked."""
    now = now or timezone.now()
    _open_or_refuse(campaign, officer, now)
    with transaction.atomic():
        participation = _participation(campaign, officer)
        if participation.submitted:
            raise ConflictError(_("You have already answered this survey."))
        core, who5 = _clean(campaign, {**participation.draft, **answers}, complete=True)
        unit_path = reporting_unit_path(officer.org_unit.path)
        Response.objects.create(
            campaign=campaign,
            unit=OrgUnit.objects.get(path=unit_path),
            officer_kind=officer.kind,
            age_band=age_band(officer.birth_date, campaign.opens_at.date()),
            answers=core,
            comment=comment.strip()[:2000],
        )
        participation.submitted, participation.draft = True, {}
        participation.save(update_fields=["submitted", "draft"])
    if not who5:
        return None
    raw = sum(who5.values())
    return Who5(raw=raw, percent=raw * 4, low=raw < WHO5_LOW or min(who5.values()) <= WHO5_ITEM_LOW)


def items_of(campaign: Campaign) -> list[Item]:
    modules = [Module.CORE, *([Module.WHO5] if campaign.include_who5 else [])]
    return list(campaign.instrument.items.filter(module__in=modules).order_by("order"))
