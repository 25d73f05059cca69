"""Answering once, saving and continuing, WHO-5 for the respondent alone, and anonymity by construction."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone, translation

from surveys import services
from surveys.models import Campaign, Instrument, Participation, Response
from tests.conftest import run_at_once
from tests.factories import OfficerFactory
from welfare.domain import ConflictError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def campaign(city):
    if not Instrument.objects.exists():  # a transactional test elsewhere flushed the shipped instrument
        importlib.import_module("surveys.migrations.0002_default_instrument").install(apps)
    now = timezone.now()
    return Campaign.objects.create(
        title="2026年度民警幸福指数调查",
        instrument=Instrument.objects.get(code="welfare-index", version=1),
        population_unit=city,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=14),
        status="open",
        include_who5=True,
    )


def _all_answers(campaign, core=4, who5=3) -> dict[str, int]:
    return {item.code: (who5 if item.module == "who5" else core) for item in services.items_of(campaign)}


def test_an_officer_answers_once_and_the_response_keeps_only_coarse_attributes(officer, campaign):
    result = services.response_submit(
        campaign=campaign, officer=officer, answers=_all_answers(campaign), comment=" 很好 "
    )
    response = Response.objects.get()
    assert response.unit.path == "/C/X01/"  # the county bureau, not the station
    assert (response.officer_kind, response.comment) == (officer.kind, "很好")
    assert set(response.answers) == {
        item.code for item in services.items_of(campaign) if item.module == "core"
    }
    assert Participation.objects.get(officer=officer).submitted is True
    assert result == services.Who5(raw=15, percent=60, low=False)
    with pytest.raises(ConflictError):
        services.response_submit(campaign=campaign, officer=officer, answers=_all_answers(campaign))
    assert Response.objects.count() == 1


def test_who5_is_for_the_respondent_alone_and_stored_nowhere(officer, campaign):
    result = services.response_submit(
        campaign=campaign, officer=officer, answers=_all_answers(campaign, who5=2)
    )
    assert result == services.Who5(raw=10, percent=40, low=True)
    response = Response.objects.get()
    assert not any(code.startswith("who") for code in response.answers)
    assert Participation.objects.get(officer=officer).draft == {}


def test_save_and_continue_then_submit_wipes_the_draft(officer, campaign):
    services.draft_save(campaign=campaign, officer=officer, answers={"rec1": 5, "rec2": "4"})
    assert Participation.objects.get(officer=officer).draft == {"rec1": 5, "rec2": 4}
    rest = {code: value for code, value in _all_answers(campaign).items() if code not in {"rec1", "rec2"}}
    services.response_submit(campaign=campaign, officer=officer, answers=rest)
    assert Response.objects.get().answers["rec1"] == 5
    assert Participation.objects.get(officer=officer).draft == {}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"rec1": 6}, "from 1 to 5"),
        ({"rec1": "very"}, "with a number"),
        ({"nope": 3}, "no question nope"),
    ],
)
def test_bad_answers_are_refused_with_the_reason_and_nothing_is_kept(officer, campaign, answers, message):
    with pytest.raises(services.SurveyError, match=message):
        services.response_submit(
            campaign=campaign, officer=officer, answers={**_all_answers(campaign), **answers}
        )
    assert not Response.objects.exists()


def test_every_question_must_be_answered_to_submit(officer, campaign):
    answers = _all_answers(campaign)
    answers.pop("pas2")
    with pytest.raises(services.SurveyError, match="1 are still open"):
        services.response_submit(campaign=campaign, officer=officer, answers=answers)
    assert not Participation.objects.filter(submitted=True).exists()


def test_only_the_population_and_only_while_open(officer, outsider, campaign, county):
    campaign.population_unit = county
    campaign.save()
    with pytest.raises(services.SurveyError, match="not for you"):
        services.response_submit(campaign=campaign, officer=outsider, answers=_all_answers(campaign))
    campaign.closes_at = timezone.now() - dt.timedelta(minutes=1)
    campaign.opens_at = campaign.closes_at - dt.timedelta(days=1)
    campaign.save()
    with pytest.raises(services.SurveyError, match="not open"):
        services.response_submit(campaign=campaign, officer=officer, answers=_all_answers(campaign))


def test_no_column_lets_a_response_be_joined_to_a_person():
    fields = {field.name: field for field in Response._meta.get_fields()}
    person_models = {"User", "Officer", "Participation", "FamilyMember"}
    for field in fields.values():
        related = getattr(field, "related_model", None)
        assert related is None or related.__name__ not in person_models, field.name
        assert not isinstance(field, models.DateField | models.DateTimeField | models.TimeField), field.name
        assert not isinstance(field, models.AutoField | models.BigAutoField), field.name
    assert isinstance(Response._meta.pk, models.UUIDField)
    # And who has answered keeps no time either.
    assert not any(
        isinstance(field, models.DateField | models.DateTimeField)
        for field in Participation._meta.get_fields()
    )


def test_reporting_units_and_age_bands():
    assert services.reporting_unit_path("/C/X01/X01-P01/") == "/C/X01/"
    assert services.reporting_unit_path("/C/") == "/C/"
    assert services.age_band(dt.date(1990, 6, 1), dt.date(2026, 5, 31)) == "30-39"
    assert services.age_band(dt.date(2006, 1, 1), dt.date(2026, 1, 1)) == "20-29"
    assert services.age_band(dt.date(1960, 1, 1), dt.date(2026, 1, 1)) == "60+"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_response_per_officer_under_concurrent_submits(station, campaign):
    officer = OfficerFactory(org_unit=station)
    answers = _all_answers(campaign)
    results = run_at_once(
        *(
            lambda: services.response_submit(campaign=campaign, officer=officer, answers=answers)
            for _ in range(4)
        )
    )
    assert sorted(type(result).__name__ for result in results) == ["ConflictError"] * 3 + ["Who5"]
    assert Response.objects.count() == 1
