"""Check-in, printable lists, feedback results and participation statistics of family activities.

Reads only: every write goes through ``activities.services`` (``attendance_record``, ``feedback_submit``).

**Who checks in** is who manages the activity (``activities.selectors``): the welfare office, for the
activities organised in its subtrees. A user without the role gets 403, an activity outside their
subtrees 404. The views call ``selectors.can_manage_activities`` and ``selectors.managed_activity_or_404``.

**Statistics** are for the welfare office and leaders (``STATS_ROLES``), over the officers of their
subtree, by the unit one level below the viewer's root (as ``health.aggregates`` does) and by month of
the activity's start. Only activities that have started and were not called off count. A rate over
fewer than ``settings.MIN_GROUP_SIZE`` sign-ups (or an average over fewer ratings) is withheld: in a
small group it would tell who stayed away or who was unhappy.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import segno
from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import services
from activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Feedback,
    SignUp,
    SignUpPerson,
    SignUpStatus,
)
from people import scope
from people.models import OrgUnit, Role, User
from welfare.spreadsheets import spreadsheet_safe

# The statuses that can be checked in (again): a no-show can still be corrected to attended.
CHECKABLE = (SignUpStatus.CONFIRMED, SignUpStatus.ATTENDED, SignUpStatus.NO_SHOW)
STATS_ROLES = frozenset({Role.WELFARE_OFFICE, Role.LEADER})
QR_PREFIX = "WELFARE-CHECKIN:"
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.IGNORECASE)


def checkable_signups(activity: Activity) -> QuerySet[SignUp]:
    """The activity's sign-ups that hold (or held) a place on the day, with their persons, by name."""
    return (
        SignUp.objects.filter(activity=activity, status__in=CHECKABLE)
        .select_related("officer__org_unit")
        .prefetch_related(
            Prefetch(
                "people",
                # The officer's row is created first (services.signup_create).
                queryset=SignUpPerson.objects.select_related("family_member").order_by("id"),
            )
        )
        .order_by("officer__org_unit__path", "officer__police_number")
    )


def may_see_stats(user: User) -> bool:
    return bool(user.is_authenticated and scope.has_any_role(user, STATS_ROLES))


# --- QR code -----------------------------------------------------------------------------------------------


def qr_payload(signup: SignUp) -> str:
    """Upper case: QR's alphanumeric mode then holds the whole text, a smaller code that scans faster."""
    return f"{QR_PREFIX}{str(signup.token).upper()}"


def qr_svg(signup: SignUp, *, scale: int = 5) -> str:
    """A standalone SVG document of the sign-up's check-in code (error correction M, quiet zone kept)."""
    code = segno.make_qr(qr_payload(signup), error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=scale, xmldecl=True, svgns=True, title=_("Check-in code"))
    return buffer.getvalue().decode()


def token_in(text: str) -> uuid.UUID | None:
    """The check-in token in what a scanner typed (with or without the prefix), or None."""
    text = text.strip()
    if text.upper().startswith(QR_PREFIX):
        text = text[len(QR_PREFIX) :].strip()
    if not _UUID.fullmatch(text):
        return None
    return uuid.UUID(text)


@dataclass(frozen=True)
class Search:
    """What the check-in field found: sign-ups of this activity, and a message when nothing fits."""

    signups: list[SignUp]
    message: str = ""
    by_code: bool = False


def search(activity: Activity, text: str) -> Search:
    """A scanned code finds its sign-up; anything else searches officers' and family members' names and
    police numbers among the activity's checkable sign-ups (at most 20)."""
    text = text.strip()[:100]
    if not text:
        return Search(signups=[])
    signups = checkable_signups(activity)
    token = token_in(text)
    if token is not None:
        found = list(signups.filter(token=token))
        if found:
            return Search(signups=found, by_code=True)
        held = SignUp.objects.filter(token=token).first()
        if held is None:
            return Search(signups=[], message=_("No sign-up has this code."), by_code=True)
        if held.activity_id != activity.pk:
            return Search(signups=[], message=_("This code is for another activity."), by_code=True)
        return Search(
            signups=[],
            message=_("This sign-up is %(status)s: it cannot be checked in.")
            % {"status": held.get_status_display()},
            by_code=True,
        )
    matches = list(
        signups.filter(
            Q(officer__name__icontains=text)
            | Q(officer__police_number__istartswith=text)
            | Q(people__name__icontains=text)
        ).distinct()[:20]
    )
    if not matches:
        message = _("Nobody signed up for this activity matches “%(text)s”.") % {"text": text}
        return Search(signups=[], message=message)
    return Search(signups=matches)


def attendance_counts(activity: Activity) -> dict[str, int]:
    """Persons expected and checked in so far, and sign-ups by status (one query)."""
    row = SignUpPerson.objects.filter(signup__activity=activity, signup__status__in=CHECKABLE).aggregate(
        persons=Count("id"),
        present=Count("id", filter=Q(attended=True)),
        signups=Count("signup", distinct=True),
        signups_open=Count("signup", distinct=True, filter=Q(signup__status=SignUpStatus.CONFIRMED)),
    )
    return {key: value or 0 for key, value in row.items()}


def attendance_record_bulk(
    *, activity: Activity, signup_ids: Iterable[int], attended_person_ids: Iterable[int], actor: User | None
) -> list[SignUp]:
    """Record the ticks of a paper list for the listed sign-ups at once: all or nothing.

    Each sign-up goes through ``services.attendance_record``: those with no person ticked become no-shows.
    Only the sign-ups named in ``signup_ids`` (those the form showed) change; a person id that is not on
    one of them is refused.
    """
    wanted = set(attended_person_ids)
    with transaction.atomic():
        signups = list(
            SignUp.objects.filter(activity=activity, pk__in=set(signup_ids), status__in=CHECKABLE)
            .prefetch_related("people")
            .order_by("pk")
        )
        known = {person.pk for signup in signups for person in signup.people.all()}
        if not wanted <= known:
            raise services.ActivityError(_("These persons are not on the sign-ups of this list."))
        return [
            services.attendance_record(
                signup=signup,
                attended_person_ids=[person.pk for person in signup.people.all() if person.pk in wanted],
                actor=actor,
            )
            for signup in signups
        ]


# --- Printable check-in list -------------------------------------------------------------------------------

BOX = "□"
TICKED = "■"  # in GBK, so every CJK font (and the built-in STSong-Light) has it; ☑ is often missing


def person_label(person: SignUpPerson) -> str:
    if person.is_officer:
        return _("%(name)s (officer)") % {"name": person.name}
    return f"{person.name} ({person.family_member.get_relation_display()})"


def _list_title(activity: Activity) -> str:
    return _("Check-in list: %(title)s") % {"title": activity.title}


def _when(activity: Activity) -> str:
    start, end = timezone.localtime(activity.starts_at), timezone.localtime(activity.ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} · {activity.venue}"


def checkin_xlsx(activity: Activity, signups: list[SignUp]) -> bytes:
    """One row per person (so the ticks can be typed in afterwards), grouped by sign-up."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    book = Workbook()
    sheet = book.active
    sheet.title = _("Check-in")[:31]
    sheet.append([spreadsheet_safe(_list_title(activity))])
    sheet.append([spreadsheet_safe(_when(activity))])
    sheet["A1"].font = Font(bold=True, size=14)
    header = [
        _("No."),
        _("Officer"),
        _("Police number"),
        _("Unit"),
        _("Person"),
        _("Came"),
        _("Signature"),
    ]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    thin = Side(style="thin", color="999999")
    for number, signup in enumerate(signups, start=1):
        for index, person in enumerate(signup.people.all()):
            first = index == 0
            sheet.append(
                [
                    number if first else None,
                    spreadsheet_safe(signup.officer.name) if first else None,
                    spreadsheet_safe(signup.officer.police_number) if first else None,
                    spreadsheet_safe(signup.officer.org_unit.name) if first else None,
                    spreadsheet_safe(person_label(person)),
                    TICKED if person.attended else BOX,
                    None,
                ]
            )
            for cell in sheet[sheet.max_row]:
                cell.border = Border(top=thin if first else None, bottom=thin, left=thin, right=thin)
                cell.alignment = Alignment(vertical="center")
    for column, width in zip("ABCDEFG", (6, 14, 12, 18, 22, 8, 20), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A4"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _lines(document, lines: list[str]):
    """A table cell of several lines (``document.paragraph`` would run them together)."""
    from xml.sax.saxutils import escape

    from reportlab.platypus import Paragraph

    text = "<br/>".join(escape(document.font.printable(line)) for line in lines)
    return Paragraph(text, document.styles["cell"])


def checkin_pdf(activity: Activity, signups: list[SignUp]) -> bytes:
    """One row per sign-up: the officer, the unit, a box per person and room for a signature."""
    from reportlab.lib.units import mm

    from welfare.pdf import new_document

    document = new_document(
        title=_list_title(activity),
        footer=_("%(title)s · printed %(when)s")
        % {"title": activity.title, "when": f"{timezone.localtime():%Y-%m-%d %H:%M}"},
    )
    persons = sum(len(signup.people.all()) for signup in signups)
    story = [
        document.paragraph(_list_title(activity), "title"),
        document.paragraph(_when(activity), "brand"),
        document.paragraph(
            _("%(signups)d sign-ups, %(persons)d persons. Tick each person who comes; the officer signs.")
            % {"signups": len(signups), "persons": persons},
            "small",
        ),
    ]
    rows: list[list[object]] = [[_("No."), _("Officer"), _("Unit"), _("Persons"), _("Signature")]]
    for number, signup in enumerate(signups, start=1):
        people = signup.people.all()
        boxes = [f"{TICKED if person.attended else BOX} {person_label(person)}" for person in people]
        rows.append(
            [
                str(number),
                _lines(document, [signup.officer.name, signup.officer.police_number]),
                signup.officer.org_unit.name,
                _lines(document, boxes),
                "",
            ]
        )
    width = document.width
    story.append(
        document.table(
            rows,
            col_widths=[10 * mm, 32 * mm, 38 * mm, width - 120 * mm, 40 * mm],
            # Room to tick by hand and to sign.
            extra_style=[("TOPPADDING", (0, 1), (-1, -1), 6), ("BOTTOMPADDING", (0, 1), (-1, -1), 7)],
        )
    )
    return document.build(story)


# --- Feedback results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackResults:
    count: int
    average: float | None  # None: withheld (fewer ratings than the minimum group)
    distribution: dict[int, int] | None  # rating → how many; None when withheld
    comments: list[str]
    kind_average: float | None  # over every rated activity of this kind; None when too few


def feedback_results(activity: Activity) -> FeedbackResults:
    """Ratings of one activity (two queries). Comments are shown without names, newest first."""
    minimum = settings.MIN_GROUP_SIZE
    rows = list(
        Feedback.objects.filter(signup__activity=activity)
        .order_by("-created_at")
        .values_list("rating", "comment")
    )
    ratings = [rating for rating, _comment in rows]
    kind = Feedback.objects.filter(signup__activity__kind=activity.kind).aggregate(
        average=Avg("rating"), count=Count("id")
    )
    enough = len(ratings) >= minimum
    counts = Counter(ratings)
    return FeedbackResults(
        count=len(ratings),
        average=round(sum(ratings) / len(ratings), 2) if enough else None,
        distribution={stars: counts.get(stars, 0) for stars in range(5, 0, -1)} if enough else None,
        # Comments, too, only from a group big enough that none can be told apart.
        comments=[comment for _rating, comment in rows if comment] if enough else [],
        kind_average=round(kind["average"], 2) if kind["count"] >= minimum else None,
    )


# --- Statistics --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participation:
    """One unit in one month (or the whole year when ``month`` is None)."""

    month: int | None
    signups: int  # confirmed, attended and no-show sign-ups: those that held a place on the day
    families: int  # distinct officers who came
    persons: int  # persons who came
    attendance_rate: float | None  # percent of ``signups`` attended; None when withheld
    no_show_rate: float | None


@dataclass
class UnitParticipation:
    unit: OrgUnit
    months: list[Participation] = field(default_factory=list)
    year: Participation | None = None


@dataclass(frozen=True)
class KindRating:
    kind: str
    label: str
    count: int
    average: float | None  # None: withheld


def _rate(part: int, whole: int, minimum: int) -> float | None:
    if whole < minimum:
        return None
    return round(100 * part / whole, 1)


def _participation(month: int | None, rows: list[tuple[int, str, int]], minimum: int) -> Participation:
    """``rows``: (officer id, status, persons who came) per sign-up."""
    attended = [row for row in rows if row[1] == SignUpStatus.ATTENDED]
    no_show = sum(1 for row in rows if row[1] == SignUpStatus.NO_SHOW)
    return Participation(
        month=month,
        signups=len(rows),
        families=len({officer_id for officer_id, _status, _persons in attended}),
        persons=sum(persons for _officer_id, _status, persons in attended),
        attendance_rate=_rate(len(attended), len(rows), minimum),
        no_show_rate=_rate(no_show, len(rows), minimum),
    )


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (
        dt.datetime(year, 1, 1, tzinfo=zone),
        dt.datetime(year + 1, 1, 1, tzinfo=zone),
    )


def stats_units(viewer: User) -> list[OrgUnit]:
    """The units the rows are for: the children of the viewer's root, or each root when there are several."""
    roots = scope.unit_paths(viewer, STATS_ROLES)
    if not roots:
        return []
    if len(roots) == 1:
        children = OrgUnit.objects.filter(parent__path=roots[0], active=True)
        units = list(children.order_by("sort_order", "path"))
        return units or list(OrgUnit.objects.filter(path=roots[0]))
    return list(OrgUnit.objects.filter(path__in=roots).order_by("path"))


def participation(
    *, viewer: User, year: int, now: dt.datetime | None = None
) -> tuple[list[UnitParticipation], list[KindRating]]:
    """Participation by unit and month, and average rating by kind, over the viewer's officers (three
    queries after the viewer's role assignments: units, sign-ups, ratings)."""
    now = now or timezone.now()
    minimum = settings.MIN_GROUP_SIZE
    units = stats_units(viewer)
    if not units:
        return [], []
    start, end = _year_bounds(year)
    in_scope = scope.units_q(viewer, STATS_ROLES, "officer__org_unit__path")
    held = Q(
        activity__status=ActivityStatus.PUBLISHED,
        activity__starts_at__gte=start,
        activity__starts_at__lt=min(end, now),
    )
    signups = (
        SignUp.objects.filter(in_scope, held, status__in=CHECKABLE)
        .annotate(came=Count("people", filter=Q(people__attended=True)))
        .values_list("officer_id", "officer__org_unit__path", "activity__starts_at", "status", "came")
    )
    by_unit: dict[int, dict[int, list[tuple[int, str, int]]]] = {unit.pk: defaultdict(list) for unit in units}
    for officer_id, path, starts_at, status, came in signups:
        unit = next((unit for unit in units if path.startswith(unit.path)), None)
        if unit is not None:
            month = timezone.localtime(starts_at).month
            by_unit[unit.pk][month].append((officer_id, status, came))
    rows = []
    for unit in units:
        months = by_unit[unit.pk]
        rows.append(
            UnitParticipation(
                unit=unit,
                months=[_participation(month, months[month], minimum) for month in sorted(months)],
                year=_participation(None, [row for month in months.values() for row in month], minimum),
            )
        )
    ratings = {
        row["signup__activity__kind"]: row
        for row in Feedback.objects.filter(
            scope.units_q(viewer, STATS_ROLES, "signup__officer__org_unit__path"),
            signup__activity__status=ActivityStatus.PUBLISHED,
            signup__activity__starts_at__gte=start,
            signup__activity__starts_at__lt=end,
        )
        .values("signup__activity__kind")
        .annotate(average=Avg("rating"), count=Count("id"))
        .order_by()
    }
    kinds = [
        KindRating(
            kind=kind,
            label=label,
            count=ratings[kind]["count"] if kind in ratings else 0,
            average=round(ratings[kind]["average"], 2)
            if kind in ratings and ratings[kind]["count"] >= minimum
            else None,
        )
        for kind, label in ActivityKind.choices
    ]
    return rows, kinds
