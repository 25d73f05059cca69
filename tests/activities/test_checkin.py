"""Check-in: the officer's QR code, the staff page (scan or name), the paper list and its bulk entry, and
feedback."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pypdf
import pytest
import time_machine
from django.test import Client

from activities import checkin, services
from activities.models import Feedback, SignUp, SignUpStatus
from tests.activities.factories import make_activity
from tests.factories import FamilyMemberFactory, OfficerFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # messages as their msgids, whatever the catalogue holds
    client.force_login(user)
    return client


@pytest.fixture
def office(city):
    """The city welfare office: manages every activity organised in the city."""
    user = UserFactory(username="office")
    RoleAssignmentFactory(user=user, role="welfare_office", org_unit=city)
    return user


@pytest.fixture
def today_activity(city):
    """Open to the whole city, starting in two hours: sign-up still open and check-in already open."""
    return make_activity(unit=city, starts_in=dt.timedelta(hours=2), title="亲子绘画")


def _sign_up(activity, officer, *members) -> SignUp:
    return services.signup_create(
        activity=activity, officer=officer, family_member_ids=[member.pk for member in members]
    )


@pytest.fixture
def family_signup(today_activity, officer) -> SignUp:
    return _sign_up(today_activity, officer, *officer.family_members.all())


# --- QR code -------------------------------------------------------------------------------------------


def test_it_serves_the_qr_code_of_ones_own_confirmed_signup(family_signup, officer):
    response = _client(officer.user).get(f"/activities/signups/{family_signup.pk}/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "no-store" in response["Cache-Control"]
    svg = response.content.decode()
    assert svg.startswith("<?xml") and "<svg" in svg and "<path" in svg
    assert checkin.qr_payload(family_signup) == f"WELFARE-CHECKIN:{str(family_signup.token).upper()}"


def test_the_qr_code_is_404_for_anybody_else(family_signup, outsider, office):
    assert _client(outsider.user).get(f"/activities/signups/{family_signup.pk}/qr.svg").status_code == 404
    assert _client(office).get(f"/activities/signups/{family_signup.pk}/qr.svg").status_code == 404


def test_a_waitlisted_signup_has_no_qr_code(city, officer):
    activity = make_activity(unit=city, capacity=1, starts_in=dt.timedelta(hours=2))
    _sign_up(activity, OfficerFactory(org_unit=city))
    waiting = _sign_up(activity, officer)
    assert waiting.status == SignUpStatus.WAITLISTED
    assert _client(officer.user).get(f"/activities/signups/{waiting.pk}/qr.svg").status_code == 404


def test_the_qr_include_links_the_code_of_a_confirmed_signup_only(family_signup):
    from django.template.loader import render_to_string

    html = render_to_string("activities/_qr.html", {"signup": family_signup})
    assert f"/activities/signups/{family_signup.pk}/qr.svg" in html
    family_signup.status = SignUpStatus.WAITLISTED
    assert "qr.svg" not in render_to_string("activities/_qr.html", {"signup": family_signup})


def test_a_scanned_code_is_read_with_or_without_its_prefix(family_signup):
    token = family_signup.token
    assert checkin.token_in(checkin.qr_payload(family_signup)) == token
    assert checkin.token_in(f"  welfare-checkin:{token}\n") == token
    assert checkin.token_in(str(token)) == token
    assert checkin.token_in("陈思源") is None
    assert checkin.token_in("WELFARE-CHECKIN:not-a-code") is None


# --- The check-in page --------------------------------------------------------------------------------


def test_a_scanned_code_finds_the_signup_with_its_persons_ticked(family_signup, office, officer):
    response = _client(office).get(
        f"/activities/{family_signup.activity_id}/check-in/", {"q": checkin.qr_payload(family_signup)}
    )
    assert response.status_code == 200
    assert [signup.pk for signup in response.context["signups"]] == [family_signup.pk]
    html = response.content.decode()
    for person in family_signup.people.all():
        assert f'value="{person.pk}" id="person-{person.pk}" checked' in html
    assert "林婉清" in html and "陈思源" in html and officer.name in html


def test_the_empty_page_shows_the_counts_and_the_paper_lists(family_signup, office):
    activity_id = family_signup.activity_id
    response = _client(office).get(f"/activities/{activity_id}/check-in/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "0 of 3 persons checked in" in html and "1 of 1 sign-ups not yet recorded" in html
    assert f"/activities/{activity_id}/check-in/list.pdf" in html
    assert f"/activities/{activity_id}/check-in/bulk/" in html
    assert response.context["signups"] == []


def test_an_htmx_search_answers_the_results_only(family_signup, office):
    response = _client(office).get(
        f"/activities/{family_signup.activity_id}/check-in/",
        {"q": checkin.qr_payload(family_signup)},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "<html" not in html and f'id="signup-{family_signup.pk}"' in html
    assert "autofocus" in html  # a scan puts the focus on its check-in button: Enter confirms


def test_a_code_of_another_activity_is_named_as_such(family_signup, office, city, outsider):
    other = make_activity(unit=city, starts_in=dt.timedelta(hours=3), title="夫妻花艺")
    elsewhere = _sign_up(other, outsider)
    response = _client(office).get(
        f"/activities/{family_signup.activity_id}/check-in/", {"q": checkin.qr_payload(elsewhere)}
    )
    assert response.context["signups"] == []
    assert response.context["found"].message == "This code is for another activity."
    assert outsider.name not in response.content.decode()


def test_a_cancelled_or_unknown_code_is_explained(family_signup, office):
    url = f"/activities/{family_signup.activity_id}/check-in/"
    client = _client(office)
    unknown = client.get(url, {"q": "WELFARE-CHECKIN:00000000-0000-4000-8000-000000000000"})
    assert unknown.context["found"].message == "No sign-up has this code."
    services.signup_cancel(signup=family_signup, actor=office, by_office=True)
    cancelled = client.get(url, {"q": checkin.qr_payload(family_signup)})
    assert cancelled.context["signups"] == []
    assert cancelled.context["found"].message == "This sign-up is cancelled: it cannot be checked in."


@pytest.mark.parametrize("text", ["林婉清", "100001", "思源"])
def test_a_name_or_police_number_finds_the_signup(family_signup, office, outsider, text):
    _sign_up(family_signup.activity, outsider)
    response = _client(office).get(f"/activities/{family_signup.activity_id}/check-in/", {"q": text})
    assert [signup.pk for signup in response.context["signups"]] == [family_signup.pk]


def test_checking_in_marks_attendance_per_person(family_signup, office):
    officer_row, _spouse, child = family_signup.people.order_by("id")
    response = _client(office).post(
        f"/activities/{family_signup.activity_id}/check-in/{family_signup.pk}/",
        {"person": [officer_row.pk, child.pk]},
    )
    assert response.status_code == 302
    family_signup.refresh_from_db()
    assert family_signup.status == SignUpStatus.ATTENDED
    assert [person.attended for person in family_signup.people.order_by("id")] == [True, False, True]


def test_checking_in_with_htmx_answers_the_card_and_the_counts(family_signup, office):
    _officer_row, spouse, child = family_signup.people.order_by("id")
    response = _client(office).post(
        f"/activities/{family_signup.activity_id}/check-in/{family_signup.pk}/",
        {"person": [spouse.pk]},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="checkin-counts" hx-swap-oob="true"' in html
    assert "1 of 3 persons checked in" in html
    assert f'id="signup-{family_signup.pk}"' in html
    assert f'value="{spouse.pk}" id="person-{spouse.pk}" checked' in html
    assert f'value="{child.pk}" id="person-{child.pk}">' in html


def test_no_box_ticked_makes_a_no_show(family_signup, office):
    _client(office).post(f"/activities/{family_signup.activity_id}/check-in/{family_signup.pk}/", {})
    family_signup.refresh_from_db()
    assert family_signup.status == SignUpStatus.NO_SHOW


def test_a_person_of_another_signup_is_refused(family_signup, office, outsider):
    theirs = _sign_up(family_signup.activity, outsider)
    client = _client(office)
    response = client.post(
        f"/activities/{family_signup.activity_id}/check-in/{family_signup.pk}/",
        {"person": [theirs.people.get().pk]},
        HTTP_HX_REQUEST="true",
    )
    assert "These persons are not on this sign-up." in response.content.decode()
    family_signup.refresh_from_db()
    assert family_signup.status == SignUpStatus.CONFIRMED


def test_check_in_before_the_day_shows_the_services_reason(city, officer, office):
    activity = make_activity(unit=city, starts_in=dt.timedelta(days=5))
    signup = _sign_up(activity, officer)
    response = _client(office).post(
        f"/activities/{activity.pk}/check-in/{signup.pk}/", {"person": [signup.people.get().pk]}, follow=True
    )
    assert "Check-in opens on the day of the activity." in response.content.decode()
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CONFIRMED


def test_staff_pages_are_403_without_the_role_and_404_out_of_scope(family_signup, officer, county, station):
    activity = family_signup.activity
    urls = [
        f"/activities/{activity.pk}/check-in/",
        f"/activities/{activity.pk}/check-in/list.xlsx",
        f"/activities/{activity.pk}/check-in/list.pdf",
        f"/activities/{activity.pk}/check-in/bulk/",
        f"/activities/{activity.pk}/feedback/results/",
    ]
    for url in urls:
        assert _client(officer.user).get(url).status_code == 403, url
    county_office = UserFactory(username="county-office")
    RoleAssignmentFactory(user=county_office, role="welfare_office", org_unit=county)
    for url in urls:  # a city-wide activity is not the county office's
        assert _client(county_office).get(url).status_code == 404, url
    record = f"/activities/{activity.pk}/check-in/{family_signup.pk}/"
    assert _client(county_office).post(record, {}).status_code == 404
    assert _client(officer.user).post(record, {}).status_code == 403
    family_signup.refresh_from_db()
    assert family_signup.status == SignUpStatus.CONFIRMED


def test_the_check_in_page_costs_a_fixed_number_of_queries(
    today_activity, office, city, django_assert_num_queries
):
    for _ in range(4):
        member = FamilyMemberFactory(officer=OfficerFactory(org_unit=city), relation="spouse")
        _sign_up(today_activity, member.officer, member)
    client = _client(office)
    client.get("/")
    # Session, user, role assignments, the activity, the search (sign-ups, persons), the counts,
    # own officer (navigation), session save (savepoint, UPDATE, release).
    with django_assert_num_queries(11):
        response = client.get(f"/activities/{today_activity.pk}/check-in/", {"q": "民警"})
    assert len(response.context["signups"]) == 4


# --- The paper list -----------------------------------------------------------------------------------


def test_the_excel_list_names_everybody_and_defuses_formulas(family_signup, office, city):
    sly = OfficerFactory(org_unit=city, name='=HYPERLINK("http://x","y")', police_number="-100")
    _sign_up(family_signup.activity, sly)
    response = _client(office).get(f"/activities/{family_signup.activity_id}/check-in/list.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert "亲子绘画" in values[0]
    for name in ("林婉清", "陈思源"):
        assert any(isinstance(value, str) and value.startswith(name) for value in values)
    assert '\'=HYPERLINK("http://x","y")' in values and "'-100" in values
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert values.count(checkin.BOX) == 4  # three of the family, one of the other officer


def test_the_pdf_list_names_every_person(family_signup, office, officer):
    response = _client(office).get(f"/activities/{family_signup.activity_id}/check-in/list.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for name in (officer.name, "林婉清", "陈思源", "城关派出所", officer.police_number):
        assert name in text


# --- Bulk entry -----------------------------------------------------------------------------------------


def test_bulk_entry_records_everybody_and_makes_the_unticked_no_shows(family_signup, office, outsider, city):
    absent = _sign_up(family_signup.activity, outsider)
    late = _sign_up(family_signup.activity, OfficerFactory(org_unit=city))
    client = _client(office)
    page = client.get(f"/activities/{family_signup.activity_id}/check-in/bulk/")
    assert {signup.pk for signup in page.context["signups"]} == {family_signup.pk, absent.pk, late.pk}
    officer_row, spouse, _child = family_signup.people.order_by("id")
    response = client.post(
        f"/activities/{family_signup.activity_id}/check-in/bulk/",
        {"signup": [family_signup.pk, absent.pk], "person": [officer_row.pk, spouse.pk]},
    )
    assert response.status_code == 302
    statuses = dict(SignUp.objects.values_list("pk", "status"))
    assert statuses[family_signup.pk] == SignUpStatus.ATTENDED
    assert statuses[absent.pk] == SignUpStatus.NO_SHOW
    assert statuses[late.pk] == SignUpStatus.CONFIRMED  # not on the form that was sent
    assert [person.attended for person in family_signup.people.order_by("id")] == [True, True, False]


def test_bulk_entry_is_all_or_nothing(family_signup, office, outsider, city):
    other = make_activity(unit=city, starts_in=dt.timedelta(hours=3))
    stray = _sign_up(other, outsider).people.get()
    response = _client(office).post(
        f"/activities/{family_signup.activity_id}/check-in/bulk/",
        {"signup": [family_signup.pk], "person": [family_signup.people.first().pk, stray.pk]},
    )
    assert response.status_code == 200
    assert "These persons are not on the sign-ups of this list." in response.content.decode()
    family_signup.refresh_from_db()
    assert family_signup.status == SignUpStatus.CONFIRMED


def test_bulk_entry_rolls_back_what_it_recorded_when_a_later_signup_fails(
    family_signup, office, city, monkeypatch
):
    second = _sign_up(family_signup.activity, OfficerFactory(org_unit=city))
    real = services.attendance_record

    def failing_on_the_second(*, signup, attended_person_ids, actor):
        if signup.pk == second.pk:
            raise services.ActivityError("boom")
        return real(signup=signup, attended_person_ids=attended_person_ids, actor=actor)

    monkeypatch.setattr(services, "attendance_record", failing_on_the_second)
    response = _client(office).post(
        f"/activities/{family_signup.activity_id}/check-in/bulk/",
        {"signup": [family_signup.pk, second.pk], "person": [family_signup.people.first().pk]},
    )
    assert "boom" in response.content.decode()
    family_signup.refresh_from_db()
    assert family_signup.status == SignUpStatus.CONFIRMED
    assert not family_signup.people.filter(attended__isnull=False).exists()


# --- Feedback -------------------------------------------------------------------------------------------


def _attended(signup, office) -> SignUp:
    return services.attendance_record(
        signup=signup, attended_person_ids=[person.pk for person in signup.people.all()], actor=office
    )


def test_an_attendee_rates_after_the_end(family_signup, officer, office):
    _attended(family_signup, office)
    url = f"/activities/{family_signup.activity_id}/feedback/"
    with time_machine.travel(family_signup.activity.ends_at + dt.timedelta(hours=1), tick=False):
        client = _client(officer.user)  # logged in then: the session would have expired
        assert client.get(url).context["can_rate"] is True
        response = client.post(url, {"rating": "4", "comment": " 孩子很喜欢 "})
        assert response.status_code == 302
        client.post(url, {"rating": "5", "comment": ""})
    feedback = Feedback.objects.get()
    assert (feedback.signup_id, feedback.rating, feedback.comment) == (family_signup.pk, 5, "")


def test_feedback_before_the_end_is_refused(family_signup, officer, office):
    _attended(family_signup, office)
    url = f"/activities/{family_signup.activity_id}/feedback/"
    with time_machine.travel(family_signup.activity.ends_at - dt.timedelta(minutes=30), tick=False):
        response = _client(officer.user).post(url, {"rating": "5"})
    assert response.status_code == 200
    assert "The activity has not ended yet: rate it afterwards." in response.content.decode()
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("rating", ["0", "6", "", "abc"])
def test_a_rating_outside_1_to_5_is_refused(family_signup, officer, office, rating):
    _attended(family_signup, office)
    with time_machine.travel(family_signup.activity.ends_at + dt.timedelta(hours=1), tick=False):
        response = _client(officer.user).post(
            f"/activities/{family_signup.activity_id}/feedback/", {"rating": rating}
        )
    assert response.status_code == 200 and response.context["form"].errors
    assert not Feedback.objects.exists()


def test_only_attendees_rate(family_signup, officer, office, outsider):
    services.attendance_record(signup=family_signup, attended_person_ids=[], actor=office)  # a no-show
    url = f"/activities/{family_signup.activity_id}/feedback/"
    with time_machine.travel(family_signup.activity.starts_at + dt.timedelta(hours=1), tick=False):
        page = _client(officer.user).get(url)
        assert page.context["can_rate"] is False
        assert "Only those who came can rate an activity." in page.content.decode()
        response = _client(officer.user).post(url, {"rating": "5"})
        assert "Only those who came can rate an activity." in response.content.decode()
        assert _client(outsider.user).get(url).status_code == 404  # no sign-up of theirs
    assert not Feedback.objects.exists()


def test_feedback_results_withhold_a_small_group_comments_included(today_activity, office, city):
    signups = [_attended(_sign_up(today_activity, OfficerFactory(org_unit=city)), office) for _ in range(5)]
    with time_machine.travel(today_activity.starts_at + dt.timedelta(hours=3), tick=False):
        client = _client(office)
        for signup, rating in zip(signups[:4], (5, 4, 4, 2), strict=True):
            services.feedback_submit(
                signup=signup, officer=signup.officer, rating=rating, comment=f"评{rating}"
            )
        results = client.get(f"/activities/{today_activity.pk}/feedback/results/").context["results"]
        assert (results.count, results.average, results.distribution) == (4, None, None)
        assert results.comments == []  # four people: a comment could be told apart
        services.feedback_submit(signup=signups[4], officer=signups[4].officer, rating=5)
        response = client.get(f"/activities/{today_activity.pk}/feedback/results/")
    results = response.context["results"]
    assert results.average == 4.0
    assert results.distribution == {5: 2, 4: 2, 3: 0, 2: 1, 1: 0}
    assert results.kind_average == 4.0
    html = response.content.decode()
    assert "评2" in html and signups[0].officer.name not in html
