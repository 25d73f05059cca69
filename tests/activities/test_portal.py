"""Portal pages of family activities: the officer's list, calendar, activity page and sign-ups, and the
welfare office's pages (create, series, edit, capacity, cancel, photos, the sign-up list and its export)."""

from __future__ import annotations

import datetime as dt
import itertools
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from activities import services
from activities.models import Activity, ActivityPhoto, ActivityStatus, SignUp, SignUpStatus
from audit.models import AuditAction, AuditEntry
from tests.activities.factories import make_activity
from tests.factories import FamilyMemberFactory, OfficerFactory, RoleAssignmentFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _client(user) -> Client:
    # English, so that the assertions on messages hold whatever the zh_Hans catalogue holds.
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def office(city):
    """The city's welfare office (爱警办): manages every activity."""
    clerk = OfficerFactory(org_unit=city, police_number="900001", name="周主任", user__username="office")
    RoleAssignmentFactory(user=clerk.user, role="welfare_office", org_unit=city)
    return clerk


@pytest.fixture
def county_office(other_county):
    """A welfare office of the other county: manages only what its county organises."""
    clerk = OfficerFactory(org_unit=other_county, police_number="900002", user__username="office2")
    RoleAssignmentFactory(user=clerk.user, role="welfare_office", org_unit=other_county)
    return clerk


@pytest.fixture
def painting(county):
    """Open to the county (the officer's station lies in it), not to the other county's outsider."""
    return make_activity(unit=county, title="亲子绘画", capacity=10)


def _family(officer, relation):
    return officer.family_members.get(relation=relation)


def _expire_the_queue(activity):
    return list(
        SignUp.objects.filter(activity=activity).order_by("queued_at").values_list("status", flat=True)
    )


# --- Pages render, scope ---------------------------------------------------------------------------------


def test_it_renders_every_officer_page(officer, painting):
    client = _client(officer.user)
    listing = client.get("/activities/")
    assert listing.status_code == 200
    assert [activity.title for activity in listing.context["page"]] == ["亲子绘画"]
    assert "10" in listing.content.decode()  # places left
    month = timezone.localtime(painting.starts_at).strftime("%Y-%m")
    calendar = client.get(f"/activities/calendar/?month={month}")
    assert calendar.status_code == 200
    shown = [a.pk for week in calendar.context["month"].weeks for day in week for a in day.activities]
    assert shown == [painting.pk]
    detail = client.get(f"/activities/{painting.pk}/")
    assert detail.status_code == 200
    assert detail.context["form"] is not None
    assert "陈思源" in detail.content.decode()  # the child to tick
    mine = client.get("/activities/mine/")
    assert mine.status_code == 200
    assert mine.context["upcoming"] == [] and mine.context["past"] == []


def test_the_navigation_offers_activities_to_officers_and_management_to_the_office(officer, office):
    officer_urls = [item["url"] for item in _client(officer.user).get("/").context["nav_items"]]
    office_urls = [item["url"] for item in _client(office.user).get("/").context["nav_items"]]
    assert "/activities/" in officer_urls and "/activities/manage/" not in officer_urls
    assert "/activities/manage/" in office_urls


def test_an_activity_of_another_county_is_invisible_to_its_outsiders(officer, outsider, painting):
    client = _client(outsider.user)
    assert list(client.get("/activities/").context["page"]) == []
    month = timezone.localtime(painting.starts_at).strftime("%Y-%m")
    weeks = client.get(f"/activities/calendar/?month={month}").context["month"].weeks
    assert all(not day.activities for week in weeks for day in week)
    assert client.get(f"/activities/{painting.pk}/").status_code == 404
    assert client.post(f"/activities/{painting.pk}/sign-up/", {}).status_code == 404
    assert client.post(f"/activities/{painting.pk}/cancel/").status_code == 404
    assert not SignUp.objects.exists()


def test_the_list_filters_by_kind_organiser_and_dates(officer, city, county):
    painting = make_activity(unit=county, title="亲子绘画", starts_in=dt.timedelta(days=3))
    flowers = make_activity(unit=city, title="夫妻花艺", kind="couples", starts_in=dt.timedelta(days=20))
    client = _client(officer.user)

    def titles(query):
        return [activity.title for activity in client.get(f"/activities/?{query}").context["page"]]

    assert titles("") == ["亲子绘画", "夫妻花艺"]
    assert titles("kind=couples") == ["夫妻花艺"]
    assert titles(f"unit={county.pk}") == ["亲子绘画"]
    day = timezone.localtime(painting.starts_at).date()
    assert titles(f"date_to={day:%Y-%m-%d}") == ["亲子绘画"]
    assert titles(f"date_from={day + dt.timedelta(days=1):%Y-%m-%d}") == ["夫妻花艺"]
    assert timezone.localtime(flowers.starts_at).date() > day


def test_a_city_wide_activity_is_open_to_every_officer(officer, outsider, city):
    open_day = make_activity(unit=city, title="警营开放日", kind="open_day")
    for person in (officer, outsider):
        assert _client(person.user).get(f"/activities/{open_day.pk}/").status_code == 200


def test_the_office_pages_are_forbidden_to_officers_and_out_of_scope_activities_are_404(
    officer, county_office, painting
):
    client = _client(officer.user)
    for url in ("/activities/manage/", "/activities/manage/new/", f"/activities/manage/{painting.pk}/"):
        assert client.get(url).status_code == 403
    assert client.get(f"/activities/manage/{painting.pk}/signups.xlsx").status_code == 403
    assert client.post(f"/activities/manage/{painting.pk}/capacity/", {"capacity": 50}).status_code == 403
    # The other county's office manages its own county only: the painting (organised by the county) is 404.
    other = _client(county_office.user)
    assert other.get("/activities/manage/").status_code == 200
    assert list(other.get("/activities/manage/").context["page"]) == []
    for url in (f"/activities/manage/{painting.pk}/", f"/activities/manage/{painting.pk}/signups.xlsx"):
        assert other.get(url).status_code == 404
    assert other.post(f"/activities/manage/{painting.pk}/capacity/", {"capacity": 50}).status_code == 404
    assert other.post(f"/activities/manage/{painting.pk}/cancel/", {"reason": "x"}).status_code == 404
    painting.refresh_from_db()
    assert (painting.capacity, painting.status) == (10, ActivityStatus.PUBLISHED)


def test_it_renders_every_office_page(office, officer, painting):
    services.signup_create(activity=painting, officer=officer, family_member_ids=[])
    client = _client(office.user)
    listing = client.get("/activities/manage/")
    assert [activity.pk for activity in listing.context["page"]] == [painting.pk]
    assert client.get("/activities/manage/new/").status_code == 200
    detail = client.get(f"/activities/manage/{painting.pk}/")
    assert [signup.officer for signup in detail.context["signups"]] == [officer]
    assert officer.name in detail.content.decode()
    assert client.get(f"/activities/manage/{painting.pk}/edit/").status_code == 200


# --- Signing up -----------------------------------------------------------------------------------------


def test_it_signs_up_with_a_child_of_the_right_age(officer, station):
    teens = make_activity(unit=station, audience="children", child_age_min=14, child_age_max=18)
    child = _family(officer, "child")
    response = _client(officer.user).post(f"/activities/{teens.pk}/sign-up/", {"family_members": [child.pk]})
    assert response.status_code == 302
    signup = SignUp.objects.get(activity=teens, officer=officer)
    assert (signup.status, signup.persons) == (SignUpStatus.CONFIRMED, 2)
    assert sorted(person.name for person in signup.people.all()) == sorted([officer.name, "陈思源"])
    teens.refresh_from_db()
    assert teens.booked_persons == 2
    page = _client(officer.user).get(f"/activities/{teens.pk}/")
    assert page.context["holds"] and page.context["form"] is None
    assert page.context["can_cancel"]


def test_it_shows_the_age_rule_on_the_form_and_signs_nobody_up(officer, station):
    little_ones = make_activity(unit=station, audience="children", child_age_min=4, child_age_max=12)
    child = _family(officer, "child")
    response = _client(officer.user).post(
        f"/activities/{little_ones.pk}/sign-up/", {"family_members": [child.pk]}
    )
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1 and "陈思源" in errors[0] and "17" in errors[0]
    assert errors[0] in response.content.decode()
    assert not SignUp.objects.exists()


def test_it_refuses_somebody_elses_family_member(officer, outsider, painting):
    strangers_child = outsider.family_members.get()
    response = _client(officer.user).post(
        f"/activities/{painting.pk}/sign-up/", {"family_members": [strangers_child.pk]}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["family_members"]
    assert "王小明" not in response.content.decode()
    assert not SignUp.objects.exists()


def test_a_double_submit_makes_one_sign_up_and_says_so(officer, painting):
    client = _client(officer.user)
    spouse = _family(officer, "spouse")
    first = client.post(f"/activities/{painting.pk}/sign-up/", {"family_members": [spouse.pk]})
    assert first.status_code == 302
    second = client.post(f"/activities/{painting.pk}/sign-up/", {"family_members": [spouse.pk]})
    assert second.status_code == 200
    assert "You have already signed up for this activity." in second.context["form"].non_field_errors()
    assert SignUp.objects.filter(activity=painting).count() == 1
    painting.refresh_from_db()
    assert painting.booked_persons == 2


def test_it_cancels_a_sign_up_before_the_cut_off_and_refuses_after_it(officer, painting, county):
    client = _client(officer.user)
    client.post(f"/activities/{painting.pk}/sign-up/", {"family_members": []})
    response = client.post(f"/activities/{painting.pk}/cancel/", follow=True)
    assert response.redirect_chain[-1][0] == f"/activities/{painting.pk}/"
    assert SignUp.objects.get(officer=officer).status == SignUpStatus.CANCELLED
    painting.refresh_from_db()
    assert painting.booked_persons == 0
    # Past the cut-off the button is gone and the service refuses a forged POST.
    late = make_activity(
        unit=county,
        starts_in=dt.timedelta(hours=10),
        cancel_until=timezone.now() - dt.timedelta(hours=1),
    )
    client.post(f"/activities/{late.pk}/sign-up/", {"family_members": []})
    assert client.get(f"/activities/{late.pk}/").context["can_cancel"] is False
    refused = client.post(f"/activities/{late.pk}/cancel/", follow=True)
    assert "Cancellation closed" in refused.content.decode()
    assert SignUp.objects.get(activity=late).status == SignUpStatus.CONFIRMED


def test_it_shows_the_queue_position_then_lets_the_officer_accept_the_offer(officer, station):
    full = make_activity(unit=station, capacity=2)
    first = OfficerFactory(org_unit=station)
    FamilyMemberFactory(officer=first, relation="spouse")
    taken = services.signup_create(
        activity=full, officer=first, family_member_ids=[first.family_members.get().pk]
    )
    client = _client(officer.user)
    client.post(f"/activities/{full.pk}/sign-up/", {"family_members": []})
    page = client.get(f"/activities/{full.pk}/")
    assert page.context["signup"].status == SignUpStatus.WAITLISTED
    assert page.context["position"] == 1
    assert 'text-bg-warning" data-testid="places">full · waiting list<' in page.content.decode()

    services.signup_cancel(signup=taken, actor=first.user)
    offered = client.get(f"/activities/{full.pk}/")
    assert offered.context["signup"].status == SignUpStatus.OFFERED
    assert offered.context["signup"].offer_expires_at is not None
    html = offered.content.decode()
    assert f'action="/activities/{full.pk}/accept/"' in html
    assert timezone.localtime(offered.context["signup"].offer_expires_at).strftime("%Y-%m-%d %H:%M") in html

    assert client.post(f"/activities/{full.pk}/accept/").status_code == 302
    assert SignUp.objects.get(activity=full, officer=officer).status == SignUpStatus.CONFIRMED
    # A second click changes nothing.
    assert client.post(f"/activities/{full.pk}/accept/").status_code == 302
    assert SignUp.objects.get(activity=full, officer=officer).status == SignUpStatus.CONFIRMED


def test_my_sign_ups_lists_those_to_come_and_those_past(officer, station):
    soon = make_activity(unit=station, title="夫妻花艺", kind="couples", audience="couples")
    services.signup_create(activity=soon, officer=officer, family_member_ids=[_family(officer, "spouse").pk])
    earlier = make_activity(unit=station, title="运动会", starts_in=dt.timedelta(days=3))
    signup = services.signup_create(activity=earlier, officer=officer, family_member_ids=[])
    # Move that one into the past, as if it had happened.
    past_start = timezone.now() - dt.timedelta(days=3)
    Activity.objects.filter(pk=earlier.pk).update(
        starts_at=past_start,
        ends_at=past_start + dt.timedelta(hours=2),
        signup_opens_at=past_start - dt.timedelta(days=5),
        signup_closes_at=past_start - dt.timedelta(hours=1),
        cancel_until=past_start - dt.timedelta(days=1),
    )
    SignUp.objects.filter(pk=signup.pk).update(status=SignUpStatus.ATTENDED)
    page = _client(officer.user).get("/activities/mine/")
    assert [(s.activity.title, s.status) for s in page.context["upcoming"]] == [("夫妻花艺", "confirmed")]
    assert [(s.activity.title, s.status) for s in page.context["past"]] == [("运动会", "attended")]
    assert "林婉清" in page.content.decode()


# --- The welfare office ----------------------------------------------------------------------------------


def _activity_post(unit, **overrides) -> dict:
    start = timezone.localtime(timezone.now() + dt.timedelta(days=10)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )

    def iso(moment):
        return moment.strftime("%Y-%m-%dT%H:%M")

    data = {
        "title": "亲子绘画",
        "kind": "parent_child",
        "description": "带孩子一起画画",
        "organiser": unit.pk,
        "audience_unit": unit.pk,
        "venue": "市局文体中心",
        "starts_at": iso(start),
        "ends_at": iso(start + dt.timedelta(hours=2)),
        "signup_opens_at": iso(start - dt.timedelta(days=7)),
        "signup_closes_at": iso(start - dt.timedelta(hours=2)),
        "cancel_until": iso(start - dt.timedelta(days=1)),
        "capacity": 20,
        "audience": "children",
        "child_age_min": 4,
        "child_age_max": 12,
        "waitlist": "on",
        "offer_hours": 48,
        "repeat_weeks": 1,
    }
    return {**data, **overrides}


def test_the_office_creates_one_activity(office, county):
    response = _client(office.user).post("/activities/manage/new/", _activity_post(county))
    activity = Activity.objects.get()
    assert response["Location"] == f"/activities/manage/{activity.pk}/"
    assert (activity.title, activity.capacity, activity.child_age_max, activity.series) == (
        "亲子绘画",
        20,
        12,
        None,
    )
    assert timezone.localtime(activity.starts_at).hour == 14


def test_the_office_sees_the_services_reason_when_the_times_do_not_fit(office, county):
    data = _activity_post(county)
    data["cancel_until"] = data["ends_at"]
    response = _client(office.user).post("/activities/manage/new/", data)
    assert response.status_code == 200
    assert "Cancellation must end by the start." in response.context["form"].non_field_errors()
    assert not Activity.objects.exists()


def test_a_weekly_series_creates_n_occurrences_and_an_edit_of_all_ahead_changes_those_only(office, county):
    client = _client(office.user)
    response = client.post("/activities/manage/new/", _activity_post(county, repeat_weeks=4))
    occurrences = list(Activity.objects.order_by("starts_at"))
    assert len(occurrences) == 4
    assert len({activity.series_id for activity in occurrences}) == 1 and occurrences[0].series_id
    assert response["Location"] == f"/activities/manage/{occurrences[0].pk}/"
    gaps = {(b.starts_at - a.starts_at) for a, b in itertools.pairwise(occurrences)}
    assert gaps == {dt.timedelta(weeks=1)}

    edit = {
        "title": "亲子绘画（新）",
        "kind": "parent_child",
        "description": "",
        "organiser": county.pk,
        "audience_unit": county.pk,
        "venue": "东城文化馆",
        "audience": "children",
        "child_age_min": 4,
        "child_age_max": 12,
        "waitlist": "on",
        "offer_hours": 24,
    }
    # One occurrence only: the first.
    response = client.post(
        f"/activities/manage/{occurrences[0].pk}/edit/",
        {**edit, **_times(occurrences[0]), "venue": "一号馆", "apply_to": "this"},
    )
    assert response.status_code == 302
    # From the third on, and five hours later on each of their own dates.
    later = _times(occurrences[2], hours=5)
    response = client.post(
        f"/activities/manage/{occurrences[2].pk}/edit/", {**edit, **later, "apply_to": "ahead"}
    )
    assert response.status_code == 302
    venues = list(Activity.objects.order_by("starts_at").values_list("venue", "offer_hours"))
    assert venues == [("一号馆", 24), ("市局文体中心", 48), ("东城文化馆", 24), ("东城文化馆", 24)]
    moved = [
        a.starts_at - b.starts_at
        for a, b in zip(Activity.objects.order_by("starts_at"), occurrences, strict=True)
    ]
    assert moved == [dt.timedelta(0), dt.timedelta(0), dt.timedelta(hours=5), dt.timedelta(hours=5)]


def _times(activity, *, hours: int = 0) -> dict[str, str]:
    """The activity's times as the edit form shows them (local, to the minute), moved by ``hours``."""
    return {
        name: f"{timezone.localtime(getattr(activity, name)) + dt.timedelta(hours=hours):%Y-%m-%dT%H:%M}"
        for name in ("starts_at", "ends_at", "signup_opens_at", "signup_closes_at", "cancel_until")
    }


def test_moving_an_activity_tells_everybody_signed_up_and_moves_the_day_before_reminder(
    office, officer, station
):
    from notifications.models import Reminder

    activity = make_activity(unit=station, capacity=5)
    signup = services.signup_create(activity=activity, officer=officer, family_member_ids=[])
    data = {
        "title": activity.title,
        "kind": activity.kind,
        "description": "",
        "organiser": station.pk,
        "audience_unit": station.pk,
        "venue": "新场馆",
        "audience": activity.audience,
        "waitlist": "on",
        "offer_hours": 48,
        **_times(activity, hours=24),
    }
    response = _client(office.user).post(f"/activities/manage/{activity.pk}/edit/", data)
    assert response.status_code == 302
    changed = Reminder.objects.get(recipient=officer.user, kind="activity_changed")
    assert "新场馆" in changed.payload["venue"]
    tomorrow = Reminder.objects.filter(recipient=officer.user, kind="activity_tomorrow").order_by("id")
    assert [r.state for r in tomorrow] == ["cancelled", "scheduled"]
    assert timezone.localtime(tomorrow.last().due_at).date() == timezone.localtime(activity.starts_at).date()
    assert SignUp.objects.get(pk=signup.pk).status == "confirmed"


def test_raising_the_capacity_promotes_the_waiting_list(office, officer, station):
    full = make_activity(unit=station, capacity=1, confirm_from_waitlist=False)
    first = OfficerFactory(org_unit=station)
    services.signup_create(activity=full, officer=first, family_member_ids=[])
    waiting = services.signup_create(activity=full, officer=officer, family_member_ids=[])
    assert waiting.status == SignUpStatus.WAITLISTED
    client = _client(office.user)
    assert client.get(f"/activities/manage/{full.pk}/").context["signups"][1].position == 1
    response = client.post(f"/activities/manage/{full.pk}/capacity/", {"capacity": 3}, follow=True)
    waiting.refresh_from_db()
    assert waiting.status == SignUpStatus.OFFERED
    full.refresh_from_db()
    assert (full.capacity, full.booked_persons) == (3, 2)
    assert [str(message) for message in response.context["messages"]] == [
        "The capacity is now 3; 1 sign-up moved up from the waiting list."
    ]
    # Below what is booked: refused, with the service's reason on the form.
    refused = client.post(f"/activities/manage/{full.pk}/capacity/", {"capacity": 1})
    assert refused.status_code == 200
    assert refused.context["capacity_form"].errors["capacity"]
    full.refresh_from_db()
    assert full.capacity == 3


def test_the_office_cancels_an_activity_with_a_reason(office, officer, painting):
    services.signup_create(activity=painting, officer=officer, family_member_ids=[])
    client = _client(office.user)
    assert client.post(f"/activities/manage/{painting.pk}/cancel/", {"reason": ""}).status_code == 200
    assert client.post(f"/activities/manage/{painting.pk}/cancel/", {"reason": "暴雨预警"}).status_code == 302
    painting.refresh_from_db()
    assert (painting.status, painting.booked_persons) == (ActivityStatus.CANCELLED, 0)
    signup = SignUp.objects.get(activity=painting)
    assert (signup.status, signup.cancel_reason) == (SignUpStatus.CANCELLED, "暴雨预警")
    page = _client(officer.user).get(f"/activities/{painting.pk}/")
    assert "暴雨预警" in page.content.decode()
    assert list(_client(officer.user).get("/activities/").context["page"]) == []


def test_photos_are_checked_by_their_bytes_and_shown_in_scope_only(office, officer, outsider, painting):
    client = _client(office.user)
    fake = BytesIO(b"<html><script>alert(1)</script></html>")
    fake.name = "photo.png"
    response = client.post(f"/activities/manage/{painting.pk}/photos/", {"image": fake})
    assert response.status_code == 200
    assert response.context["photo_form"].errors["image"]
    real = BytesIO(PNG)
    real.name = "合影.jpg"  # the name lies; the bytes are a PNG
    assert (
        client.post(
            f"/activities/manage/{painting.pk}/photos/", {"image": real, "caption": "合影"}
        ).status_code
        == 302
    )
    photo = ActivityPhoto.objects.get()
    assert (photo.image.name.endswith(".png"), photo.caption) == (True, "合影")
    assert AuditEntry.objects.filter(action="activity_changed", detail__op="photo_added").count() == 1
    served = _client(officer.user).get(f"/activities/photos/{photo.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG
    assert (
        f"/activities/photos/{photo.pk}/"
        in _client(officer.user).get(f"/activities/{painting.pk}/").content.decode()
    )
    assert _client(outsider.user).get(f"/activities/photos/{photo.pk}/").status_code == 404


def test_a_photo_over_5_mb_is_refused(office, painting, monkeypatch):
    from activities import forms

    monkeypatch.setattr(forms, "PHOTO_MAX_BYTES", 100)
    big = BytesIO(PNG + b"\x00" * 100)
    big.name = "big.png"
    response = _client(office.user).post(f"/activities/manage/{painting.pk}/photos/", {"image": big})
    assert response.status_code == 200
    assert response.context["photo_form"].errors["image"]
    assert not ActivityPhoto.objects.exists()


def test_the_export_opens_with_openpyxl_and_neutralises_formulas(office, officer, station, painting):
    plotter = OfficerFactory(org_unit=station, name='=HYPERLINK("http://x","点我")')
    services.signup_create(
        activity=painting, officer=officer, family_member_ids=[_family(officer, "spouse").pk]
    )
    services.signup_create(activity=painting, officer=plotter, family_member_ids=[])
    response = _client(office.user).get(f"/activities/manage/{painting.pk}/signups.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2
    names = {row[2] for row in rows}
    assert officer.name in names
    assert '\'=HYPERLINK("http://x","点我")' in names
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)
    people = {row[2]: row[6] for row in rows}
    assert "林婉清" in people[officer.name]
    assert AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ, actor=office.user).count() == 1


# --- Query counts ------------------------------------------------------------------------------------------


def _make_many(county, count: int, *, first_day: dt.datetime) -> None:
    for index in range(count):
        start = first_day + dt.timedelta(days=index % 25, hours=index % 5)
        make_activity(unit=county, title=f"活动{index}", starts_in=start - timezone.now())


def _first_of_a_month_ahead() -> dt.datetime:
    today = timezone.localdate()
    first = (today.replace(day=1) + dt.timedelta(days=62)).replace(day=1)
    return timezone.make_aware(dt.datetime.combine(first, dt.time(9)))


# Session, user, the officer, their unit, COUNT for the paginator, role assignments (navigation), the
# organiser choices of the filter, the page of activities (with organiser, audience unit and the
# officer's own status as a subquery), session save (savepoint, UPDATE, release).
LIST_QUERIES = 11
# Session, user, the officer, their unit, the month's activities (as on the list), role assignments
# (navigation), session save (savepoint, UPDATE, release).
CALENDAR_QUERIES = 9


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_costs_the_same_queries_for_3_or_30_activities(
    officer, county, count, django_assert_num_queries
):
    _make_many(county, count, first_day=_first_of_a_month_ahead())
    services.signup_create(activity=Activity.objects.first(), officer=officer, family_member_ids=[])
    client = _client(officer.user)
    client.get("/activities/")  # warm the session
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get("/activities/?kind=parent_child")
    assert len(response.context["page"]) == count
    assert response.context["page"][0].my_status == SignUpStatus.CONFIRMED


@pytest.mark.parametrize("count", [3, 30])
def test_the_calendar_costs_the_same_queries_for_3_or_30_activities(
    officer, county, count, django_assert_num_queries
):
    first = _first_of_a_month_ahead()
    _make_many(county, count, first_day=first)
    client = _client(officer.user)
    client.get("/activities/")
    with django_assert_num_queries(CALENDAR_QUERIES):
        response = client.get(f"/activities/calendar/?month={first:%Y-%m}")
    month = response.context["month"]
    assert sum(len(day.activities) for week in month.weeks for day in week) == count
    assert month.previous.month == (first.month - 2) % 12 + 1
    assert f"?month={month.next:%Y-%m}" in response.content.decode()


def test_my_sign_ups_page_gives_and_replaces_the_private_calendar_address(officer, station):
    client = _client(officer.user)
    assert client.get("/activities/mine/").context["feed_url"] == ""
    client.post("/activities/mine/calendar/")
    first = client.get("/activities/mine/").context["feed_url"]
    assert first.startswith("http://testserver/calendar/") and first.endswith(".ics")
    assert Client().get(first.removeprefix("http://testserver")).status_code == 200  # no session needed
    client.post("/activities/mine/calendar/", {"action": "reset"})
    second = client.get("/activities/mine/").context["feed_url"]
    assert second != first
    assert Client().get(first.removeprefix("http://testserver")).status_code == 404


# --- After review: the office's tools and the edges ------------------------------------------------------


def test_the_office_cancels_one_familys_sign_up_with_a_reason_the_family_is_told(office, officer, painting):
    from notifications.models import Reminder

    signup = services.signup_create(activity=painting, officer=officer, family_member_ids=[])
    client = _client(office.user)
    url = f"/activities/manage/{painting.pk}/signups/{signup.pk}/cancel/"
    client.post(url, {"reason": ""})
    assert SignUp.objects.get(pk=signup.pk).status == "confirmed"  # no reason, nothing done
    client.post(url, {"reason": "孩子生病，家长来电取消"})
    assert SignUp.objects.get(pk=signup.pk).status == "cancelled"
    notice = Reminder.objects.get(recipient=officer.user, kind="activity_signup_cancelled")
    assert notice.payload["reason"] == "孩子生病，家长来电取消"
    assert AuditEntry.objects.filter(action="activity_changed", detail__op="signup_cancelled").count() == 1


def test_calling_an_activity_off_tells_every_family_why(office, officer, painting):
    from notifications.models import Reminder

    services.signup_create(activity=painting, officer=officer, family_member_ids=[])
    _client(office.user).post(f"/activities/manage/{painting.pk}/cancel/", {"reason": "暴雨预警"})
    notice = Reminder.objects.get(recipient=officer.user, kind="activity_cancelled")
    assert notice.payload["reason"] == "暴雨预警"


@pytest.mark.parametrize(
    ("field", "value"),
    [("capacity", "99999999999"), ("offer_hours", "0"), ("offer_hours", "99999"), ("child_age_min", "99999")],
)
def test_numbers_out_of_range_are_form_errors_not_500(office, county, field, value):
    response = _client(office.user).post("/activities/manage/new/", _activity_post(county, **{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Activity.objects.exists()


def test_an_activity_cannot_be_created_in_the_past(office, county):
    data = _activity_post(county)
    for name in ("starts_at", "ends_at", "signup_opens_at", "signup_closes_at", "cancel_until"):
        moment = dt.datetime.fromisoformat(data[name]) - dt.timedelta(days=30)
        data[name] = moment.strftime("%Y-%m-%dT%H:%M")
    response = _client(office.user).post("/activities/manage/new/", data)
    assert "An activity cannot start in the past." in response.context["form"].non_field_errors()


def test_a_waiting_family_may_leave_the_queue_after_the_cut_off(station):
    activity = make_activity(unit=station, capacity=1, cancel_until=timezone.now() - dt.timedelta(minutes=5))
    holder, waiting = OfficerFactory(org_unit=station), OfficerFactory(org_unit=station)
    services.signup_create(activity=activity, officer=holder, family_member_ids=[])
    queued = services.signup_create(activity=activity, officer=waiting, family_member_ids=[])
    _client(waiting.user).post(f"/activities/{activity.pk}/cancel/")
    assert SignUp.objects.get(pk=queued.pk).status == "cancelled"


def test_an_officer_who_moved_unit_still_cancels_their_own_sign_up(officer, painting, other_station):
    signup = services.signup_create(activity=painting, officer=officer, family_member_ids=[])
    officer.org_unit = other_station
    officer.save(update_fields=["org_unit"])
    _client(officer.user).post(f"/activities/{painting.pk}/cancel/")
    assert SignUp.objects.get(pk=signup.pk).status == "cancelled"


def test_removing_a_family_member_keeps_them_on_the_sign_up(officer, painting):
    from people.services import family_member_remove

    spouse = officer.family_members.get(relation="spouse")
    signup = services.signup_create(activity=painting, officer=officer, family_member_ids=[spouse.pk])
    family_member_remove(member=spouse, actor=officer.user)
    people = list(signup.people.order_by("id").values_list("name", "is_officer", "family_member"))
    assert people == [(officer.name, True, None), ("林婉清", False, None)]
    assert SignUp.objects.get(pk=signup.pk).persons == 2
