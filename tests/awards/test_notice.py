"""The public notice (公示): awards in their notice period with the child's name masked and the officer's
unit only, the xlsx export, and objections that put an award on hold."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from openpyxl import load_workbook

from awards import services
from awards.models import Application, Objection, Status
from tests.awards.conftest import YEAR, _university, apply, family_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOTICE = "/awards/notice/"
EXPORT = "/awards/notice.xlsx"


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _publish(application, *, officer, unit_admin, welfare) -> Application:
    """Take an application from draft to public notice."""
    application = services.application_submit(application=application, actor=officer.user)
    application = services.unit_review(application=application, reviewer=unit_admin.user, decision="approve")
    application = services.welfare_review(application=application, reviewer=welfare, decision="approve")
    return services.notice_start(application=application, actor=welfare)


def _object_url(application) -> str:
    return f"/awards/notice/{application.pk}/object/"


# --- The page -------------------------------------------------------------------------------------------


def test_it_lists_awards_in_notice_with_masked_names_and_the_unit_only(in_notice, officer, outsider):
    response = _client(outsider.user).get(NOTICE)
    assert response.status_code == 200
    html = response.content.decode()
    assert [a.pk for a in response.context["page"]] == [in_notice.pk]
    assert "陈*源" in html
    assert "陈思源" not in html
    assert officer.name not in html and officer.police_number not in html
    assert "城关派出所" in html  # the officer's unit
    assert "北京大学" in html and "985 Project" in html
    assert "¥10,000" in html
    assert f"{in_notice.notice_starts_on:%Y-%m-%d} – {in_notice.notice_ends_on:%Y-%m-%d}" in html
    assert f'action="/awards/notice/{in_notice.pk}/object/"' in html
    assert 'data-testid="award-on-hold"' not in html


def test_an_approved_award_not_yet_published_and_one_after_its_period_are_not_listed(in_notice, outsider):
    Application.objects.filter(pk=in_notice.pk).update(status=Status.APPROVED)
    assert list(_client(outsider.user).get(NOTICE).context["page"]) == []
    Application.objects.filter(pk=in_notice.pk).update(status=Status.IN_NOTICE)
    with time_machine.travel(in_notice.notice_ends_on + dt.timedelta(days=1), tick=False):
        html = _client(outsider.user).get(NOTICE).content.decode()
    assert "陈*源" not in html
    assert "No award is on public notice at the moment." in html


# Session, user, the page's count, the page of awards (programme, unit, child, university and payment
# joined), the officer for the navigation, role assignments, session save (savepoint, UPDATE, release).
NOTICE_QUERIES = 9


@pytest.mark.parametrize("count", [1, 3])
def test_the_notice_costs_the_same_queries_for_1_or_3_awards(
    programme, officer, child, universities, unit_admin, welfare, outsider, count, django_assert_num_queries
):
    children = [child] + [
        family_of(officer, relation="child", name=f"陈思{n}", birth_date=dt.date(YEAR - 18, 1, n + 1))
        for n in range(count - 1)
    ]
    for kid in children:
        _publish(
            apply(programme, officer, kid, universities["985"]),
            officer=officer,
            unit_admin=unit_admin,
            welfare=welfare,
        )
    client = _client(outsider.user)
    client.get(NOTICE)  # warm the session
    with django_assert_num_queries(NOTICE_QUERIES):
        response = client.get(NOTICE)
    assert response.content.decode().count('data-testid="award-notice-row"') == count


def test_anonymous_visitors_are_sent_to_log_in(in_notice):
    for url in (NOTICE, EXPORT):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert Client().post(_object_url(in_notice), {"text": "x"}).status_code == 302
    assert not Objection.objects.exists()


# --- The export -----------------------------------------------------------------------------------------


def test_the_export_has_the_same_rows_masked_with_amounts_as_numbers_and_no_formulas(
    in_notice, outsider, programme, officer, universities, unit_admin, welfare
):
    evil = _university("4100000001", '=HYPERLINK("http://x.example","点此")', "北京", is_211=True)
    second = family_of(officer, relation="child", name="陈小", birth_date=dt.date(YEAR - 18, 5, 1))
    _publish(apply(programme, officer, second, evil), officer=officer, unit_admin=unit_admin, welfare=welfare)
    response = _client(outsider.user).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="award-notice-')
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Programme",
        "Child",
        "Unit",
        "University",
        "Tier",
        "Amount",
        "Notice from",
        "Notice until",
        "Status",
    )
    assert sorted(row[1] for row in rows[1:]) == ["陈*", "陈*源"]
    assert not any("陈思源" in str(cell) for row in rows for cell in row)
    first = next(row for row in rows[1:] if row[1] == "陈*源")
    assert first[0] == programme.title and first[2] == "城关派出所" and first[3] == "北京大学"
    assert (first[4], first[5], first[8]) == ("985 Project", 10000, "in public notice")
    assert isinstance(first[5], int | float)
    assert first[6].date() == in_notice.notice_starts_on
    injected = next(row for row in rows[1:] if row[1] == "陈*")
    assert injected[3] == '\'=HYPERLINK("http://x.example","点此")'
    assert (injected[4], injected[5]) == ("211 Project", 6000)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


# --- Objections -----------------------------------------------------------------------------------------


def test_an_objection_puts_the_award_on_hold_and_the_objector_is_never_shown(in_notice, outsider, officer):
    objector = UserFactory(username="objector", first_name="举报", last_name="人")
    client = _client(objector)
    response = client.post(_object_url(in_notice), {"text": "该生实际被专科录取，请核实。"}, follow=True)
    assert response.redirect_chain[-1][0] == NOTICE
    assert _messages(response) == [
        "Your objection has been lodged. The award is on hold until the welfare office has looked into it."
    ]
    in_notice.refresh_from_db()
    assert in_notice.status == Status.ON_HOLD
    objection = Objection.objects.get()
    assert (objection.application, objection.lodged_by, objection.text) == (
        in_notice,
        objector,
        "该生实际被专科录取，请核实。",
    )
    for viewer in (outsider.user, officer.user):
        html = _client(viewer).get(NOTICE).content.decode()
        assert 'data-testid="award-on-hold"' in html  # still listed, shown as on hold
        assert "objector" not in html and "该生实际被专科录取" not in html
    assert (
        "objector" not in _client(officer.user).get(f"/awards/applications/{in_notice.pk}/").content.decode()
    )


def test_an_objection_after_the_notice_period_is_refused_with_the_reason(in_notice, outsider):
    with time_machine.travel(in_notice.notice_ends_on + dt.timedelta(days=1), tick=False):
        response = _client(outsider.user).post(_object_url(in_notice), {"text": "迟到的异议"}, follow=True)
    assert _messages(response) == ["Objections are lodged during the public notice period."]
    in_notice.refresh_from_db()
    assert in_notice.status == Status.IN_NOTICE
    assert not Objection.objects.exists()


def test_an_empty_objection_is_refused(in_notice, outsider):
    response = _client(outsider.user).post(_object_url(in_notice), {"text": "  "}, follow=True)
    assert _messages(response) == ["Say what the objection is."]
    in_notice.refresh_from_db()
    assert in_notice.status == Status.IN_NOTICE
    assert not Objection.objects.exists()


def test_an_award_never_published_cannot_be_objected_to(approved, outsider):
    assert _client(outsider.user).post(_object_url(approved), {"text": "异议"}).status_code == 404
    assert _client(outsider.user).post("/awards/notice/999999/object/", {"text": "异议"}).status_code == 404
    assert not Objection.objects.exists()
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED


def test_an_objection_is_a_post(in_notice, outsider):
    assert _client(outsider.user).get(_object_url(in_notice)).status_code == 405
