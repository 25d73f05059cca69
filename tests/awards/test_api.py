"""The awards API for the mobile app: open programmes, applying for my child with the letter (multipart),
submitting with the reasons when not eligible, and my applications with their history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from awards import services
from awards.models import Application, Status
from tests.awards.conftest import PDF, YEAR, apply, family_of, letter, make_programme
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROGRAMMES = "/api/v1/awards/programmes/"
APPLICATIONS = "/api/v1/awards/applications/"


def _url(application, suffix: str = "") -> str:
    return f"{APPLICATIONS}{application.pk}/{suffix}"


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["status"] == response.status_code
    assert body["error"]["message"]
    return body["error"]


def _files(root) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()] if Path(root).exists() else []


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"  # what the API answers without Accept-Language


def _create(programme, child, university, /, **values) -> dict:
    return {
        "programme": programme.pk,
        "child": child.pk,
        "university": university.code,
        "admission_year": YEAR,
        "major": "法学",
        "letter": letter(),
        **values,
    }


# --- Programmes -----------------------------------------------------------------------------------------


def test_it_lists_open_programmes_with_the_amount_for_each_tier(programme, welfare, officer):
    make_programme(
        welfare, year=YEAR - 1, opens_on=dt.date(YEAR - 1, 7, 1), closes_on=dt.date(YEAR - 1, 8, 31)
    )
    make_programme(welfare, kind="teacher", budget="1000")  # the head teachers' award: not applied for
    response = api_client_for(officer.user).get(PROGRAMMES)
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": programme.pk,
            "kind": "scholarship",
            "kind_display": "金盾优学奖 (scholarship)",
            "year": YEAR,
            "title": programme.title,
            "description": "",
            "opens_on": programme.opens_on.isoformat(),
            "closes_on": programme.closes_on.isoformat(),
            "amounts": [
                {"tier": "985", "tier_display": "985 Project", "amount": "10000.00"},
                {"tier": "211", "tier_display": "211 Project", "amount": "6000.00"},
                {"tier": "dfc", "tier_display": "Double First-Class", "amount": "3000.00"},
            ],
            "notice_days": 5,
        }
    ]


# --- Applying -------------------------------------------------------------------------------------------


def test_it_creates_a_draft_from_multipart_with_the_letter(programme, officer, child, universities):
    response = api_client_for(officer.user).post(
        APPLICATIONS, _create(programme, child, universities["985"]), format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    application = Application.objects.get()
    assert (application.officer, application.child, application.status) == (officer, child, Status.DRAFT)
    assert application.letter_type == "application/pdf"
    with application.letter.open("rb") as stored:
        assert stored.read() == PDF
    assert body["id"] == application.pk
    assert (body["programme"], body["programme_title"], body["kind"]) == (
        programme.pk,
        programme.title,
        "scholarship",
    )
    assert (body["child"], body["child_name"]) == (child.pk, "陈思源")
    assert (body["university"], body["university_name"]) == ("4111010001", "北京大学")
    assert (body["tier"], body["tier_display"]) == ("985", "985 Project")
    assert (body["admission_year"], body["major"], body["has_letter"]) == (YEAR, "法学", True)
    assert (body["status"], body["status_display"]) == ("draft", "draft")
    assert body["amount"] is None and body["paid"] is False and body["paid_on"] is None
    assert body["problems"] == [] and body["timeline"] == []


def test_a_letter_that_is_not_a_pdf_or_an_image_answers_400_and_nothing_is_stored(
    programme, officer, child, universities, settings
):
    fake = SimpleUploadedFile("录取通知书.pdf", b"<html>not a letter</html>", content_type="application/pdf")
    response = api_client_for(officer.user).post(
        APPLICATIONS, _create(programme, child, universities["985"], letter=fake), format="multipart"
    )
    assert response.status_code == 400
    error = _error(response)
    assert error["message"] == "录取通知书.pdf is not a PDF or an image (JPEG, PNG, WebP)."
    assert list(error["fields"]) == ["letter"]
    assert not Application.objects.exists()
    assert _files(settings.MEDIA_ROOT) == []


def test_a_letter_over_the_size_limit_answers_400(programme, officer, child, universities, settings):
    settings.AWARD_LETTER_MAX_BYTES = 1024
    response = api_client_for(officer.user).post(
        APPLICATIONS,
        _create(programme, child, universities["985"], letter=letter(content=PDF + b"0" * 4096)),
        format="multipart",
    )
    assert response.status_code == 400
    assert "is larger than" in _error(response)["message"]
    assert not Application.objects.exists()
    assert _files(settings.MEDIA_ROOT) == []


def test_another_officers_child_answers_400_in_words_and_nothing_is_stored(
    programme, officer, outsider, universities, settings
):
    their_child = outsider.family_members.get(relation="child")
    spouse = officer.family_members.get(relation="spouse")
    client = api_client_for(officer.user)
    for member in (their_child, spouse):
        response = client.post(
            APPLICATIONS, _create(programme, member, universities["985"]), format="multipart"
        )
        assert response.status_code == 400
        assert _error(response)["fields"] == {"child": ["Choose one of your children from your family list."]}
    assert not Application.objects.exists()
    assert _files(settings.MEDIA_ROOT) == []


def test_an_unknown_university_or_a_closed_programme_answers_400(
    programme, officer, child, welfare, universities
):
    closed = make_programme(
        welfare, year=YEAR - 1, opens_on=dt.date(YEAR - 1, 7, 1), closes_on=dt.date(YEAR - 1, 8, 31)
    )
    response = api_client_for(officer.user).post(
        APPLICATIONS,
        _create(closed, child, universities["985"], university="4199999999", admission_year="去年"),
        format="multipart",
    )
    assert response.status_code == 400
    fields = _error(response)["fields"]
    assert set(fields) == {"programme", "university", "admission_year"}
    assert fields["programme"] == ["This programme is not open for applications."]
    assert fields["university"] == ["There is no university with this school code on our list."]
    assert not Application.objects.exists()


def test_a_second_application_for_the_same_child_answers_409(draft, programme, officer, child, universities):
    response = api_client_for(officer.user).post(
        APPLICATIONS, _create(programme, child, universities["211"]), format="multipart"
    )
    assert response.status_code == 409
    error = _error(response)
    assert (error["code"], error["message"]) == (
        "conflict",
        f"陈思源 already has an application for {programme.title}.",
    )
    assert list(Application.objects.values_list("pk", flat=True)) == [draft.pk]


def test_an_account_without_an_officer_profile_cannot_apply(programme, child, universities):
    client = api_client_for(UserFactory(username="sysadmin"))
    response = client.post(APPLICATIONS, _create(programme, child, universities["985"]), format="multipart")
    assert response.status_code == 403
    assert _error(response)["code"] == "permission_denied"
    assert client.get(APPLICATIONS).json()["count"] == 0
    assert not Application.objects.exists()


def test_json_is_refused_the_letter_comes_as_multipart(programme, officer, child, universities):
    data = _create(programme, child, universities["985"])
    del data["letter"]
    response = api_client_for(officer.user).post(APPLICATIONS, data, format="json")
    assert response.status_code == 415
    assert _error(response)["code"] == "unsupported_media_type"
    assert not Application.objects.exists()


# --- Submitting -----------------------------------------------------------------------------------------


def test_it_submits_an_eligible_draft(draft, officer):
    response = api_client_for(officer.user).post(_url(draft, "submit/"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["status_display"]) == ("submitted", "awaiting unit review")
    assert (body["tier"], body["amount"]) == ("985", "10000.00")
    assert body["submitted_at"] is not None
    assert [(e["decision"], e["from_status"], e["to_status"]) for e in body["timeline"]] == [
        ("submit", "draft", "submitted")
    ]
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_a_draft_that_is_not_eligible_answers_400_with_the_reasons(programme, officer, child, universities):
    application = apply(programme, officer, child, universities["none"], admission_year=YEAR - 1, letter=None)
    client = api_client_for(officer.user)
    shown = client.get(_url(application)).json()
    assert shown["problems"] == [
        f"This programme is for admissions in {YEAR}; the application says {YEAR - 1}.",
        "北方工业大学 is not on a list of universities this programme awards.",
        "Upload the admission letter (PDF or a photo).",
    ]
    response = client.post(_url(application, "submit/"))
    assert response.status_code == 400
    assert _error(response)["message"] == " ".join(shown["problems"])
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_someone_elses_application_answers_404(draft, outsider, unit_admin, officer):
    services.application_submit(application=draft, actor=officer.user)
    for user in (outsider.user, unit_admin.user):  # a reviewer works on the portal
        client = api_client_for(user)
        for response in (client.get(_url(draft)), client.post(_url(draft, "submit/"))):
            assert response.status_code == 404
            assert _error(response)["code"] == "not_found"
        assert client.get(APPLICATIONS).json()["count"] == 0
    assert api_client_for(officer.user).get(f"{APPLICATIONS}{draft.pk + 1000}/").status_code == 404


@pytest.mark.parametrize("url", [PROGRAMMES, APPLICATIONS, f"{APPLICATIONS}1/"])
def test_it_refuses_without_a_token(api_client, url, programme):
    response = api_client.get(url)
    assert response.status_code == 401
    assert _error(response)["code"] == "not_authenticated"
    assert api_client.post(f"{APPLICATIONS}1/submit/").status_code == 401


# --- My applications ------------------------------------------------------------------------------------


def test_the_list_shows_my_applications_with_their_timeline(
    submitted, unit_admin, officer, outsider, universities
):
    services.unit_review(
        application=submitted, reviewer=unit_admin.user, decision="return", reason="请补充原件"
    )
    apply(submitted.programme, outsider, outsider.family_members.get(), universities["211"])
    body = api_client_for(officer.user).get(APPLICATIONS).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["id"], row["status"], row["status_display"]) == (
        submitted.pk,
        "returned",
        "returned for more information",
    )
    assert row["timeline"] == [
        {
            "time": row["timeline"][0]["time"],
            "decision": "submit",
            "decision_display": "submitted",
            "from_status": "draft",
            "from_status_display": "draft",
            "to_status": "submitted",
            "to_status_display": "awaiting unit review",
            "reason": "",
        },
        {
            "time": row["timeline"][1]["time"],
            "decision": "return",
            "decision_display": "returned",
            "from_status": "submitted",
            "from_status_display": "awaiting unit review",
            "to_status": "returned",
            "to_status_display": "returned for more information",
            "reason": "请补充原件",
        },
    ]
    assert row["problems"] == []  # returned, and still meets the rules: it can be submitted again


def test_a_paid_award_shows_its_notice_dates_and_payment(in_notice, welfare, officer):
    paid_day = in_notice.notice_ends_on + dt.timedelta(days=1)
    with time_machine.travel(paid_day, tick=False):
        services.application_pay(application=in_notice, actor=welfare)
    body = api_client_for(officer.user).get(_url(in_notice)).json()
    assert (body["status"], body["paid"], body["paid_on"]) == ("paid", True, paid_day.isoformat())
    assert (body["notice_starts_on"], body["notice_ends_on"]) == (
        in_notice.notice_starts_on.isoformat(),
        in_notice.notice_ends_on.isoformat(),
    )
    assert [e["decision"] for e in body["timeline"]] == ["submit", "approve", "approve", "notice", "pay"]


@pytest.mark.parametrize("count", [1, 3])
def test_the_list_costs_the_same_queries_for_1_or_3_applications(
    programme, officer, child, universities, count, django_assert_num_queries
):
    children = [child] + [
        family_of(officer, relation="child", name=f"陈思{n}", birth_date=dt.date(YEAR - 18, 1, n + 1))
        for n in range(count - 1)
    ]
    for kid in children:
        services.application_submit(
            application=apply(programme, officer, kid, universities["985"]), actor=officer.user
        )
    client = api_client_for(type(officer.user).objects.get(pk=officer.user_id))  # nothing cached on it
    # Queries: my officer profile with its unit, the count, the page (programme, unit, child, university
    # and payment joined), the events of the page's applications.
    with django_assert_num_queries(4):
        response = client.get(APPLICATIONS)
    body = response.json()
    assert body["count"] == count
    assert all(len(row["timeline"]) == 1 for row in body["results"])
