"""Reminders to answer: on the configured days after opening and the day before closing, at 09:00 local,
only to officers in the population who have not submitted; once per officer and round."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from notifications.models import Reminder
from surveys import campaigns, services, tasks
from surveys.models import Campaign, Instrument
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db


def _local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def campaign(county):
    if not Instrument.objects.exists():  # a transactional test elsewhere flushed the shipped instrument
        importlib.import_module("surveys.migrations.0002_default_instrument").install(apps)
    return Campaign.objects.create(
        title="2026年度民警幸福指数调查",
        instrument=Instrument.objects.get(code="welfare-index", version=1),
        population_unit=county,
        opens_at=_local(2026, 3, 2, 8, 0),
        closes_at=_local(2026, 3, 16, 18, 0),
        status="open",
        reminder_days=[3, 7],
        final_reminder=True,
    )


def _answer(campaign, officer) -> None:
    answers = {item.code: 3 for item in services.items_of(campaign)}
    services.response_submit(
        campaign=campaign, officer=officer, answers=answers, now=_local(2026, 3, 3, 10, 0)
    )


def test_respondents_get_no_reminder_and_the_others_one_per_round(officer, outsider, station, campaign):
    waiting = OfficerFactory(org_unit=station)
    OfficerFactory(org_unit=station, inactive=True)
    _answer(campaign, officer)
    assert campaigns.remind_non_respondents(now=_local(2026, 3, 5, 9, 5)) == 1
    reminder = Reminder.objects.get()
    assert reminder.recipient == waiting.user
    assert reminder.kind == "survey_reminder" and reminder.due_at == _local(2026, 3, 5, 9, 0)
    assert reminder.dedupe_key == f"survey:{campaign.pk}:day3:{waiting.pk}"
    assert reminder.payload["campaign"] == campaign.pk
    # The hourly run again that day schedules nothing new.
    assert campaigns.remind_non_respondents(now=_local(2026, 3, 5, 10, 5)) == 0
    assert not Reminder.objects.filter(recipient__in=[officer.user, outsider.user]).exists()


def test_nothing_before_nine_or_on_a_day_without_a_round(officer, campaign):
    assert campaigns.remind_non_respondents(now=_local(2026, 3, 5, 8, 55)) == 0
    assert campaigns.remind_non_respondents(now=_local(2026, 3, 6, 9, 5)) == 0
    assert not Reminder.objects.exists()


def test_the_rounds_are_the_configured_days_and_the_day_before_closing(officer, campaign):
    assert campaigns.reminder_rounds(campaign) == [
        ("day3", _local(2026, 3, 5, 9, 0)),
        ("day7", _local(2026, 3, 9, 9, 0)),
        ("final", _local(2026, 3, 15, 9, 0)),
    ]
    assert campaigns.remind_non_respondents(now=_local(2026, 3, 15, 9, 30)) == 1
    assert Reminder.objects.get().dedupe_key.endswith(f":final:{officer.pk}")
    campaign.final_reminder = False
    campaign.save()
    assert [name for name, _when in campaigns.reminder_rounds(campaign)] == ["day3", "day7"]


def test_an_answer_between_rounds_stops_the_later_rounds(officer, campaign):
    assert campaigns.remind_non_respondents(now=_local(2026, 3, 5, 9, 0)) == 1
    _answer(campaign, officer)
    assert campaigns.remind_non_respondents(now=_local(2026, 3, 9, 9, 0)) == 0
    assert Reminder.objects.count() == 1


def test_draft_and_closed_campaigns_and_officers_of_other_kinds_get_none(officer, station, campaign):
    campaign.officer_kinds = ["auxiliary"]
    campaign.save()
    auxiliary = OfficerFactory(org_unit=station, auxiliary=True)
    assert campaigns.remind_non_respondents(now=_local(2026, 3, 5, 9, 0)) == 1
    assert Reminder.objects.get().recipient == auxiliary.user
    campaign.status = "closed"
    campaign.save()
    assert campaigns.remind_non_respondents(now=_local(2026, 3, 9, 9, 0)) == 0


def test_the_reminder_renders_with_a_link_to_the_survey(officer, campaign):
    from notifications.kinds import KINDS

    campaigns.remind_non_respondents(now=_local(2026, 3, 5, 9, 0))
    rendered = KINDS["survey_reminder"].render(Reminder.objects.get().payload)
    assert rendered.link == f"/surveys/{campaign.pk}/" and campaign.title in rendered.title


def test_the_task_runs_hourly_from_beat(officer, campaign, monkeypatch):
    entry = settings.CELERY_BEAT_SCHEDULE["surveys-remind-non-respondents"]
    assert entry["task"] == "surveys.remind_non_respondents" == tasks.remind_non_respondents.name
    assert entry["schedule"].hour == set(range(24))
    monkeypatch.setattr(timezone, "now", lambda: _local(2026, 3, 9, 9, 15))
    assert tasks.remind_non_respondents.apply().get() == 1
