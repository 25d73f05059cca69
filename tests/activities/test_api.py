"""The REST API of family activities for the mobile app: browse, sign up, the waiting list, offers,
cancellation, the check-in code, feedback and the calendar address."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from activities import services
from activities.models import Activity, CalendarFeed, Feedback, SignUp, SignUpStatus
from tests.activities.factories import make_activity
from tests.conftest import api_client_for
from tests.factories import FamilyMemberFactory, OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/activities/"
MINE = "/api/v1/activities/signups/"
FEED = "/api/v1/activities/calendar-feed/"


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["status"] == response.status_code
    assert body["error"]["message"]
    return body["error"]


def _family(officer, *relations) -> list[int]:
    return list(officer.family_members.filter(relation__in=relations).values_list("pk", flat=True))


def _sign(activity, officer, members=(), **kwargs) -> SignUp:
    return services.signup_create(activity=activity, officer=officer, family_member_ids=members, **kwargs)


def _attended(officer, unit) -> SignUp:
    """A sign-up of the officer for an activity that started three hours ago, checked in."""
    activity = make_activity(unit=unit, starts_in=-dt.timedelta(hours=3), title="亲子绘画（上周）")
    signup = _sign(activity, officer, now=timezone.now() - dt.timedelta(hours=5))
    person = signup.people.get()
    return services.attendance_record(signup=signup, attended_person_ids=[person.pk], actor=None)


@pytest.fixture
def colleague(station):
    return OfficerFactory(org_unit=station, police_number="100002", name="张伟")


# --- The list ----------------------------------------------------------------------------------------------


def test_it_lists_upcoming_activities_open_to_my_unit(
    officer, outsider, city, county, other_county, django_assert_num_queries
):
    city_wide = make_activity(unit=city, title="警营开放日", starts_in=dt.timedelta(days=3), capacity=50)
    county_only = make_activity(unit=county, title="东城运动会", starts_in=dt.timedelta(days=5))
    make_activity(unit=other_county, title="西城花艺")
    make_activity(unit=city, title="昨天的活动", starts_in=-dt.timedelta(hours=3))
    called_off = make_activity(unit=city, title="取消的活动")
    services.activity_cancel(activity=called_off, actor=None, reason="天气")
    signup = _sign(city_wide, officer, _family(officer, "spouse"))
    client = api_client_for(officer.user)
    # Queries: the officer with their unit, the count, the page (with my sign-up as subqueries).
    with django_assert_num_queries(3):
        response = client.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["title"] for row in body["results"]] == ["警营开放日", "东城运动会"]
    first, second = body["results"]
    assert (first["places_left"], first["my_status"], first["my_signup_id"]) == (48, "confirmed", signup.pk)
    assert (second["places_left"], second["my_status"], second["my_signup_id"]) == (10, None, None)
    assert second["organiser"]["code"] == "X01"
    assert second["id"] == county_only.pk

    outsider_titles = [row["title"] for row in api_client_for(outsider.user).get(LIST).json()["results"]]
    assert outsider_titles == ["警营开放日", "西城花艺"]


def test_it_filters_the_list_by_kind_unit_and_dates(officer, city, county):
    make_activity(unit=city, title="开放日", kind="open_day", starts_in=dt.timedelta(days=2))
    make_activity(unit=county, title="运动会", kind="sports", starts_in=dt.timedelta(days=10))
    make_activity(unit=county, title="花艺", kind="couples", starts_in=dt.timedelta(days=20))
    client = api_client_for(officer.user)

    def titles(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.json()
        return [row["title"] for row in response.json()["results"]]

    assert titles(kind="sports") == ["运动会"]
    assert titles(unit=county.pk) == ["运动会", "花艺"]
    day = timezone.localdate()
    assert titles(date_from=day + dt.timedelta(days=5), date_to=day + dt.timedelta(days=15)) == ["运动会"]
    response = client.get(LIST, {"kind": "party"})
    assert response.status_code == 400
    assert "kind" in _error(response)["fields"]


def test_an_account_without_an_officer_profile_sees_no_activities(city):
    make_activity(unit=city)
    admin = UserFactory(username="sysadmin")
    client = api_client_for(admin)
    assert client.get(LIST).json()["count"] == 0
    assert client.get(MINE).json()["count"] == 0
    assert client.get(FEED).status_code == 404


def test_it_refuses_without_a_token(api_client):
    response = api_client.get(LIST)
    assert response.status_code == 401
    assert _error(response)["code"] == "not_authenticated"


# --- One activity ------------------------------------------------------------------------------------------


def test_it_shows_an_activity_with_my_place_on_the_waiting_list(officer, colleague, station):
    activity = make_activity(unit=station, capacity=2, description="带上画笔")
    _sign(activity, colleague)
    other = OfficerFactory(org_unit=station)
    _sign(activity, other)
    first_waiting = _sign(activity, OfficerFactory(org_unit=station))
    mine = _sign(activity, officer)
    assert first_waiting.status == mine.status == SignUpStatus.WAITLISTED
    response = api_client_for(officer.user).get(f"{LIST}{activity.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["places_left"] == 0
    assert body["signup_open"] is True
    assert body["description"] == "带上画笔"
    assert body["my_status"] == "waitlisted"
    assert body["my_signup"] == {
        "id": mine.pk,
        "status": "waitlisted",
        "persons": 1,
        "waitlist_position": 2,
        "offer_expires_at": None,
    }


def test_an_activity_without_my_sign_up_has_none(officer, city):
    activity = make_activity(unit=city, opens_at=timezone.now() + dt.timedelta(hours=1))
    body = api_client_for(officer.user).get(f"{LIST}{activity.pk}/").json()
    assert (body["my_signup"], body["my_status"], body["signup_open"]) == (None, None, False)


@pytest.mark.parametrize("suffix", ["", "signups/", "feedback/"])
def test_an_activity_of_another_county_answers_404(officer, other_county, suffix):
    activity = make_activity(unit=other_county)
    client = api_client_for(officer.user)
    response = (
        client.get(f"{LIST}{activity.pk}/")
        if not suffix
        else client.post(f"{LIST}{activity.pk}/{suffix}", {"family_member_ids": [], "rating": 5})
    )
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"
    assert not SignUp.objects.exists()


# --- Signing up --------------------------------------------------------------------------------------------


def test_it_signs_me_up_with_my_family(officer, station):
    activity = make_activity(unit=station, capacity=10)
    members = _family(officer, "spouse", "child")
    response = api_client_for(officer.user).post(
        f"{LIST}{activity.pk}/signups/", {"family_member_ids": members}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    signup = SignUp.objects.get(officer=officer, activity=activity)
    assert body["id"] == signup.pk
    assert (body["status"], body["persons"], body["waitlist_position"]) == ("confirmed", 3, None)
    assert sorted(person["name"] for person in body["people"]) == sorted([officer.name, "林婉清", "陈思源"])
    assert body["activity"]["id"] == activity.pk
    assert body["feedback"] is None
    assert Activity.objects.get(pk=activity.pk).booked_persons == 3


def test_a_full_activity_puts_me_on_the_waiting_list(officer, colleague, station):
    activity = make_activity(unit=station, capacity=1)
    _sign(activity, colleague)
    _sign(activity, OfficerFactory(org_unit=station))  # first in the queue
    response = api_client_for(officer.user).post(f"{LIST}{activity.pk}/signups/", {"family_member_ids": []})
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["waitlist_position"]) == ("waitlisted", 2)


def test_a_rule_violation_answers_400_with_the_reason(officer, station):
    couples = make_activity(unit=station, audience="couples", kind="couples")
    response = api_client_for(officer.user).post(
        f"{LIST}{couples.pk}/signups/", {"family_member_ids": _family(officer, "child")}
    )
    assert response.status_code == 400
    assert "spouse" in _error(response)["message"] or "配偶" in _error(response)["message"]
    assert not SignUp.objects.exists()


def test_someone_elses_family_member_cannot_come_along(officer, outsider, station):
    activity = make_activity(unit=station)
    theirs = outsider.family_members.get().pk
    response = api_client_for(officer.user).post(
        f"{LIST}{activity.pk}/signups/", {"family_member_ids": [theirs]}
    )
    assert response.status_code == 400
    assert not SignUp.objects.exists()


def test_signing_up_twice_answers_409(officer, station):
    activity = make_activity(unit=station)
    client = api_client_for(officer.user)
    assert client.post(f"{LIST}{activity.pk}/signups/", {"family_member_ids": []}).status_code == 201
    response = client.post(f"{LIST}{activity.pk}/signups/", {"family_member_ids": _family(officer, "spouse")})
    assert response.status_code == 409
    assert _error(response)["code"] == "conflict"
    assert SignUp.objects.get().persons == 1


def test_a_malformed_body_answers_field_errors(officer, station):
    activity = make_activity(unit=station)
    response = api_client_for(officer.user).post(
        f"{LIST}{activity.pk}/signups/", {"family_member_ids": ["abc"]}
    )
    assert response.status_code == 400
    assert "family_member_ids" in _error(response)["fields"]


# --- My sign-ups -------------------------------------------------------------------------------------------


def test_it_lists_only_my_signups_with_my_place_in_the_queue(
    officer, colleague, outsider, station, city, django_assert_num_queries
):
    full = make_activity(unit=station, capacity=1, title="满员", starts_in=dt.timedelta(days=3))
    open_ = make_activity(unit=city, title="有空位", starts_in=dt.timedelta(days=9))
    _sign(full, colleague)
    _sign(full, OfficerFactory(org_unit=station))
    waiting = _sign(full, officer)
    confirmed = _sign(open_, officer, _family(officer, "spouse"))
    _sign(open_, outsider)
    client = api_client_for(officer.user)
    # Queries: the officer, the count, the page (activity, feedback, queue position joined in), the persons.
    with django_assert_num_queries(4):
        response = client.get(MINE)
    body = response.json()
    assert body["count"] == 2
    rows = {row["id"]: row for row in body["results"]}
    assert list(rows) == [confirmed.pk, waiting.pk]  # the latest activity first
    assert rows[waiting.pk]["waitlist_position"] == services.waitlist_position(waiting) == 2
    assert rows[confirmed.pk]["waitlist_position"] is None
    assert [p["name"] for p in rows[confirmed.pk]["people"]] == [officer.name, "林婉清"]
    assert [row["id"] for row in client.get(MINE, {"status": "waitlisted"}).json()["results"]] == [waiting.pk]


# --- Cancel, accept an offer --------------------------------------------------------------------------------


def test_cancelling_frees_my_place_for_the_waiting_list(officer, colleague, station):
    activity = make_activity(unit=station, capacity=1)
    mine = _sign(activity, officer)
    waiting = _sign(activity, colleague)
    response = api_client_for(officer.user).post(f"{MINE}{mine.pk}/cancel/", {"reason": "值班"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "值班"
    waiting.refresh_from_db()
    assert waiting.status == SignUpStatus.OFFERED


def test_cancelling_after_the_cut_off_answers_400(officer, station):
    activity = make_activity(unit=station, cancel_until=timezone.now() - dt.timedelta(minutes=1))
    mine = _sign(activity, officer)
    response = api_client_for(officer.user).post(f"{MINE}{mine.pk}/cancel/")
    assert response.status_code == 400
    assert _error(response)["message"]
    mine.refresh_from_db()
    assert mine.status == SignUpStatus.CONFIRMED


def test_i_accept_an_offered_place(officer, colleague, station):
    activity = make_activity(unit=station, capacity=1)
    theirs = _sign(activity, colleague)
    mine = _sign(activity, officer)
    services.signup_cancel(signup=theirs, actor=None)
    client = api_client_for(officer.user)
    response = client.post(f"{MINE}{mine.pk}/accept-offer/")
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    again = client.post(f"{MINE}{mine.pk}/accept-offer/")  # a double tap changes nothing
    assert (again.status_code, again.json()["status"]) == (200, "confirmed")


def test_accepting_without_an_offer_answers_400(officer, colleague, station):
    activity = make_activity(unit=station, capacity=1)
    _sign(activity, colleague)
    mine = _sign(activity, officer)
    response = api_client_for(officer.user).post(f"{MINE}{mine.pk}/accept-offer/")
    assert response.status_code == 400
    mine.refresh_from_db()
    assert mine.status == SignUpStatus.WAITLISTED


@pytest.mark.parametrize(
    ("method", "suffix"), [("post", "cancel/"), ("post", "accept-offer/"), ("get", "qr/")]
)
def test_another_officers_signup_answers_404(officer, outsider, other_station, method, suffix):
    theirs = _sign(make_activity(unit=other_station), outsider)
    response = getattr(api_client_for(officer.user), method)(f"{MINE}{theirs.pk}/{suffix}")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.status == SignUpStatus.CONFIRMED


# --- Check-in code -----------------------------------------------------------------------------------------


def test_a_confirmed_signup_has_a_check_in_code(officer, colleague, station):
    activity = make_activity(unit=station, capacity=1)
    mine = _sign(activity, officer)
    client = api_client_for(officer.user)
    response = client.get(f"{MINE}{mine.pk}/qr/")
    assert response.status_code == 200
    assert response.json() == {"signup": mine.pk, "code": f"WELFARE-CHECKIN:{str(mine.token).upper()}"}
    waiting = _sign(activity, colleague)
    response = api_client_for(colleague.user).get(f"{MINE}{waiting.pk}/qr/")
    assert response.status_code == 400


# --- Feedback ----------------------------------------------------------------------------------------------


def test_i_rate_an_activity_i_came_to_and_a_second_rating_replaces_it(officer, station):
    signup = _attended(officer, station)
    client = api_client_for(officer.user)
    url = f"{LIST}{signup.activity_id}/feedback/"
    response = client.post(url, {"rating": 4, "comment": "很好"})
    assert response.status_code == 200, response.json()
    assert (response.json()["rating"], response.json()["comment"]) == (4, "很好")
    client.post(url, {"rating": 5, "comment": ""})
    feedback = Feedback.objects.get()
    assert (feedback.signup_id, feedback.rating, feedback.comment) == (signup.pk, 5, "")
    assert client.get(MINE).json()["results"][0]["feedback"]["rating"] == 5


def test_a_rating_out_of_range_answers_field_errors(officer, station):
    signup = _attended(officer, station)
    response = api_client_for(officer.user).post(f"{LIST}{signup.activity_id}/feedback/", {"rating": 6})
    assert response.status_code == 400
    assert "rating" in _error(response)["fields"]
    assert not Feedback.objects.exists()


def test_only_those_who_came_may_rate(officer, colleague, station):
    activity = make_activity(unit=station)
    _sign(activity, officer)
    client = api_client_for(officer.user)
    response = client.post(f"{LIST}{activity.pk}/feedback/", {"rating": 5})  # confirmed, not yet held
    assert response.status_code == 400
    response = api_client_for(colleague.user).post(f"{LIST}{activity.pk}/feedback/", {"rating": 5})
    assert response.status_code == 400  # no sign-up at all
    assert not Feedback.objects.exists()


# --- The calendar address ---------------------------------------------------------------------------------


def test_my_calendar_address_is_made_once_and_a_reset_replaces_it(officer):
    client = api_client_for(officer.user)
    first = client.get(FEED).json()["url"]
    assert client.get(FEED).json()["url"] == first
    feed = CalendarFeed.objects.get(officer=officer)
    assert first == f"http://testserver/calendar/{feed.token}.ics"
    assert len(feed.token) >= 43
    phone = Client()  # a calendar app: no cookies, no log-in
    assert phone.get(first).status_code == 200

    response = client.post(f"{FEED}reset/")
    assert response.status_code == 200
    second = response.json()["url"]
    assert second != first
    assert phone.get(first).status_code == 404
    assert phone.get(second).status_code == 200
    assert client.get(FEED).json()["url"] == second


def test_another_officer_gets_an_address_of_their_own(officer, outsider):
    mine = api_client_for(officer.user).get(FEED).json()["url"]
    theirs = api_client_for(outsider.user).get(FEED).json()["url"]
    assert mine != theirs
    assert CalendarFeed.objects.count() == 2


def test_it_answers_for_a_child_signed_up_with_a_young_child(officer, station):
    """The children's audience through the API: a child of the right age is accepted."""
    young = FamilyMemberFactory(
        officer=officer,
        relation="child",
        name="陈可欣",
        birth_date=timezone.localdate() - dt.timedelta(days=8 * 366),
    )
    painting = make_activity(unit=station, audience="children", child_age_min=4, child_age_max=12)
    client = api_client_for(officer.user)
    too_old = client.post(f"{LIST}{painting.pk}/signups/", {"family_member_ids": _family(officer, "child")})
    assert too_old.status_code == 400
    assert "陈思源" in _error(too_old)["message"]
    response = client.post(f"{LIST}{painting.pk}/signups/", {"family_member_ids": [young.pk]})
    assert response.status_code == 201
    assert response.json()["persons"] == 2
