"""Demo data for family activities: the calendar, sign-up pages, statistics and feedback show something.

Ahead: a weekly 亲子绘画 (parent–child painting, children 4–12) on the next six Saturdays, 夫妻花艺
(couples' flower arranging, full, with a waiting list), a sports day for 东城分局 (full; a family
cancelled and the place went to the waiting list) and an open day. Behind: four activities of the last
two months with sign-ups from across the bureau, attendance per person and ratings.

The demo officer (陈志远) is confirmed for the first painting morning with 陈可欣, waits first in the
queue for the flower arranging with his wife, has been offered a place at the sports day, came to two
past activities and rated the older one (the feedback request of the recent one is pending).

Everything goes through activities/services.py, with sign-up times inside each activity's window.
Idempotent: when the painting series exists, a second run changes nothing (seed_demo runs in one
transaction, so the activities are either all there or none).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from activities import services
from activities.models import Activity, ActivityKind, ActivitySeries, Audience, SignUp, SignUpStatus
from notifications import services as reminders
from people.models import FamilyMember, FamilyRelation, Officer, OrgUnit, age_on

SEED = 20261130
PAINTING = "亲子绘画"
FLOWERS = "夫妻花艺"
SPORTS = "东城分局家庭趣味运动会"
OPEN_DAY = "警营开放日"
COMMENTS = (
    "孩子玩得很开心，老师很耐心。",
    "活动组织得很好，希望多办几次。",
    "时间安排合理，下次还来。",
    "场地稍微有点小，人多的时候有些挤。",
    "感谢爱警办，难得和家人一起度过周末。",
    "",
    "",
)


@dataclass(frozen=True)
class _Family:
    officer: Officer
    spouse: FamilyMember | None
    children: list[FamilyMember]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _timing(
    day: dt.date, start: tuple[int, int], end: tuple[int, int], *, opens: dt.datetime
) -> services.Timing:
    starts_at = _at(day, *start)
    return services.Timing(
        starts_at=starts_at,
        ends_at=_at(day, *end),
        signup_opens_at=opens,
        signup_closes_at=starts_at - dt.timedelta(days=1),
        cancel_until=starts_at - dt.timedelta(days=2),
    )


def _families(units_path: str) -> list[_Family]:
    """The roster's active officers under a unit with their spouse and children, by police number."""
    officers = list(
        Officer.objects.filter(
            active=True, org_unit__path__startswith=units_path, user__username__startswith="u"
        )
        .select_related("org_unit", "user")
        .order_by("police_number")
    )
    members: dict[int, list[FamilyMember]] = {}
    for member in FamilyMember.objects.filter(officer__in=officers).order_by("birth_date", "id"):
        members.setdefault(member.officer_id, []).append(member)
    families = []
    for officer in officers:
        own = members.get(officer.pk, [])
        spouse = next((m for m in own if m.relation == FamilyRelation.SPOUSE), None)
        children = [m for m in own if m.relation == FamilyRelation.CHILD]
        families.append(_Family(officer, spouse, children))
    return families


def _children_aged(family: _Family, day: dt.date, low: int, high: int) -> list[FamilyMember]:
    return [child for child in family.children if low <= age_on(child.birth_date, day) <= high]


def _party(activity: Activity, family: _Family, rng: random.Random) -> list[int] | None:
    """Who of the family comes to the activity, within its audience rules; None when nobody fits."""
    day = timezone.localtime(activity.starts_at).date()
    if activity.audience == Audience.COUPLES:
        return [family.spouse.pk] if family.spouse else None
    if activity.audience == Audience.CHILDREN:
        children = _children_aged(family, day, activity.child_age_min or 0, activity.child_age_max or 99)
        if not children:
            return None
        spouse = [family.spouse.pk] if family.spouse and rng.random() < 0.4 else []
        return [child.pk for child in children] + spouse
    minors = [child.pk for child in family.children if age_on(child.birth_date, day) < 18]
    return ([family.spouse.pk] if family.spouse else []) + minors


def _fill(
    activity: Activity,
    families: list[_Family],
    rng: random.Random,
    *,
    leave_free: int = 0,
    at: dt.datetime | None = None,
    limit: int | None = None,
) -> list[SignUp]:
    """Sign families up while they fit, leaving fewer than ``leave_free`` places (none waitlisted)."""
    signups: list[SignUp] = []
    free = activity.capacity
    for n, family in enumerate(families):
        party = _party(activity, family, rng)
        if party is None or 1 + len(party) > free - leave_free:
            continue
        when = at + dt.timedelta(minutes=7 * n) if at else None
        signups.append(
            services.signup_create(
                activity=activity, officer=family.officer, family_member_ids=party, now=when
            )
        )
        free -= 1 + len(party)
        if free <= leave_free or (limit is not None and len(signups) >= limit):
            break
    return signups


def _demo_party(officer: Officer, *relations_or_names: str) -> list[int]:
    wanted = set(relations_or_names)
    return [
        member.pk
        for member in officer.family_members.order_by("birth_date")
        if member.name in wanted or member.relation in wanted
    ]


def _past(
    *,
    title: str,
    kind: str,
    audience: str,
    day: dt.date,
    city: OrgUnit,
    venue: str,
    capacity: int,
    families: list[_Family],
    rng: random.Random,
    demo: Officer | None = None,
    demo_party: list[int] | None = None,
    demo_rating: int | None = None,
    **values,
) -> None:
    """An activity that took place: sign-ups in its window, attendance per person, ratings."""
    timing = _timing(day, (9, 0), (11, 30), opens=_at(day - dt.timedelta(days=14), 9))
    activity = services.activity_create(
        actor=None,
        timing=timing,
        allow_past=True,
        title=title,
        kind=kind,
        audience=audience,
        organiser=city,
        audience_unit=city,
        venue=venue,
        capacity=capacity,
        description="爱警办组织的家庭活动。",
        **values,
    )
    opened = timing.signup_opens_at + dt.timedelta(hours=1)
    signups = _fill(
        activity, families, rng, at=opened, limit=14, leave_free=(1 + len(demo_party or [])) if demo else 0
    )
    if demo is not None:
        signups.append(
            services.signup_create(
                activity=activity,
                officer=demo,
                family_member_ids=demo_party or [],
                now=opened + dt.timedelta(days=2),
            )
        )
    for signup in signups:
        people = list(signup.people.all())
        if signup.officer_id != getattr(demo, "pk", None) and rng.random() < 0.1:
            came = []  # a no-show
        else:
            came = [person.pk for person in people if rng.random() < 0.92 or person.is_officer]
        signup = services.attendance_record(signup=signup, attended_person_ids=came, actor=None)
        if signup.status != SignUpStatus.ATTENDED:
            continue
        if signup.officer_id == getattr(demo, "pk", None):
            rating = demo_rating
        else:
            rating = rng.choices((5, 4, 3, 2), weights=(50, 32, 13, 5))[0] if rng.random() < 0.75 else None
        if rating is None:
            if signup.officer_id != getattr(demo, "pk", None):
                # Weeks ago: nobody would be asked now. The demo officer's request stays pending.
                reminders.reminders_cancel(subject=f"activities.feedback:{signup.pk}")
            continue
        services.feedback_submit(
            signup=signup, officer=signup.officer, rating=rating, comment=rng.choice(COMMENTS)
        )


def seed_activities() -> None:
    if ActivitySeries.objects.filter(title=PAINTING).exists():
        return  # seeded by an earlier run
    city = OrgUnit.objects.filter(parent=None).order_by("path").first()
    county = OrgUnit.objects.filter(code="X01").first()
    demo = Officer.objects.filter(user__username="demo_officer").first()
    if city is None or county is None or demo is None:
        return
    rng = random.Random(SEED)
    now = timezone.now()
    today = timezone.localdate()
    everyone = _families(city.path)
    rng.shuffle(everyone)
    east = [family for family in everyone if family.officer.org_unit.path.startswith(county.path)]

    # The weekly painting mornings: the next six Saturdays (at least two days ahead, so sign-up is open).
    ahead = (5 - today.weekday()) % 7
    saturday = today + dt.timedelta(days=ahead if ahead >= 2 else ahead + 7)
    series = services.series_create(
        actor=None,
        timing=_timing(saturday, (9, 0), (11, 0), opens=now - dt.timedelta(days=1)),
        weeks=6,
        title=PAINTING,
        kind=ActivityKind.PARENT_CHILD,
        description="在专业美术老师指导下，家长和孩子共同完成一幅作品。材料由爱警办准备。",
        organiser=city,
        audience_unit=city,
        venue="市局活动中心二楼美术室",
        capacity=24,
        audience=Audience.CHILDREN,
        child_age_min=4,
        child_age_max=12,
    )
    first = series.activities.order_by("starts_at").first()
    _fill(first, everyone, rng, leave_free=8, limit=6)
    services.signup_create(activity=first, officer=demo, family_member_ids=_demo_party(demo, "陈可欣"))

    # Couples' flower arranging: full, the demo officer and his wife first on the waiting list.
    sunday = saturday + dt.timedelta(days=1)
    flowers = services.activity_create(
        actor=None,
        timing=_timing(sunday, (14, 30), (16, 30), opens=now - dt.timedelta(days=1)),
        title=FLOWERS,
        kind=ActivityKind.COUPLES,
        description="花艺师现场教学，每对夫妻完成一件插花作品带回家。",
        organiser=city,
        audience_unit=city,
        venue="市局职工之家",
        capacity=10,
        audience=Audience.COUPLES,
    )
    _fill(flowers, everyone, rng)
    services.signup_create(
        activity=flowers, officer=demo, family_member_ids=_demo_party(demo, FamilyRelation.SPOUSE)
    )

    # The sports day of 东城分局: full; a family of three cancels, the place is offered to the demo officer.
    sports_day = saturday + dt.timedelta(days=14)
    sports = services.activity_create(
        actor=None,
        timing=_timing(sports_day, (9, 0), (16, 0), opens=now - dt.timedelta(days=1)),
        title=SPORTS,
        kind=ActivityKind.SPORTS,
        description="拔河、接力、亲子两人三足，午餐由分局食堂提供。",
        organiser=county,
        audience_unit=county,
        venue="东城分局训练场",
        capacity=16,
        audience=Audience.FAMILIES,
        offer_hours=48,
    )
    demo_family = _demo_party(demo, FamilyRelation.SPOUSE, "陈可欣")
    east.sort(key=lambda family: -len(_party(sports, family, rng) or []))  # big families first, then singles
    booked = _fill(sports, east, rng)
    services.signup_create(activity=sports, officer=demo, family_member_ids=demo_family)
    leaving = next((signup for signup in booked if signup.persons >= len(demo_family) + 1), None)
    if leaving is not None:
        services.signup_cancel(signup=leaving, actor=leaving.officer.user, reason="孩子当天有考试")

    # An open day a month ahead, for everybody.
    services.activity_create(
        actor=None,
        timing=_timing(saturday + dt.timedelta(days=28), (9, 30), (12, 0), opens=now - dt.timedelta(days=1)),
        title=OPEN_DAY,
        kind=ActivityKind.OPEN_DAY,
        description="参观指挥中心、警犬基地和装备展示，适合全家参加。",
        organiser=city,
        audience_unit=city,
        venue="市公安局指挥中心",
        capacity=120,
        audience=Audience.FAMILIES,
    )

    # The last two months, for statistics and feedback.
    last_saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7 or 7)
    _past(
        title=PAINTING,
        kind=ActivityKind.PARENT_CHILD,
        audience=Audience.CHILDREN,
        day=last_saturday - dt.timedelta(days=14),
        city=city,
        venue="市局活动中心二楼美术室",
        capacity=24,
        families=everyone,
        rng=rng,
        demo=demo,
        demo_party=_demo_party(demo, "陈可欣"),
        demo_rating=None,
        child_age_min=4,
        child_age_max=12,
    )
    _past(
        title=FLOWERS,
        kind=ActivityKind.COUPLES,
        audience=Audience.COUPLES,
        day=last_saturday - dt.timedelta(days=27),
        city=city,
        venue="市局职工之家",
        capacity=12,
        families=everyone,
        rng=rng,
    )
    _past(
        title=OPEN_DAY,
        kind=ActivityKind.OPEN_DAY,
        audience=Audience.FAMILIES,
        day=last_saturday - dt.timedelta(days=35),
        city=city,
        venue="市公安局指挥中心",
        capacity=60,
        families=everyone,
        rng=rng,
        demo=demo,
        demo_party=demo_family,
        demo_rating=5,
    )
    _past(
        title="春季家庭健步走",
        kind=ActivityKind.SPORTS,
        audience=Audience.FAMILIES,
        day=last_saturday - dt.timedelta(days=49),
        city=city,
        venue="滨江绿道",
        capacity=50,
        families=everyone,
        rng=rng,
    )
