"""The welfare office's side of care requests: the queue (and its export), one request as its handler works
it, and the office's overview.

Scope comes from care/selectors.py: a request out of the viewer's sight answers 404, whatever the URL
(confidential ones are seen by their handler and the heads only). Every write goes through
care/services.py; a rule it refuses (``DomainError``) is shown as a message and the page is shown again
(POST-redirect-GET). Opening a request writes an audit row; so does the export.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_record
from care import fund as ledger
from care import permissions, selectors, services, workdays
from care.filters import ALL, QUEUE, QueueFilter
from care.models import (
    ActionKind,
    BudgetKind,
    CalendarDay,
    CareGrant,
    CareRequest,
    Category,
    GrantStatus,
    Status,
)
from care.staff_forms import (
    AcceptForm,
    ActionForm,
    GrantCancelForm,
    GrantProposeForm,
    ResolveForm,
    ReturnForm,
    eligible_handlers,
)
from people import scope
from people.forms import bootstrap
from welfare.domain import DomainError
from welfare.http import query_without_page
from welfare.spreadsheets import spreadsheet_safe, xlsx_response

PAGE_SIZE = 50
# The actions that make up a major illness's course of treatment, on the case timeline.
CASE_ACTIONS = (ActionKind.REFERRAL, ActionKind.APPOINTMENT, ActionKind.FOLLOW_UP)
FUND_GRANTS_URL = "/fund/grants/"


def _fund_grants_url() -> str:
    try:
        return reverse("fund-grants")
    except NoReverseMatch:  # the fund pages are mounted at /fund/ by welfare/urls.py
        return FUND_GRANTS_URL


# --- The queue ---------------------------------------------------------------------------------------------


def _queue(request: HttpRequest) -> tuple[QueueFilter, str]:
    """The filtered rows: the viewer's queue, or (welfare office) every request they may see but their own."""
    user = request.user
    if not scope.has_any_role(user, permissions.HANDLER_ROLES):
        raise Http404("no care queue")
    show_all = permissions.is_office(user)
    view = ALL if show_all and request.GET.get("view") == ALL else QUEUE
    if view == ALL:
        rows = selectors.requests_visible_to(user).order_by("-submitted_at", "-id")
    else:
        rows = selectors.queue_for(user)
    # One's own request is never one's work: it is on the officer's page (care-mine).
    rows = rows.exclude(officer__user=user).select_related("officer__org_unit", "handler__officer")
    found = QueueFilter(request.GET or None, queryset=rows, request=request, show_all=show_all)
    bootstrap(found.form)
    return found, view


def _mark(rows, now: dt.datetime) -> None:
    for row in rows:
        row.overdue = selectors.is_overdue(row, now)
        row.age_days = (now - row.submitted_at).days


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """What the viewer should act on, most overdue first; the welfare office can list all it may see."""
    found, view = _queue(request)
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    _mark(page, timezone.now())
    query = query_without_page(request)
    return render(
        request,
        "care/queue.html",
        {
            "filter": found,
            "page": page,
            "query": query,
            "view": view,
            "show_all": permissions.is_office(request.user),
            "export_url": reverse("care-queue-export") + (f"?{query}" if query else ""),
            "fund_grants_url": _fund_grants_url(),
        },
    )


@login_required
def queue_export(request: HttpRequest) -> HttpResponse:
    """The filtered rows as an xlsx workbook (no description: the subject says enough); audited."""
    from openpyxl import Workbook  # only the export needs it

    found, view = _queue(request)
    now = timezone.now()
    rows = list(found.qs)
    _mark(rows, now)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Care requests")[:31]
    sheet.append(
        [
            _("Reference"),
            _("Officer"),
            _("Police number"),
            _("Unit"),
            _("Category"),
            _("Subject"),
            _("Confidential"),
            _("Status"),
            _("Handler"),
            _("Submitted at"),
            _("Next step due"),
            _("Overdue"),
            _("Age (days)"),
        ]
    )
    for row in rows:
        sheet.append(
            [
                spreadsheet_safe(value)
                for value in (
                    row.reference,
                    row.officer.name,
                    row.officer.police_number,
                    row.officer.org_unit.name,
                    str(row.get_category_display()),
                    row.title,
                    _("yes") if row.confidential else "",
                    str(row.get_status_display()),
                    row.handler.display_name if row.handler_id else "",
                    timezone.localtime(row.submitted_at).strftime("%Y-%m-%d %H:%M"),
                    timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M") if row.due_at else "",
                    _("yes") if row.overdue else "",
                    row.age_days,
                )
            ]
        )
    for column, width in zip("ABCDEFGHIJKLM", (16, 12, 12, 18, 16, 36, 8, 14, 12, 17, 17, 8, 8), strict=True):
        sheet.column_dimensions[column].width = width
    response = xlsx_response(book, f"care-requests-{timezone.localdate():%Y%m%d}.xlsx")
    audit_record(
        actor=request.user,
        action=AuditAction.SENSITIVE_READ,
        detail={
            "what": "care_requests_export",
            "count": len(rows),
            "view": view,
            "filters": {key: request.GET.getlist(key) for key in request.GET},
        },
    )
    return response


# --- One request -------------------------------------------------------------------------------------------


def _case_timeline(events, grants: list[CareGrant]) -> list[dict]:
    """A major illness's course, oldest first: referrals, appointments and follow-ups on their dates, and
    the grants approved and paid."""
    items = []
    for event in events:
        if event.action in CASE_ACTIONS:
            day = event.scheduled_for or timezone.localtime(event.occurred_at).date()
            items.append(
                {
                    "date": day,
                    "what": event.get_action_display(),
                    "text": event.display_text,
                    "internal": not event.visible_to_officer,
                }
            )
    for grant in grants:
        if grant.status in (GrantStatus.APPROVED, GrantStatus.PAID) and grant.decided_at:
            items.append(
                {
                    "date": timezone.localtime(grant.decided_at).date(),
                    "what": _("Grant approved"),
                    "text": grant.purpose,
                    "amount": grant.amount,
                }
            )
        if grant.status == GrantStatus.PAID and grant.payment_id:
            items.append(
                {
                    "date": grant.payment.booked_on,
                    "what": _("Grant paid"),
                    "text": grant.purpose,
                    "amount": grant.amount,
                }
            )
    items.sort(key=lambda item: item["date"])
    return items


def _render_handle(request: HttpRequest, care_request: CareRequest) -> HttpResponse:
    user = request.user
    selectors.record_staff_read(viewer=user, request=care_request, channel="web")
    status = care_request.status
    handling = status in (Status.ACCEPTED, Status.IN_PROGRESS)
    can_assign = permissions.can_assign(user, care_request)
    can_act = permissions.can_act(user, care_request)
    is_head = permissions.is_head_for(user, care_request.officer.org_unit)
    events = selectors.timeline(request=care_request, for_officer=False)
    grants = selectors.grants_of(care_request)
    prefetch_related_objects(grants, "proposed_by__officer", "approved_by__officer")
    for grant in grants:
        grant.can_cancel = grant.status in (GrantStatus.PROPOSED, GrantStatus.APPROVED) and (
            can_act or is_head
        )
    accept_form = None
    if can_assign:
        handlers = eligible_handlers(care_request)
        initial = care_request.handler_id or (user.pk if handlers.filter(pk=user.pk).exists() else None)
        accept_form = AcceptForm(handlers=handlers, initial={"handler": initial})
    grant_form = GrantProposeForm(initial={"token": uuid.uuid4()}) if can_act and handling else None
    context = {
        "care_request": care_request,
        "officer": care_request.officer,
        "on_behalf": care_request.submitted_by_id != care_request.officer.user_id,
        "attachments": list(care_request.attachments.all()),
        "events": events,
        "grants": grants,
        "overdue": selectors.is_overdue(care_request),
        "waiting_on_office": status in (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS),
        "case_timeline": (
            _case_timeline(events, grants) if care_request.category == Category.MAJOR_ILLNESS else None
        ),
        "accept_form": accept_form,
        "return_form": (
            ReturnForm() if (status == Status.SUBMITTED and can_assign) or (handling and can_act) else None
        ),
        "action_form": ActionForm() if can_act and (handling or status == Status.RESOLVED) else None,
        "resolve_form": ResolveForm() if can_act and handling else None,
        "grant_form": grant_form,
        "fund_grants_url": _fund_grants_url(),
    }
    if grant_form is not None:
        context["threshold"] = ledger.default_fund().second_approval_above
        context["care_available"] = ledger.budget_of(BudgetKind.CARE_GRANTS).available
    return render(request, "care/handle.html", context)


@login_required
def handle(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one request, with the forms the viewer may use; the officer goes to their own page."""
    care_request = selectors.request_for(viewer=request.user, pk=pk)
    if care_request.officer.user_id == request.user.pk:
        return redirect(reverse("care-detail", args=[pk]))
    return _render_handle(request, care_request)


def _back(care_request: CareRequest) -> HttpResponse:
    return redirect("care-handle", pk=care_request.pk)


def _invalid(request: HttpRequest, care_request: CareRequest, form: Form) -> HttpResponse:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)
    return _back(care_request)


def _run(request: HttpRequest, care_request: CareRequest, call, success) -> HttpResponse:
    """Call the service; its refusal becomes an error message, its result the success message."""
    try:
        result = call()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success(result) if callable(success) else success)
    return _back(care_request)


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept a new request with a handler, or hand an accepted one to another handler."""
    care_request = selectors.request_for(viewer=request.user, pk=pk)
    form = AcceptForm(request.POST, handlers=eligible_handlers(care_request))
    if not form.is_valid():
        return _invalid(request, care_request, form)
    handler = form.cleaned_data["handler"]
    new = care_request.status == Status.SUBMITTED
    return _run(
        request,
        care_request,
        lambda: services.request_accept(
            request=care_request, handler=handler, actor=request.user, note=form.cleaned_data["note"]
        ),
        (
            _("The request has been accepted; %(name)s handles it.")
            if new
            else _("%(name)s now handles the request.")
        )
        % {"name": handler.display_name},
    )


@login_required
@require_POST
def return_for_information(request: HttpRequest, pk: int) -> HttpResponse:
    care_request = selectors.request_for(viewer=request.user, pk=pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _invalid(request, care_request, form)
    return _run(
        request,
        care_request,
        lambda: services.request_return(
            request=care_request, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        _("The request has been returned to the officer for more information."),
    )


@login_required
@require_POST
def action(request: HttpRequest, pk: int) -> HttpResponse:
    """A note or an action; unticked, only the staff see it."""
    care_request = selectors.request_for(viewer=request.user, pk=pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return _invalid(request, care_request, form)
    data = form.cleaned_data
    return _run(
        request,
        care_request,
        lambda: services.action_add(
            request=care_request,
            actor=request.user,
            kind=data["kind"],
            text=data["text"],
            visible_to_officer=data["visible_to_officer"],
            scheduled_for=data["scheduled_for"],
        ),
        _("Added to the timeline; the officer can see it.")
        if data["visible_to_officer"]
        else _("Added to the timeline as an internal note."),
    )


@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    care_request = selectors.request_for(viewer=request.user, pk=pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _invalid(request, care_request, form)
    return _run(
        request,
        care_request,
        lambda: services.request_resolve(
            request=care_request, actor=request.user, outcome=form.cleaned_data["outcome"]
        ),
        _("The request has been resolved; the officer is asked to rate it."),
    )


def _proposed(grant: CareGrant) -> str:
    amount = ledger.yuan(grant.amount)
    if grant.status == GrantStatus.APPROVED:
        return _("A grant of %(amount)s has been approved and committed from the care grants.") % {
            "amount": amount
        }
    if grant.needs_second_approval:
        return _("The grant of %(amount)s awaits the approval of a head of the welfare office.") % {
            "amount": amount
        }
    return _("The grant of %(amount)s awaits the approval of the welfare office.") % {"amount": amount}


@login_required
@require_POST
def grant_propose(request: HttpRequest, pk: int) -> HttpResponse:
    care_request = selectors.request_for(viewer=request.user, pk=pk)
    form = GrantProposeForm(request.POST)
    if not form.is_valid():
        return _invalid(request, care_request, form)
    return _run(
        request,
        care_request,
        lambda: services.grant_propose(
            request=care_request,
            actor=request.user,
            amount=form.cleaned_data["amount"],
            purpose=form.cleaned_data["purpose"],
            token=form.cleaned_data["token"],
        ),
        _proposed,
    )


@login_required
@require_POST
def grant_cancel(request: HttpRequest, grant_pk: int) -> HttpResponse:
    """Withdraw a grant not yet paid; an approved one's commitment is reversed in the ledger."""
    grant = CareGrant.objects.filter(pk=grant_pk).first()
    if grant is None:
        raise Http404("no such grant")
    care_request = selectors.request_for(viewer=request.user, pk=grant.request_id)  # the grant's scope
    form = GrantCancelForm(request.POST)
    if not form.is_valid():
        return _invalid(request, care_request, form)
    return _run(
        request,
        care_request,
        lambda: services.grant_cancel(grant=grant, actor=request.user, reason=form.cleaned_data["reason"]),
        _("The grant of %(amount)s has been cancelled.") % {"amount": ledger.yuan(grant.amount)},
    )


# --- The overview ------------------------------------------------------------------------------------------


def _working_days_overdue(rows: list[CareRequest], now: dt.datetime) -> None:
    """``row.working_days_overdue`` as care.workdays.working_days_between(due_at, now), in one query."""
    if not rows:
        return
    last = timezone.localtime(now).date()
    starts = {row.pk: timezone.localtime(row.due_at).date() for row in rows}
    exceptions = dict(
        CalendarDay.objects.filter(day__range=(min(starts.values()), last)).values_list(
            "day", "is_working_day"
        )
    )
    for row in rows:
        first = starts[row.pk]
        row.working_days_overdue = sum(
            1
            for offset in range(1, (last - first).days + 1)
            if workdays.is_working_day(first + dt.timedelta(days=offset), exceptions)
        )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The welfare office's view of open requests: headline, by category, unit and age, and the overdue."""
    if not permissions.is_office(request.user):
        raise Http404("no care overview")
    now = timezone.now()
    found = selectors.overview_for(viewer=request.user, now=now)
    _working_days_overdue(found.overdue, now)
    helped = found.helped_major_illness
    return render(
        request,
        "care/overview.html",
        {
            "overview": found,
            "headline": helped[0] if helped else None,
            "earlier_years": helped[1:],
            "now": now,
        },
    )
