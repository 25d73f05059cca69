"""REST API of surveys: the open surveys for me, one survey's questions, save and continue, submit once."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from surveys import services
from surveys.models import Campaign, Instrument, Participation, Response
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/surveys/campaigns/"


@pytest.fixture
def campaign(county):
    if not Instrument.objects.exists():  # a transactional test elsewhere flushed the shipped instrument
        importlib.import_module("surveys.migrations.0002_default_instrument").install(apps)
    now = timezone.now()
    return Campaign.objects.create(
        title="2026年度民警幸福指数调查",
        instrument=Instrument.objects.get(code="welfare-index", version=1),
        population_unit=county,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=14),
        status="open",
        include_who5=True,
    )


def _client(user):
    client = api_client_for(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def _answers(campaign, core=4, who5=3) -> dict[str, int]:
    return {item.code: (who5 if item.module == "who5" else core) for item in services.items_of(campaign)}


def test_it_lists_the_surveys_open_to_me_with_answered(officer, campaign, django_assert_num_queries):
    client = _client(officer.user)
    # Queries: the session user is forced, so: the officer with its unit, the campaigns with `answered`.
    with django_assert_num_queries(2):
        body = client.get(BASE).json()
    assert [(c["id"], c["answered"], c["include_who5"]) for c in body] == [(campaign.pk, False, True)]
    services.response_submit(campaign=campaign, officer=officer, answers=_answers(campaign))
    assert client.get(BASE).json()[0]["answered"] is True


def test_outsiders_and_accounts_without_an_officer_see_nothing(outsider, campaign):
    assert _client(outsider.user).get(BASE).json() == []
    assert _client(outsider.user).get(f"{BASE}{campaign.pk}/").status_code == 404
    technical = UserFactory()
    assert _client(technical).get(BASE).json() == []
    response = _client(technical).post(f"{BASE}{campaign.pk}/responses/", {"answers": {}}, format="json")
    assert response.status_code == 404 and response.json()["error"]["status"] == 404


def test_one_survey_gives_its_questions_in_the_language_asked_and_my_draft(officer, campaign):
    services.draft_save(campaign=campaign, officer=officer, answers={"rec1": 5})
    body = _client(officer.user).get(f"{BASE}{campaign.pk}/").json()
    items = {item["code"]: item for item in body["items"]}
    assert set(items) == {item.code for item in services.items_of(campaign)}
    rec1 = campaign.instrument.items.get(code="rec1")
    assert items["rec1"]["text"] == rec1.text_en
    assert (items["rec1"]["module"], items["rec1"]["dimension"]) == ("core", rec1.dimension)
    assert body["draft"] == {"rec1": 5}
    chinese = api_client_for(officer.user).get(f"{BASE}{campaign.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert {item["code"]: item["text"] for item in chinese.json()["items"]}["rec1"] == rec1.text_zh


def test_save_and_continue_then_submit_returns_my_who5_score_only_there(officer, campaign):
    client = _client(officer.user)
    answers = _answers(campaign, who5=2)
    first = {code: answers.pop(code) for code in ("rec1", "rec2")}
    saved = client.post(f"{BASE}{campaign.pk}/draft/", {"answers": first}, format="json")
    assert saved.status_code == 200 and saved.json() == {"saved": 2}
    response = client.post(
        f"{BASE}{campaign.pk}/responses/", {"answers": answers, "comment": "谢谢"}, format="json"
    )
    assert response.status_code == 201
    assert response.json() == {"answered": True, "who5": {"raw": 10, "percent": 40, "low": True}}
    stored = Response.objects.get()
    assert stored.answers["rec1"] == 4 and stored.comment == "谢谢"
    assert not any(code.startswith("who") for code in stored.answers)
    assert "who5" not in str(client.get(f"{BASE}{campaign.pk}/").json()["draft"])


def test_without_the_who5_module_there_is_no_score(officer, campaign):
    campaign.include_who5 = False
    campaign.save()
    response = _client(officer.user).post(
        f"{BASE}{campaign.pk}/responses/", {"answers": _answers(campaign)}, format="json"
    )
    assert response.status_code == 201 and response.json()["who5"] is None


def test_a_second_submit_is_409_and_writes_nothing(officer, campaign):
    client = _client(officer.user)
    url = f"{BASE}{campaign.pk}/responses/"
    assert client.post(url, {"answers": _answers(campaign)}, format="json").status_code == 201
    second = client.post(url, {"answers": _answers(campaign)}, format="json")
    assert second.status_code == 409
    assert (
        second.json()["error"]["code"] == "conflict"
        and "already answered" in second.json()["error"]["message"]
    )
    assert (
        client.post(f"{BASE}{campaign.pk}/draft/", {"answers": {"rec1": 1}}, format="json").status_code == 409
    )
    assert Response.objects.count() == 1
    assert Participation.objects.get(officer=officer).draft == {}


@pytest.mark.parametrize(
    ("answers", "message"),
    [({"rec1": 6}, "from 1 to 5"), ({"nope": 3}, "no question nope"), ({"rec1": "x"}, "not valid")],
)
def test_bad_answers_are_400_with_the_reason(officer, campaign, answers, message):
    response = _client(officer.user).post(
        f"{BASE}{campaign.pk}/responses/", {"answers": {**_answers(campaign), **answers}}, format="json"
    )
    assert response.status_code == 400 and message in response.json()["error"]["message"]
    assert not Response.objects.exists()


def test_an_incomplete_submit_is_400(officer, campaign):
    answers = _answers(campaign)
    answers.pop("pas2")
    response = _client(officer.user).post(
        f"{BASE}{campaign.pk}/responses/", {"answers": answers}, format="json"
    )
    assert response.status_code == 400 and "still open" in response.json()["error"]["message"]
    assert not Participation.objects.filter(submitted=True).exists()
