"""Survey pages: answering (list, questionnaire, save and continue, submit once, the WHO-5 thank-you) and
the welfare office's campaign pages (create with checked weights, open, close, response rates)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys import services
from surveys.models import Campaign, Instrument, Item, Participation, Response
from tests.factories import OfficerFactory, RoleAssignmentFactory

pytestmark = pytest.mark.django_db


def _client(user, language="en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def _instrument() -> Instrument:
    if not Instrument.objects.exists():  # a transactional test elsewhere flushed the shipped instrument
        importlib.import_module("surveys.migrations.0002_default_instrument").install(apps)
    return Instrument.objects.get(code="welfare-index", version=1)


@pytest.fixture
def campaign(county):
    now = timezone.now()
    return Campaign.objects.create(
        title="2026年度民警幸福指数调查",
        instrument=_instrument(),
        population_unit=county,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=14),
        status="open",
        include_who5=True,
    )


@pytest.fixture
def office(city):
    clerk = OfficerFactory(org_unit=city, police_number="900001", user__username="office")
    RoleAssignmentFactory(user=clerk.user, role="welfare_office", org_unit=city)
    return clerk


def _answers(campaign, core=4, who5=3) -> dict[str, str]:
    return {item.code: str(who5 if item.module == "who5" else core) for item in services.items_of(campaign)}


# --- Answering -----------------------------------------------------------------------------------------


def test_it_lists_the_open_surveys_for_me_with_answered_or_not(officer, campaign):
    client = _client(officer.user)
    page = client.get(reverse("survey-list"))
    assert list(page.context["campaigns"]) == [campaign]
    assert b'data-testid="not-answered"' in page.content
    services.response_submit(
        campaign=campaign, officer=officer, answers={k: int(v) for k, v in _answers(campaign).items()}
    )
    page = client.get(reverse("survey-list"))
    assert b'data-testid="answered"' in page.content and b'data-testid="not-answered"' not in page.content


def test_an_outsider_neither_sees_nor_opens_a_survey_not_for_them(outsider, campaign):
    client = _client(outsider.user)
    assert list(client.get(reverse("survey-list")).context["campaigns"]) == []
    assert client.get(reverse("survey-answer", args=[campaign.pk])).status_code == 404
    assert client.post(reverse("survey-answer", args=[campaign.pk]), {"submit": "1"}).status_code == 404


def test_a_draft_or_closed_campaign_is_not_shown(officer, campaign):
    campaign.status = "draft"
    campaign.save()
    client = _client(officer.user)
    assert list(client.get(reverse("survey-list")).context["campaigns"]) == []
    assert client.get(reverse("survey-answer", args=[campaign.pk])).status_code == 404


def test_the_questionnaire_is_in_chinese_and_in_english_when_the_ui_is(officer, campaign):
    item = Item.objects.get(instrument=campaign.instrument, code="rec1")
    chinese = _client(officer.user, "zh-hans").get(reverse("survey-answer", args=[campaign.pk]))
    assert item.text_zh in chinese.content.decode() and item.text_en not in chinese.content.decode()
    english = _client(officer.user).get(reverse("survey-answer", args=[campaign.pk]))
    body = english.content.decode()
    assert item.text_en in body
    assert body.count('type="radio"') == sum(
        i.scale_max - i.scale_min + 1 for i in services.items_of(campaign)
    )
    assert 'data-testid="who5"' in body


def test_without_the_who5_module_its_questions_are_not_asked(officer, campaign):
    campaign.include_who5 = False
    campaign.save()
    body = _client(officer.user).get(reverse("survey-answer", args=[campaign.pk])).content.decode()
    assert 'data-testid="who5"' not in body
    who5 = Item.objects.filter(instrument=campaign.instrument, module="who5").first()
    assert who5.text_en not in body


def test_save_and_continue_keeps_the_draft_and_shows_it_again(officer, campaign):
    client = _client(officer.user)
    url = reverse("survey-answer", args=[campaign.pk])
    response = client.post(url, {"rec1": "5", "rec2": "2", "save": "1"})
    assert response.status_code == 302 and response.url == url
    assert Participation.objects.get(officer=officer).draft == {"rec1": 5, "rec2": 2}
    assert not Response.objects.exists()
    form = client.get(url).context["form"]
    assert form["rec1"].value() == 5 and form["rec2"].value() == 2


def test_submit_shows_the_who5_score_once_with_guidance_when_low_and_stores_it_nowhere(officer, campaign):
    client = _client(officer.user)
    url = reverse("survey-answer", args=[campaign.pk])
    response = client.post(url, {**_answers(campaign, who5=2), "comment": "食堂很好", "submit": "1"})
    assert response.status_code == 200  # the thank-you is this answer itself: no redirect, no URL
    assert response.templates[0].name == "surveys/thanks.html"
    body = response.content.decode()
    assert 'data-testid="who5-score"' in body and "40 / 100" in body
    assert 'data-testid="who5-guidance"' in body and "psychological service" in body
    stored = Response.objects.get()
    assert stored.comment == "食堂很好" and not any(code.startswith("who") for code in stored.answers)
    assert Participation.objects.get(officer=officer).submitted is True
    # Nothing of the score in the session (the auth hash is hex and may well contain "40" by chance).
    kept = {key: value for key, value in client.session.items() if not key.startswith("_auth_user")}
    assert not any("who" in key.lower() or "40" in str(value) for key, value in kept.items()), kept
    # Afterwards the page says so, and the score is not to be found again.
    again = client.get(url)
    assert b'data-testid="already-answered"' in again.content and b"40 / 100" not in again.content


def test_a_good_who5_score_comes_without_guidance(officer, campaign):
    response = _client(officer.user).post(
        reverse("survey-answer", args=[campaign.pk]), {**_answers(campaign, who5=4), "submit": "1"}
    )
    body = response.content.decode()
    assert "80 / 100" in body and 'data-testid="who5-guidance"' not in body


def test_a_second_submit_says_already_answered_and_writes_nothing(officer, campaign):
    client = _client(officer.user)
    url = reverse("survey-answer", args=[campaign.pk])
    client.post(url, {**_answers(campaign), "submit": "1"})
    second = client.post(url, {**_answers(campaign), "submit": "1"})
    assert second.status_code == 409
    assert b'data-testid="already-answered"' in second.content
    assert Response.objects.count() == 1


def test_an_incomplete_submit_is_refused_with_the_reason(officer, campaign):
    answers = _answers(campaign)
    answers.pop("pas2")
    response = _client(officer.user).post(
        reverse("survey-answer", args=[campaign.pk]), {**answers, "submit": "1"}
    )
    assert response.status_code == 200
    assert "1 are still open" in " ".join(response.context["form"].non_field_errors())
    assert not Response.objects.exists()


# --- Navigation --------------------------------------------------------------------------------------


def test_the_navigation_has_surveys_for_officers_and_manage_for_the_office(officer, office):
    officer_nav = [item["url"] for item in _client(officer.user).get("/").context["nav_items"]]
    assert reverse("survey-list") in officer_nav and reverse("survey-manage-list") not in officer_nav
    office_nav = [item["url"] for item in _client(office.user).get("/").context["nav_items"]]
    assert reverse("survey-manage-list") in office_nav


# --- The welfare office --------------------------------------------------------------------------------


def _campaign_form(instrument, unit, **changes) -> dict:
    opens = timezone.localtime() + dt.timedelta(days=1)
    data = {
        "title": "2027年度调查",
        "instrument": instrument.pk,
        "population_unit": unit.pk,
        "officer_kinds": ["police"],
        "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (opens + dt.timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"),
        "min_group": "5",
        "min_comment_group": "10",
        "include_who5": "on",
        "reminder_days": "3, 7, 10",
        "final_reminder": "on",
    }
    return {**data, **changes}


def test_only_the_welfare_office_manages_campaigns(officer, unit_admin, campaign):
    for user in (officer.user, unit_admin.user):
        client = _client(user)
        assert client.get(reverse("survey-manage-list")).status_code == 403
        assert client.get(reverse("survey-manage-create")).status_code == 403
        assert client.post(reverse("survey-manage-close", args=[campaign.pk])).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == "open"


def test_the_office_creates_a_campaign_with_equal_weights_by_default(office, city):
    instrument = _instrument()
    response = _client(office.user).post(reverse("survey-manage-create"), _campaign_form(instrument, city))
    campaign = Campaign.objects.get(title="2027年度调查")
    assert response.status_code == 302 and response.url == reverse("survey-manage", args=[campaign.pk])
    assert campaign.status == "draft" and campaign.include_who5 and campaign.final_reminder
    assert campaign.officer_kinds == ["police"] and campaign.reminder_days == [3, 7, 10]
    assert len(campaign.weights) == 6 and abs(sum(campaign.weights.values()) - 1) < 1e-9
    assert len(set(campaign.weights.values())) == 1


def test_weights_that_do_not_sum_to_one_get_a_readable_error(office, city):
    weights = {
        f"weight_{d}": "0.2" for d in ("recognition", "fairness", "warmth", "warning", "passion", "rest")
    }
    response = _client(office.user).post(
        reverse("survey-manage-create"), _campaign_form(_instrument(), city, **weights)
    )
    assert response.status_code == 200
    assert "must add up to 1; they add up to 1.2" in " ".join(response.context["form"].non_field_errors())
    assert not Campaign.objects.exists()
    weights["weight_rest"] = weights["weight_passion"] = "0.1"
    response = _client(office.user).post(
        reverse("survey-manage-create"), _campaign_form(_instrument(), city, **weights)
    )
    assert response.status_code == 302
    assert Campaign.objects.get().weights["rest"] == pytest.approx(0.1)


def test_more_than_three_reminders_are_refused(office, city):
    response = _client(office.user).post(
        reverse("survey-manage-create"), _campaign_form(_instrument(), city, reminder_days="1, 2, 3, 4")
    )
    assert response.status_code == 200 and "At most three" in str(response.context["form"].errors)
    assert not Campaign.objects.exists()


def test_the_office_opens_and_closes_a_campaign(office, campaign):
    campaign.status = "draft"
    campaign.save()
    client = _client(office.user)
    client.post(reverse("survey-manage-open", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == "open"
    client.post(reverse("survey-manage-open", args=[campaign.pk]))  # a double click changes nothing
    client.post(reverse("survey-manage-close", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == "closed"
    refused = client.post(reverse("survey-manage-open", args=[campaign.pk]), follow=True)
    assert "cannot be changed" in refused.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == "closed"


def test_response_rates_per_reporting_unit_withhold_small_units(office, campaign, station, county, city):
    campaign.population_unit = city
    campaign.save()
    OfficerFactory(org_unit=city)  # the city bureau itself: too few invited to show a rate
    big = [OfficerFactory(org_unit=station) for _ in range(5)]
    for answered in big[:3]:
        services.response_submit(
            campaign=campaign,
            officer=answered,
            answers={k: int(v) for k, v in _answers(campaign).items()},
        )
    response = _client(office.user).get(reverse("survey-manage", args=[campaign.pk]))
    rates = {rate.unit.path: rate for rate in response.context["rates"]}
    assert (rates["/C/X01/"].invited, rates["/C/X01/"].answered, rates["/C/X01/"].rate) == (5, 3, 60.0)
    # The city bureau's own officers (``office`` and ``other``): two invited, fewer than five.
    assert (rates["/C/"].invited, rates["/C/"].answered, rates["/C/"].rate) == (2, None, None)
    assert "withheld" in response.content.decode()


def test_the_manage_list_shows_every_campaign(office, campaign):
    response = _client(office.user).get(reverse("survey-manage-list"))
    assert list(response.context["campaigns"]) == [campaign]
    assert campaign.title in response.content.decode()
