"""Portal pages of family activities: the officer's list, calendar, activity page and sign-ups; the welfare
office's pages to create and run activities.

Every write goes through activities/services.py, whose rule errors (``DomainError``) are shown on the form
or as a message; successful POSTs redirect (POST-redirect-GET). Scope: see activities/selectors.py.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from activities import ical, selectors, services
from activities.filters import ActivityFilter, ManagedActivityFilter
from activities.forms import (
    ActivityEditForm,
    ActivityForm,
    CancelActivityForm,
    CapacityForm,
    PhotoForm,
    SignUpForm,
    sniff_image,
)
from activities.models import Activity, ActivityPhoto, ActivityStatus, CalendarFeed, SignUp, SignUpStatus
from audit.models import AuditAction
from audit.services import audit_record
from people import selectors as people_selectors
from people.forms import bootstrap
from people.models import Officer, OrgUnit
from welfare.domain import DomainError
from welfare.http import query_without_page
from welfare.spreadsheets import spreadsheet_safe, xlsx_response

PAGE_SIZE = 50
_PHOTO_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
_PHOTO_SUFFIX = {content_type: suffix for suffix, content_type in _PHOTO_TYPES.items()}


def _officer(request: HttpRequest) -> Officer:
    officer = people_selectors.own_officer_or_404(request.user)
    officer.org_unit  # noqa: B018  (loaded once here: scope needs its path)
    return officer


# --- Officers ------------------------------------------------------------------------------------------


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    """Upcoming activities the officer may join, filtered by kind, organising unit and dates."""
    officer = _officer(request)
    upcoming = selectors.upcoming_open_to(officer=officer)
    organisers = OrgUnit.objects.filter(pk__in=upcoming.values("organiser_id")).order_by("path")
    found = ActivityFilter(request.GET or None, queryset=upcoming, request=request, organisers=organisers)
    bootstrap(found.form)
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/list.html",
        {"filter": found, "page": page, "query": query_without_page(request)},
    )


@login_required
def activity_calendar(request: HttpRequest) -> HttpResponse:
    """A month as a table of weeks, each day with the activities open to the officer."""
    officer = _officer(request)
    first = selectors.parse_month(request.GET.get("month"))
    month = selectors.calendar_month(officer=officer, first=first)
    return render(request, "activities/calendar.html", {"month": month})


def _signup_form(officer: Officer, data=None) -> SignUpForm:
    return SignUpForm(data, family=list(people_selectors.family_of(officer=officer)))


def _render_detail(request: HttpRequest, officer: Officer, activity: Activity, form=None) -> HttpResponse:
    now = timezone.now()
    signup = selectors.signup_of(officer=officer, activity=activity)
    holds = signup is not None and signup.status != SignUpStatus.CANCELLED
    sign_up_open = (
        activity.status == ActivityStatus.PUBLISHED
        and activity.signup_opens_at <= now < activity.signup_closes_at
    )
    context = {
        "activity": activity,
        "signup": signup,
        "holds": holds,
        "position": services.waitlist_position(signup) if signup is not None else None,
        "sign_up_open": sign_up_open,
        "sign_up_not_yet": activity.signup_opens_at > now,
        "can_cancel": holds
        and signup.status in (SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED)
        and now <= activity.cancel_until,
        "form": form if form is not None else (_signup_form(officer) if sign_up_open and not holds else None),
        "photos": list(activity.photos.all()),
        "now": now,
    }
    return render(request, "activities/detail.html", context)


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    officer = _officer(request)
    activity = selectors.activity_for_officer_or_404(officer=officer, pk=pk)
    return _render_detail(request, officer, activity)


@login_required
@require_POST
def activity_signup(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign the officer up with the ticked family members; a rule broken is shown on the form."""
    officer = _officer(request)
    activity = selectors.activity_for_officer_or_404(officer=officer, pk=pk)
    form = _signup_form(officer, request.POST)
    if form.is_valid():
        try:
            signup = services.signup_create(
                activity=activity, officer=officer, family_member_ids=form.cleaned_data["family_members"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if signup.status == SignUpStatus.CONFIRMED:
                messages.success(
                    request,
                    ngettext(
                        "You are signed up: %(count)d person.",
                        "You are signed up: %(count)d persons.",
                        signup.persons,
                    )
                    % {"count": signup.persons},
                )
            else:
                messages.info(
                    request,
                    _("The activity is full; you are number %(position)d on the waiting list.")
                    % {"position": services.waitlist_position(signup)},
                )
            return redirect("activity-detail", pk=activity.pk)
    return _render_detail(request, officer, activity, form=form)


@login_required
@require_POST
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw the officer's sign-up, or decline an offered place; the service applies the cut-off."""
    officer = _officer(request)
    # One's own sign-up, even after moving to a unit the activity is not open to.
    signup = get_object_or_404(SignUp.objects.select_related("activity"), officer=officer, activity_id=pk)
    activity = signup.activity
    was_offered = signup.status == SignUpStatus.OFFERED
    try:
        services.signup_cancel(signup=signup, actor=request.user, reason=_("cancelled by the officer"))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("You declined the place.") if was_offered else _("Your sign-up has been cancelled.")
        )
    return redirect("activity-detail", pk=activity.pk)


@login_required
@require_POST
def offer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    officer = _officer(request)
    signup = get_object_or_404(SignUp.objects.select_related("activity"), officer=officer, activity_id=pk)
    activity = signup.activity
    try:
        services.offer_accept(signup=signup)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You accepted the place: your sign-up is confirmed."))
    return redirect("activity-detail", pk=activity.pk)


@login_required
def my_signups(request: HttpRequest) -> HttpResponse:
    """The officer's sign-ups: those to come, then those past, each with its status."""
    officer = _officer(request)
    now = timezone.now()
    upcoming, past = [], []
    for signup in selectors.signups_of(officer=officer):
        signup.position = services.waitlist_position(signup)
        (upcoming if signup.activity.ends_at >= now else past).append(signup)
    past.reverse()  # the most recent first
    feed = CalendarFeed.objects.filter(officer=officer).first()
    feed_url = (
        request.build_absolute_uri(reverse("activities-calendar-feed", kwargs={"token": feed.token}))
        if feed is not None
        else ""
    )
    return render(request, "activities/mine.html", {"upcoming": upcoming, "past": past, "feed_url": feed_url})


@login_required
@require_POST
def calendar_address(request: HttpRequest) -> HttpResponse:
    """Make the officer's private calendar address, or replace it (the old one stops working)."""
    officer = _officer(request)
    if request.POST.get("action") == "reset":
        ical.calendar_feed_reset(officer=officer)
        messages.success(request, _("Your calendar address has been replaced; the old one no longer works."))
    else:
        ical.calendar_feed_for(officer=officer)
    return redirect("activity-mine")


@login_required
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """A photo of an activity, for officers it is open to and for the office managing it."""
    found = get_object_or_404(ActivityPhoto.objects.select_related("activity__audience_unit"), pk=pk)
    allowed = selectors.activities_managed_by(viewer=request.user).filter(pk=found.activity_id).exists()
    if not allowed:
        officer = people_selectors.officer_of(request.user)
        allowed = officer is not None and services.can_join(officer, found.activity)
    if not allowed:
        raise Http404("no such photo")
    suffix = "." + found.image.name.rsplit(".", 1)[-1].lower()
    content_type = _PHOTO_TYPES.get(suffix)
    if content_type is None:
        raise Http404("no such photo")
    return FileResponse(found.image.open("rb"), content_type=content_type)


# --- The welfare office ------------------------------------------------------------------------------------


def _require_manager(request: HttpRequest) -> None:
    if not selectors.can_manage_activities(request.user):
        raise PermissionDenied


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    managed = selectors.activities_managed_by(viewer=request.user)
    data = request.GET or QueryDict("period=upcoming")  # upcoming unless the filter says otherwise
    found = ManagedActivityFilter(
        data, queryset=managed, request=request, organisers=selectors.units_managed_by(viewer=request.user)
    )
    bootstrap(found.form)
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/manage_list.html",
        {"filter": found, "page": page, "query": query_without_page(request)},
    )


@login_required
def manage_create(request: HttpRequest) -> HttpResponse:
    """One form for an activity; repeated weekly it becomes a series of that many occurrences."""
    _require_manager(request)
    form = ActivityForm(request.POST or None, units=selectors.units_managed_by(viewer=request.user))
    if request.method == "POST" and form.is_valid():
        weeks = form.cleaned_data["repeat_weeks"]
        try:
            if weeks > 1:
                series = services.series_create(
                    actor=request.user, timing=form.timing(), weeks=weeks, **form.values()
                )
                first = series.activities.order_by("starts_at").first()
            else:
                first = services.activity_create(actor=request.user, timing=form.timing(), **form.values())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if weeks > 1:
                messages.success(
                    request,
                    _("A weekly series of %(count)d activities has been created.") % {"count": weeks},
                )
            else:
                messages.success(request, _("The activity has been created."))
            return redirect("activity-manage", pk=first.pk)
    return render(request, "activities/manage_form.html", {"form": form, "activity": None})


@login_required
def manage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An activity as the office runs it: the sign-up list, capacity, cancelling, photos."""
    _require_manager(request)
    activity = selectors.managed_activity_or_404(viewer=request.user, pk=pk)
    return _render_manage(request, activity)


def _render_manage(request: HttpRequest, activity: Activity, **forms) -> HttpResponse:
    signups = selectors.signup_list(activity=activity)
    context = {
        "activity": activity,
        "signups": signups,
        "photos": list(activity.photos.all()),
        "capacity_form": forms.get("capacity_form") or CapacityForm(initial={"capacity": activity.capacity}),
        "cancel_form": forms.get("cancel_form") or CancelActivityForm(),
        "photo_form": forms.get("photo_form") or PhotoForm(),
        "published": activity.status == ActivityStatus.PUBLISHED,
        "occurrences": (
            list(activity.series.activities.order_by("starts_at").only("pk", "starts_at", "status", "series"))
            if activity.series_id
            else []
        ),
        "counts": {
            status: sum(1 for signup in signups if signup.status == status) for status in SignUpStatus.values
        },
    }
    return render(request, "activities/manage_detail.html", context)


@login_required
def manage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit what the activity is; for a series, this occurrence or it and every later one."""
    _require_manager(request)
    activity = selectors.managed_activity_or_404(viewer=request.user, pk=pk)
    form = ActivityEditForm(
        request.POST or None, activity=activity, units=selectors.units_managed_by(viewer=request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data.get("apply_to") == ActivityEditForm.AHEAD:
                # ``since`` is exclusive: this occurrence and those after it, never one already begun.
                since = max(activity.starts_at - dt.timedelta(microseconds=1), timezone.now())
                changed = services.series_update(
                    series=activity.series,
                    actor=request.user,
                    since=since,
                    shift=form.shift(),
                    **form.values(),
                )
                message = ngettext(
                    "%(count)d occurrence has been changed.",
                    "%(count)d occurrences have been changed.",
                    changed,
                ) % {"count": changed}
            else:
                services.activity_update(
                    activity=activity, actor=request.user, timing=form.timing(), **form.values()
                )
                message = _("The activity has been changed.")
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, message)
            return redirect("activity-manage", pk=activity.pk)
    return render(request, "activities/manage_form.html", {"form": form, "activity": activity})


@login_required
@require_POST
def manage_signup_cancel(request: HttpRequest, pk: int, signup_pk: int) -> HttpResponse:
    """The office cancels one family's sign-up (after the cut-off too), with a reason the family is told."""
    _require_manager(request)
    activity = selectors.managed_activity_or_404(viewer=request.user, pk=pk)
    signup = get_object_or_404(
        SignUp.objects.select_related("officer__user"), activity=activity, pk=signup_pk
    )
    reason = request.POST.get("reason", "").strip()[:200]
    if not reason:
        messages.error(request, _("Give a reason: the family is told."))
        return redirect("activity-manage", pk=activity.pk)
    try:
        services.signup_cancel(signup=signup, actor=request.user, reason=reason, by_office=True)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The sign-up of %(name)s has been cancelled.") % {"name": signup.officer.name}
        )
    return redirect("activity-manage", pk=activity.pk)


@login_required
@require_POST
def manage_capacity(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the places; more places promote the waiting list (services.capacity_set)."""
    _require_manager(request)
    activity = selectors.managed_activity_or_404(viewer=request.user, pk=pk)
    form = CapacityForm(request.POST)
    if form.is_valid():
        before = set(
            SignUp.objects.filter(activity=activity, status=SignUpStatus.WAITLISTED).values_list(
                "pk", flat=True
            )
        )
        try:
            services.capacity_set(
                activity=activity, capacity=form.cleaned_data["capacity"], actor=request.user
            )
        except DomainError as error:
            form.add_error("capacity", error.message)
        else:
            promoted = len(
                before
                - set(
                    SignUp.objects.filter(activity=activity, status=SignUpStatus.WAITLISTED).values_list(
                        "pk", flat=True
                    )
                )
            )
            messages.success(
                request,
                ngettext(
                    "The capacity is now %(capacity)d; %(count)d sign-up moved up from the waiting list.",
                    "The capacity is now %(capacity)d; %(count)d sign-ups moved up from the waiting list.",
                    promoted,
                )
                % {"capacity": form.cleaned_data["capacity"], "count": promoted},
            )
            return redirect("activity-manage", pk=activity.pk)
    return _render_manage(request, activity, capacity_form=form)


@login_required
@require_POST
def manage_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Call the activity off with a reason; every sign-up is cancelled (services.activity_cancel)."""
    _require_manager(request)
    activity = selectors.managed_activity_or_404(viewer=request.user, pk=pk)
    form = CancelActivityForm(request.POST)
    if not form.is_valid():
        return _render_manage(request, activity, cancel_form=form)
    try:
        count = services.activity_cancel(
            activity=activity, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "The activity has been cancelled; %(count)d sign-up was cancelled with it.",
                "The activity has been cancelled; %(count)d sign-ups were cancelled with it.",
                count,
            )
            % {"count": count},
        )
    return redirect("activity-manage", pk=activity.pk)


@login_required
@require_POST
def manage_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a photo; the type is read from the file's first bytes, never from its name or header."""
    _require_manager(request)
    activity = selectors.managed_activity_or_404(viewer=request.user, pk=pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_manage(request, activity, photo_form=form)
    upload = form.cleaned_data["image"]
    upload.seek(0)
    content_type = sniff_image(upload.read(16))
    services.photo_add(
        activity=activity,
        upload=upload,
        suffix=_PHOTO_SUFFIX[content_type],
        caption=form.cleaned_data["caption"],
        actor=request.user,
    )
    messages.success(request, _("The photo has been added."))
    return redirect("activity-manage", pk=activity.pk)


@login_required
def manage_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The sign-up list as an xlsx workbook; it names children, so the download is audited."""
    from openpyxl import Workbook  # only the export needs it

    _require_manager(request)
    activity = selectors.managed_activity_or_404(viewer=request.user, pk=pk)
    signups = selectors.signup_list(activity=activity)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Sign-ups")[:31]
    sheet.append(
        [
            _("Status"),
            _("Waiting list position"),
            _("Officer"),
            _("Police number"),
            _("Unit"),
            _("Persons"),
            _("Names"),
            _("Signed up at"),
        ]
    )
    for signup in signups:
        sheet.append(
            [
                spreadsheet_safe(value)
                for value in (
                    str(signup.get_status_display()),
                    signup.position,
                    signup.officer.name,
                    signup.officer.police_number,
                    signup.officer.org_unit.name,
                    signup.persons,
                    "、".join(person.name for person in signup.people.all()),
                    timezone.localtime(signup.queued_at).strftime("%Y-%m-%d %H:%M"),
                )
            ]
        )
    for column, width in zip("ABCDEFGH", (14, 10, 14, 12, 18, 8, 40, 18), strict=True):
        sheet.column_dimensions[column].width = width
    response = xlsx_response(book, f"signups-{activity.pk}.xlsx")
    audit_record(
        actor=request.user,
        action=AuditAction.SENSITIVE_READ,
        target=activity,
        detail={"what": "activity_signups", "channel": "xlsx", "activity": activity.pk, "rows": len(signups)},
    )
    return response
