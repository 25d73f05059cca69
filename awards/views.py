"""The officer's award pages (金盾优学奖): open programmes and my applications, applying for a child, an
application's page with edit / submit / withdraw, the admission letter, and the public notice (公示) with
objections and its xlsx export.

Every write goes through awards/services.py; its rule errors (``DomainError``) are shown on the form or
as a message, and successful POSTs redirect (POST-redirect-GET). Reads go through awards/selectors.py: an
application out of the viewer's sight answers 404. Reviewers work on their own pages (awards/staff_*).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_record
from awards import selectors, services
from awards.forms import (
    ApplicationForm,
    ObjectionForm,
    WithdrawForm,
    universities_for_choice,
    university_label,
)
from awards.models import Application, ApplicationEvent, Decision, Programme, ProgrammeKind, Status, Tier
from people import selectors as people_selectors
from people.models import FamilyRelation, Officer
from welfare.domain import DomainError
from welfare.spreadsheets import spreadsheet_safe, xlsx_response
from welfare.uploads import DOCUMENT_TYPES

NOTICE_PAGE_SIZE = 50
YUAN_FORMAT = '"¥"#,##0.00;-"¥"#,##0.00'
EDITABLE = (Status.DRAFT, Status.RETURNED)
WITHDRAWABLE = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.UNIT_APPROVED)  # the service's rule


def _officer(request: HttpRequest) -> Officer:
    return people_selectors.own_officer_or_404(request.user)


def _show_error(form, error: DomainError) -> None:
    """A service's refusal next to the field it names, or above the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def tier_amounts(programme: Programme) -> list[tuple[str, object]]:
    """The tiers the programme awards with their amounts, best first: [("985 Project", 10000), …]."""
    return [
        (Tier(tier).label, amount)
        for tier in (Tier.T985, Tier.T211, Tier.DOUBLE_FIRST_CLASS)
        if (amount := programme.amount_for(tier)) is not None
    ]


# --- Programmes and my applications ---------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Open scholarship programmes with their amounts, and the officer's applications with their status."""
    officer = people_selectors.officer_of(request.user)
    programmes = [(programme, tier_amounts(programme)) for programme in selectors.open_programmes()]
    applications = list(selectors.applications_of(officer)) if officer is not None else []
    has_children = (
        officer is not None
        and people_selectors.family_of(officer=officer).filter(relation=FamilyRelation.CHILD).exists()
    )
    context = {
        "officer": officer,
        "programmes": programmes,
        "applications": applications,
        "has_children": has_children,
    }
    return render(request, "awards/programmes.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """All of the officer's applications, newest first (the home page shows them too)."""
    officer = _officer(request)
    page = Paginator(selectors.applications_of(officer), 20).get_page(request.GET.get("page"))
    return render(request, "awards/mine.html", {"page": page})


# --- Applying and changing an application ---------------------------------------------------------------


def _form_context(form: ApplicationForm, **extra) -> dict:
    return {"form": form, "universities": universities_for_choice(), **extra}


@login_required
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft application for one of the officer's children; the application's page then says what is
    missing before it can be submitted."""
    officer = _officer(request)
    programme = get_object_or_404(Programme, pk=pk, kind=ProgrammeKind.SCHOLARSHIP)
    if not programme.is_open_on(timezone.localdate()):
        messages.error(
            request,
            _("Applications for %(title)s are accepted from %(opens)s to %(closes)s.")
            % {
                "title": programme.title,
                "opens": programme.opens_on.isoformat(),
                "closes": programme.closes_on.isoformat(),
            },
        )
        return redirect("award-home")
    if request.method == "POST":
        form = ApplicationForm(request.POST, request.FILES, officer=officer)
        if form.is_valid():
            data = form.cleaned_data
            try:
                application = services.application_create(
                    programme=programme,
                    officer=officer,
                    child=data["child"],
                    university=data["university"],
                    admission_year=data["admission_year"],
                    major=data["major"],
                    letter=data["letter"],
                    actor=request.user,
                )
            except DomainError as error:
                _show_error(form, error)
            else:
                messages.success(
                    request, _("Your application has been saved as a draft. Check it and submit it.")
                )
                return redirect("award-application", pk=application.pk)
    else:
        form = ApplicationForm(officer=officer, initial={"admission_year": programme.year})
    has_children = form.fields["child"].queryset.exists()
    return render(
        request,
        "awards/application_form.html",
        _form_context(form, programme=programme, application=None, has_children=has_children),
    )


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft or returned application: child, university, year, major, or a new letter."""
    application = selectors.own_application(viewer=request.user, pk=pk)
    if application.status not in EDITABLE:
        messages.error(request, _("Only a draft or a returned application can be changed."))
        return redirect("award-application", pk=application.pk)
    officer = application.officer
    if request.method == "POST":
        form = ApplicationForm(request.POST, request.FILES, officer=officer, letter_required=False)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.application_update(
                    application=application,
                    actor=request.user,
                    child=data["child"],
                    university=data["university"],
                    admission_year=data["admission_year"],
                    major=data["major"],
                    letter=data["letter"],
                )
            except DomainError as error:
                _show_error(form, error)
            else:
                messages.success(request, _("Your changes have been saved."))
                return redirect("award-application", pk=application.pk)
    else:
        form = ApplicationForm(
            officer=officer,
            letter_required=False,
            initial={
                "child": application.child_id,
                "university": university_label(application.university),
                "admission_year": application.admission_year,
                "major": application.major,
            },
        )
    return render(
        request,
        "awards/application_form.html",
        _form_context(form, programme=application.programme, application=application, has_children=True),
    )


# --- One application ------------------------------------------------------------------------------------


def events_of(application: Application) -> list[ApplicationEvent]:
    """The application's history, oldest first, with who acted (for the _events.html partial)."""
    return list(application.events.select_related("actor__officer"))


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer's own application: its facts, what stops it being submitted, its history and actions."""
    application = selectors.own_application(viewer=request.user, pk=pk)
    events = events_of(application)
    status = application.status
    returned_because = ""
    if status == Status.RETURNED:
        returned_because = next(
            (e.reason for e in reversed(events) if e.decision == Decision.RETURN and e.reason), ""
        )
    editable = status in EDITABLE
    tier = application.tier or application.university.tier
    context = {
        "application": application,
        "events": events,
        "problems": services.eligibility_problems(application) if editable else [],
        "editable": editable,
        "tier_label": Tier(tier).label if tier else "",
        "returned_because": returned_because,
        "amount_if_approved": application.programme.best_amount(application.university)
        if application.amount is None
        else None,
        "withdraw_form": WithdrawForm(auto_id="withdraw_%s") if status in WITHDRAWABLE else None,
    }
    return render(request, "awards/application_detail.html", context)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.own_application(viewer=request.user, pk=pk)
    try:
        services.application_submit(application=application, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Your application has been submitted. Your unit reviews it first, then the welfare office."),
        )
    return redirect("award-application", pk=application.pk)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.own_application(viewer=request.user, pk=pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("award-application", pk=application.pk)
    try:
        services.application_withdraw(
            application=application, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your application has been withdrawn."))
    return redirect("award-application", pk=application.pk)


@login_required
def letter(request: HttpRequest, pk: int) -> FileResponse:
    """The admission letter, for the officer and the reviewers who may see the application.

    A read by anyone but the officer is audited: the letter names the child and their school.
    """
    application = selectors.application_for(viewer=request.user, pk=pk)
    if not application.letter:
        raise Http404("no letter")
    try:
        handle = application.letter.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("the file is missing") from None
    if application.officer.user_id != request.user.pk:
        audit_record(
            actor=request.user,
            action=AuditAction.SENSITIVE_READ,
            target=application,
            detail={"what": "award_letter", "officer": application.officer.police_number, "channel": "web"},
        )
    # The type is the one sniffed at upload, never the sender's; nosniff keeps browsers to it.
    content_type = application.letter_type or "application/octet-stream"
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=True,
        filename=f"admission-letter-{application.pk}{DOCUMENT_TYPES.get(content_type, '')}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response


# --- The public notice ----------------------------------------------------------------------------------


@login_required
def notice(request: HttpRequest) -> HttpResponse:
    """Awards in their public notice: the child's name masked, the officer's unit, never the officer."""
    page = Paginator(selectors.public_notice(), NOTICE_PAGE_SIZE).get_page(request.GET.get("page"))
    for application in page:
        application.masked_name = services.mask_name(application.child.name)
    return render(request, "awards/notice.html", {"page": page, "objection_form": ObjectionForm()})


def _published_or_404(pk: int) -> Application:
    """An award that has been put on public notice: anyone signed in may read it there, and object to it.

    Found whatever the date, so that an objection after the period is refused with the service's reason.
    """
    found = (
        Application.objects.select_related("programme")
        .filter(pk=pk, notice_starts_on__isnull=False, notice_starts_on__lte=timezone.localdate())
        .first()
    )
    if found is None:
        raise Http404("not on public notice")
    return found


@login_required
@require_POST
def object_to(request: HttpRequest, pk: int) -> HttpResponse:
    application = _published_or_404(pk)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("award-notice")
    try:
        services.objection_lodge(application=application, user=request.user, text=form.cleaned_data["text"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "Your objection has been lodged. The award is on hold until the welfare office has "
                "looked into it."
            ),
        )
    return redirect("award-notice")


@login_required
def notice_export(request: HttpRequest) -> HttpResponse:
    """The public notice as an xlsx workbook: the same rows as the page, the children's names masked."""
    from openpyxl import Workbook  # only the export needs it

    rows = list(selectors.public_notice())
    book = Workbook()
    sheet = book.active
    sheet.title = _("Public notice")[:31]
    headers = [
        _("Programme"),
        _("Child"),
        _("Unit"),
        _("University"),
        _("Tier"),
        _("Amount"),
        _("Notice from"),
        _("Notice until"),
        _("Status"),
    ]
    sheet.append([spreadsheet_safe(header) for header in headers])
    for application in rows:
        sheet.append(
            [
                spreadsheet_safe(value)
                for value in (
                    application.programme.title,
                    services.mask_name(application.child.name),
                    application.officer.org_unit.name,
                    application.university.name,
                    str(application.get_tier_display()) if application.tier else "",
                    application.amount,
                    application.notice_starts_on,
                    application.notice_ends_on,
                    str(application.get_status_display()),
                )
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        row[5].number_format = YUAN_FORMAT
        row[6].number_format = row[7].number_format = "yyyy-mm-dd"
    for column, width in zip("ABCDEFGHI", (18, 10, 20, 22, 16, 12, 12, 12, 16), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    return xlsx_response(book, f"award-notice-{timezone.localdate():%Y%m%d}.xlsx")
