"""The reviewers' and the welfare office's award pages: the review queues (with the office's batch
decisions), one application as a reviewer sees it, the programmes (public notice, objections, payment,
export), head-teacher awards and their certificates, the statistics and the university list's import.

Who sees what comes from awards/permissions.py and awards/selectors.py: unit admins review the first
stage for their subtree, the welfare office runs everything else, leaders see the statistics; anyone
else gets 404, as for anything out of scope. Every write goes through awards/services.py; a rule it
refuses (``DomainError``) is shown on the form or as a message, and successful POSTs redirect. Opening an
application and exporting a programme's applications write an audit row.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_record
from awards import permissions, selectors, services
from awards.certificate import certificate_pdf
from awards.models import (
    Application,
    Decision,
    Objection,
    ObjectionStatus,
    Programme,
    ProgrammeKind,
    Status,
    TeacherAward,
    TeacherStatus,
    Tier,
)
from awards.staff_forms import (
    BatchDecisionForm,
    DecisionForm,
    ObjectionDecisionForm,
    ProgrammeEditForm,
    ProgrammeForm,
    TeacherDecisionForm,
    TeacherNominateForm,
    UniversitiesImportForm,
)
from care import fund as ledger
from care.fund import FundError
from people import scope
from people.models import Role
from welfare.domain import DomainError
from welfare.http import query_without_page, require_or_404
from welfare.pdf import pdf_response
from welfare.spreadsheets import spreadsheet_safe, xlsx_response

PAGE_SIZE = 50
YUAN_FORMAT = '"¥"#,##0.00'
UNIT, WELFARE = "unit", "welfare"
REVIEWER_ROLES = frozenset({Role.UNIT_ADMIN}) | permissions.OFFICE_ROLES
# How a programme's applications are grouped on its page: what needs the office first.
STATUS_ORDER = (
    Status.ON_HOLD,
    Status.IN_NOTICE,
    Status.APPROVED,
    Status.UNIT_APPROVED,
    Status.SUBMITTED,
    Status.RETURNED,
    Status.PAID,
    Status.REJECTED,
    Status.WITHDRAWN,
)
LIVE_TEACHER_STATUSES = (TeacherStatus.NOMINATED, TeacherStatus.APPROVED, TeacherStatus.PAID)
TEACHER_ORDER = (TeacherStatus.NOMINATED, TeacherStatus.APPROVED, TeacherStatus.PAID, TeacherStatus.REJECTED)
AWARDED_SCHOLARSHIPS = (Status.APPROVED, Status.IN_NOTICE, Status.PAID)


def _form_errors(request: HttpRequest, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _label(application: Application) -> str:
    return _("%(child)s (applied for by %(officer)s)") % {
        "child": application.child.name,
        "officer": application.officer.name,
    }


def _report_batch(request: HttpRequest, result: services.BatchResult, done: str) -> None:
    """The batch's outcome: how many were done, then each refusal with its application and reason."""
    if result.done:
        messages.success(request, done % {"count": len(result.done)})
    known = {
        application.pk: application
        for application in selectors.applications_visible_to(request.user)
        .filter(pk__in=list(result.refused))
        .select_related("child", "officer")
    }
    for pk, reason in sorted(result.refused.items()):
        application = known.get(pk)
        messages.warning(
            request,
            _("Not done for %(application)s: %(reason)s")
            % {"application": _label(application) if application else f"#{pk}", "reason": reason},
        )
    if not result.done and not result.refused:
        messages.info(request, _("There was nothing to do."))


# --- Review ----------------------------------------------------------------------------------------------


def _review_tabs(user) -> list[str]:
    tabs = []
    if scope.has_any_role(user, {Role.UNIT_ADMIN}):
        tabs.append(UNIT)
    if permissions.can_manage(user):
        tabs.append(WELFARE)
    return tabs


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Applications waiting for the viewer's stage of review, the longest waiting first."""
    tabs = _review_tabs(request.user)
    require_or_404(bool(tabs))
    tab = request.GET.get("tab")
    if tab not in tabs:
        tab = tabs[0]
    if tab == UNIT:
        rows = selectors.unit_review_queue(request.user)
    else:
        rows = selectors.welfare_review_queue(request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for row in page:
        row.waiting_days = (now - row.waiting_since).days if row.waiting_since else None
    return render(
        request,
        "awards/review_queue.html",
        {
            "tabs": tabs,
            "tab": tab,
            "page": page,
            "query": query_without_page(request),
            "batch_form": BatchDecisionForm(ids=[]) if tab == WELFARE else None,
            "can_manage": permissions.can_manage(request.user),
            "remind_days": settings.AWARD_REVIEW_REMIND_DAYS,
        },
    )


BATCH_DONE = {
    Decision.APPROVE: lambda n: ngettext(
        "%(count)d application has been approved.", "%(count)d applications have been approved.", n
    ),
    Decision.RETURN: lambda n: ngettext(
        "%(count)d application has been returned to the officer.",
        "%(count)d applications have been returned to the officers.",
        n,
    ),
    Decision.REJECT: lambda n: ngettext(
        "%(count)d application has been rejected.", "%(count)d applications have been rejected.", n
    ),
}


@login_required
@require_POST
def review_batch(request: HttpRequest) -> HttpResponse:
    """The welfare office decides the ticked applications at once; each refusal is reported."""
    user = request.user
    require_or_404(permissions.can_manage(user))
    back = reverse("award-review") + f"?tab={WELFARE}"
    form = BatchDecisionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(back)
    ids = set(form.cleaned_data["applications"])
    decision = form.cleaned_data["decision"]
    # Ids out of the viewer's sight are reported as unknown, like ids that do not exist.
    visible = set(selectors.applications_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    result = services.welfare_review_batch(
        application_ids=sorted(visible), reviewer=user, decision=decision, reason=form.cleaned_data["reason"]
    )
    for pk in ids - visible:
        result.refused[pk] = _("No such application.")
    _report_batch(request, result, BATCH_DONE[decision](len(result.done)))
    return redirect(back)


def _stage(user, application: Application) -> str | None:
    """The review stage the viewer could decide now, whatever a conflict of interest says."""
    if application.status == Status.SUBMITTED and permissions.can_unit_review(user, application):
        return UNIT
    if application.status == Status.UNIT_APPROVED and permissions.can_welfare_review(user, application):
        return WELFARE
    return None


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one application, its history, and the decision form when it is the viewer's."""
    user = request.user
    require_or_404(scope.has_any_role(user, REVIEWER_ROLES))
    application = selectors.application_for(viewer=user, pk=pk)
    audit_record(
        actor=user,
        action=AuditAction.SENSITIVE_READ,
        target=application,
        detail={"what": "award_application", "channel": "web"},
    )
    stage = _stage(user, application)
    conflict = permissions.conflict_of_interest(user, application) if stage else ""
    manage = permissions.can_manage(user)
    in_notice = application.status in (Status.IN_NOTICE, Status.ON_HOLD)
    problem = services.payable_problem(application) if manage and in_notice else ""
    context = {
        "application": application,
        "officer": application.officer,
        "child": application.child,
        "events": list(application.events.select_related("actor__officer")),
        "objections": list(
            application.objections.select_related("lodged_by__officer", "decided_by__officer")
        ),
        "letter_url": reverse("award-letter", args=[application.pk]) if application.letter else "",
        "stage": stage,
        "conflict": conflict,
        "decision_form": DecisionForm() if stage and not conflict else None,
        "can_manage": manage,
        # The office sees who objected, except on the application of themselves or their family.
        "show_objectors": manage and not permissions.conflict_of_interest(user, application),
        "payable_problem": problem,
        "can_pay_now": manage and application.status == Status.IN_NOTICE and not problem,
        "teacher_award": (
            TeacherAward.objects.filter(scholarship=application)
            .exclude(status=TeacherStatus.REJECTED)
            .first()
            if manage
            else None
        ),
    }
    return render(request, "awards/review_detail.html", context)


DECIDED = {
    Decision.APPROVE: lambda: _("The application for %(child)s has been approved."),
    Decision.RETURN: lambda: _("The application for %(child)s has been returned to the officer."),
    Decision.REJECT: lambda: _("The application for %(child)s has been rejected."),
}


@login_required
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve, return or reject at the stage the application is in (services decide who may)."""
    user = request.user
    require_or_404(scope.has_any_role(user, REVIEWER_ROLES))
    application = selectors.application_for(viewer=user, pk=pk)
    back = redirect("award-review-detail", pk=application.pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return back
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    welfare = application.status == Status.UNIT_APPROVED
    review = services.welfare_review if welfare else services.unit_review
    try:
        review(application=application, reviewer=user, decision=decision, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
        return back
    messages.success(request, DECIDED[decision]() % {"child": application.child.name})
    return redirect(reverse("award-review") + f"?tab={WELFARE if welfare else UNIT}")


# --- Programmes ------------------------------------------------------------------------------------------


def _counts(model, statuses) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = defaultdict(dict)
    rows = model.objects.filter(status__in=statuses).values("programme", "status").annotate(n=Count("pk"))
    for row in rows:
        found[row["programme"]][row["status"]] = row["n"]
    return found


@login_required
def programmes(request: HttpRequest) -> HttpResponse:
    """Every programme with its budget, what has been paid from it, and its applications by status."""
    require_or_404(permissions.can_manage(request.user))
    found = list(Programme.objects.select_related("commitment").order_by("-year", "kind"))
    applications = _counts(Application, STATUS_ORDER)  # drafts are their officers' own business
    teachers = _counts(TeacherAward, TEACHER_ORDER)
    for programme in found:
        # Two queries a programme (the ledger's settled sum and its reversals): two programmes a year.
        programme.paid = services.programme_paid(programme)
        if programme.kind == ProgrammeKind.TEACHER:
            counts, order, labels = teachers[programme.pk], TEACHER_ORDER, TeacherStatus
        else:
            counts, order, labels = applications[programme.pk], STATUS_ORDER, Status
        programme.counts = [
            (status, labels(status).label, counts[status]) for status in order if counts.get(status)
        ]
    return render(request, "awards/programmes_manage.html", {"programmes": found})


def _add_service_error(form, error: DomainError) -> None:
    # The ledger speaks of the "amount" it cannot set aside: on this form, that is the budget.
    form.add_domain_error(error, aliases={"amount": "budget"} if isinstance(error, FundError) else None)


@login_required
def programme_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_or_404(permissions.can_manage(user))
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            programme = services.programme_create(
                actor=user,
                kind=values.pop("kind"),
                year=values.pop("year"),
                budget=values.pop("budget"),
                **values,
            )
        except DomainError as error:
            _add_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(title)s has been created; %(budget)s has been set aside from the awards sub-budget.")
                % {"title": programme.title, "budget": ledger.yuan(programme.budget)},
            )
            return redirect("award-programme", pk=programme.pk)
    awards_budget = ledger.budget_of("awards")
    return render(
        request,
        "awards/programme_form.html",
        {"form": form, "programme": None, "awards_budget": awards_budget},
    )


@login_required
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require_or_404(permissions.can_manage(user))
    programme = get_object_or_404(Programme, pk=pk)
    form = ProgrammeEditForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(programme=programme, actor=user, **form.values())
        except DomainError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("The programme has been saved."))
            return redirect("award-programme", pk=programme.pk)
    return render(request, "awards/programme_form.html", {"form": form, "programme": programme})


def _programme_or_404(request: HttpRequest, pk: int) -> Programme:
    require_or_404(permissions.can_manage(request.user))
    return get_object_or_404(Programme.objects.select_related("commitment__budget"), pk=pk)


def _programme_applications(request: HttpRequest, programme: Programme):
    return (
        selectors.applications_visible_to(request.user)
        .filter(programme=programme)
        .exclude(status=Status.DRAFT)
        .order_by("officer__org_unit__path", "officer__name", "pk")
    )


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A programme as the office runs it: its applications by status, the notice, objections, payment."""
    programme = _programme_or_404(request, pk)
    today = timezone.localdate()
    groups: dict[str, list[Application]] = defaultdict(list)
    teacher_awards = []
    if programme.kind == ProgrammeKind.TEACHER:
        teacher_awards = list(
            programme.teacher_awards.select_related(
                "scholarship__child", "scholarship__officer__org_unit", "scholarship__university"
            ).order_by("status", "pk")
        )
    else:
        for application in _programme_applications(request, programme):
            if application.status in (Status.IN_NOTICE, Status.ON_HOLD):
                application.problem = services.payable_problem(application, today)
            groups[application.status].append(application)
    objections = list(
        Objection.objects.filter(
            application__programme=programme,
            application__status__in=selectors.NOTICE_STATUSES,
            application__in=selectors.applications_visible_to(request.user),
        ).select_related(
            "application__child", "application__officer", "lodged_by__officer", "decided_by__officer"
        )
    )
    conflicts = permissions.conflicts_of_interest(request.user, [o.application for o in objections])
    for objection in objections:
        # Nobody decides, or learns who objected to, the award of themselves or their family.
        objection.conflict = conflicts[objection.application_id]
        open_ = objection.status == ObjectionStatus.OPEN
        objection.form = ObjectionDecisionForm() if open_ and not objection.conflict else None
    budget = services.programme_budget(programme)
    context = {
        "programme": programme,
        "groups": [
            (status, Status(status).label, groups[status]) for status in STATUS_ORDER if groups[status]
        ],
        "teacher_awards": teacher_awards,
        "objections": objections,
        "paid": budget.paid,
        "budget": budget,
        "can_release": today > programme.closes_on,
        "approved_count": len(groups[Status.APPROVED]),
        "payable_count": sum(1 for a in groups[Status.IN_NOTICE] if not a.problem),
        "today": today,
    }
    return render(request, "awards/programme_detail.html", context)


@login_required
@require_POST
def notice_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Put every approved award of the programme on public notice from today."""
    programme = _programme_or_404(request, pk)
    result = services.notice_start_all(programme=programme, actor=request.user)
    done = ngettext(
        "%(count)d award is now on public notice.",
        "%(count)d awards are now on public notice.",
        len(result.done),
    )
    _report_batch(request, result, done)
    return redirect("award-programme", pk=programme.pk)


@login_required
@require_POST
def release_unspent(request: HttpRequest, pk: int) -> HttpResponse:
    """After the programme closes, give what it will not need back to the awards sub-budget."""
    programme = _programme_or_404(request, pk)
    before = services.programme_budget(programme)
    try:
        services.programme_release_unspent(programme=programme, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(amount)s has gone back to the awards sub-budget.")
            % {"amount": f"¥{before.releasable:,.2f}"},
        )
    return redirect("award-programme", pk=programme.pk)


@login_required
@require_POST
def pay_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay every award whose public notice has ended without an open objection."""
    programme = _programme_or_404(request, pk)
    result = services.applications_pay_all(programme=programme, actor=request.user)
    done = ngettext("%(count)d award has been paid.", "%(count)d awards have been paid.", len(result.done))
    _report_batch(request, result, done)
    return redirect("award-programme", pk=programme.pk)


@login_required
@require_POST
def application_pay(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require_or_404(permissions.can_pay(user))
    application = selectors.application_for(viewer=user, pk=pk)
    if application.status == Status.PAID:
        messages.info(
            request, _("The award to %(child)s has already been paid.") % {"child": application.child.name}
        )
        return redirect("award-programme", pk=application.programme_id)
    try:
        application = services.application_pay(application=application, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The award of %(amount)s to %(child)s has been paid (fund entry no. %(number)d).")
            % {
                "amount": ledger.yuan(application.amount),
                "child": application.child.name,
                "number": application.payment_id,
            },
        )
    return redirect("award-programme", pk=application.programme_id)


@login_required
@require_POST
def objection_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require_or_404(permissions.can_manage(user))
    objection = (
        Objection.objects.filter(pk=pk, application__in=selectors.applications_visible_to(user))
        .select_related("application")
        .first()
    )
    if objection is None:
        raise Http404("no such objection")
    form = ObjectionDecisionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        upheld = form.cleaned_data["upheld"]
        try:
            services.objection_decide(
                objection=objection, actor=user, upheld=upheld, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("The objection has been upheld: the award is rejected.")
                if upheld
                else _("The objection has been dismissed."),
            )
    return redirect("award-programme", pk=objection.application.programme_id)


def _naive(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


@login_required
def programme_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The programme's applications as an xlsx workbook; they name officers and children: audited."""
    from openpyxl import Workbook  # only the export needs it

    programme = _programme_or_404(request, pk)
    rows = list(_programme_applications(request, programme))
    book = Workbook()
    sheet = book.active
    sheet.title = _("Applications")[:31]
    sheet.append(
        [
            _("No."),
            _("Status"),
            _("Officer"),
            _("Police number"),
            _("Unit"),
            _("Child"),
            _("University"),
            _("School code"),
            _("Tier"),
            _("Admission year"),
            _("Major"),
            _("Amount"),
            _("Submitted at"),
            _("Notice from"),
            _("Notice until"),
            _("Fund entry"),
        ]
    )
    for application in rows:
        sheet.append(
            [
                spreadsheet_safe(value)
                for value in (
                    application.pk,
                    str(application.get_status_display()),
                    application.officer.name,
                    application.officer.police_number,
                    application.officer.org_unit.name,
                    application.child.name,
                    application.university.name,
                    application.university.code,
                    str(application.get_tier_display()) if application.tier else "",
                    application.admission_year,
                    application.major,
                    application.amount,
                    _naive(application.submitted_at),
                    application.notice_starts_on,
                    application.notice_ends_on,
                    application.payment_id,
                )
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        row[11].number_format = YUAN_FORMAT
        row[12].number_format = "yyyy-mm-dd hh:mm"
        row[13].number_format = row[14].number_format = "yyyy-mm-dd"
    widths = (8, 14, 10, 12, 18, 10, 22, 12, 14, 8, 18, 12, 17, 12, 12, 8)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    sheet.freeze_panes = "A2"
    response = xlsx_response(book, f"award-applications-{programme.kind}-{programme.year}.xlsx")
    audit_record(
        actor=request.user,
        action=AuditAction.SENSITIVE_READ,
        target=programme,
        detail={"what": "award_applications_export", "channel": "xlsx", "count": len(rows)},
    )
    return response


# --- Head-teacher awards -----------------------------------------------------------------------------------


def _teacher_year(request: HttpRequest, years: list[int]) -> int:
    """The year asked for when there is a programme of it; else this year's, else the latest."""
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        year = 0
    if year in years:
        return year
    this_year = timezone.localdate().year
    return this_year if this_year in years or not years else years[0]


def _render_teachers(
    request: HttpRequest, *, year: int | None = None, bound: dict[int, TeacherNominateForm] | None = None
) -> HttpResponse:
    user = request.user
    years = sorted(set(Programme.objects.values_list("year", flat=True)), reverse=True)
    if year is None:
        year = _teacher_year(request, years)
    visible = selectors.applications_visible_to(user)
    eligible = list(
        visible.filter(
            kind=ProgrammeKind.SCHOLARSHIP,
            year=year,
            status__in=AWARDED_SCHOLARSHIPS,
        )
        # Without a live nomination: never nominated, or every nomination was rejected.
        .exclude(
            teacher_awards__status__in=[TeacherStatus.NOMINATED, TeacherStatus.APPROVED, TeacherStatus.PAID]
        )
        .order_by("officer__org_unit__path", "pk")
    )
    bound = bound or {}
    for application in eligible:
        application.form = bound.get(application.pk) or TeacherNominateForm(
            prefix=f"n{application.pk}", initial={"school": application.child.school}
        )
    awards = list(
        TeacherAward.objects.filter(programme__year=year, scholarship__in=visible)
        .select_related(
            "programme",
            "scholarship__child",
            "scholarship__officer__org_unit",
            "scholarship__university",
            "nominated_by__officer",
            "approved_by__officer",
        )
        .order_by("created_at", "pk")
    )
    for award in awards:
        award.mine = award.nominated_by_id == user.pk
    by_status = {status: [a for a in awards if a.status == status] for status in TeacherStatus.values}
    return render(
        request,
        "awards/teacher_awards.html",
        {
            "years": years,
            "year": year,
            "programme": services.teacher_programme_for(year),
            "eligible": eligible,
            "nominated": by_status[TeacherStatus.NOMINATED],
            "approved": by_status[TeacherStatus.APPROVED],
            "paid": by_status[TeacherStatus.PAID],
            "rejected": by_status[TeacherStatus.REJECTED],
            "done_count": len(by_status[TeacherStatus.APPROVED]) + len(by_status[TeacherStatus.PAID]),
            "decision_form": TeacherDecisionForm(),
        },
    )


@login_required
def teachers(request: HttpRequest) -> HttpResponse:
    """The year's head teachers: to nominate from awarded scholarships, to approve, to pay."""
    require_or_404(permissions.can_manage(request.user))
    return _render_teachers(request)


def _teachers_url(year: int) -> str:
    return reverse("award-teachers") + f"?year={year}"


@login_required
@require_POST
def teacher_nominate(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require_or_404(permissions.can_manage(user))
    scholarship = selectors.application_for(viewer=user, pk=pk)
    form = TeacherNominateForm(request.POST, prefix=f"n{scholarship.pk}")
    if form.is_valid():
        try:
            award = services.teacher_nominate(scholarship=scholarship, actor=user, **form.cleaned_data)
        except DomainError as error:
            if error.field not in form.fields:  # not about what was typed: the row may be gone
                messages.error(request, error.message)
                return redirect(_teachers_url(scholarship.year))
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("%(teacher)s has been nominated; another member of the welfare office approves it.")
                % {"teacher": award.teacher_name},
            )
            return redirect(_teachers_url(scholarship.year))
    return _render_teachers(request, year=scholarship.year, bound={scholarship.pk: form})


def _teacher_award_or_404(request: HttpRequest, pk: int, statuses=None) -> TeacherAward:
    user = request.user
    require_or_404(permissions.can_manage(user))
    found = TeacherAward.objects.filter(pk=pk, scholarship__in=selectors.applications_visible_to(user))
    if statuses is not None:
        found = found.filter(status__in=statuses)
    award = found.select_related("programme", "scholarship__child", "scholarship__university").first()
    if award is None:
        raise Http404("no such head-teacher award")
    return award


@login_required
@require_POST
def teacher_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject a nomination: by a member of the office who did not make it."""
    award = _teacher_award_or_404(request, pk)
    form = TeacherDecisionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(_teachers_url(award.programme.year))
    approve = form.cleaned_data["approve"]
    try:
        award = services.teacher_decide(
            award=award, actor=request.user, approve=approve, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if approve:
            message = _("The award to %(teacher)s is approved: certificate no. %(number)s.") % {
                "teacher": award.teacher_name,
                "number": award.certificate_number,
            }
        else:
            message = _("The nomination of %(teacher)s has been rejected.") % {"teacher": award.teacher_name}
        messages.success(request, message)
    return redirect(_teachers_url(award.programme.year))


@login_required
@require_POST
def teacher_pay(request: HttpRequest, pk: int) -> HttpResponse:
    award = _teacher_award_or_404(request, pk)
    if award.status == TeacherStatus.PAID:
        messages.info(
            request, _("The award to %(teacher)s has already been paid.") % {"teacher": award.teacher_name}
        )
        return redirect(_teachers_url(award.programme.year))
    try:
        award = services.teacher_pay(award=award, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The award of %(amount)s to %(teacher)s has been paid (fund entry no. %(number)d).")
            % {
                "amount": ledger.yuan(award.amount),
                "teacher": award.teacher_name,
                "number": award.payment_id,
            },
        )
    return redirect(_teachers_url(award.programme.year))


@login_required
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificate of an approved (or paid) head-teacher award, as a PDF."""
    award = _teacher_award_or_404(request, pk, statuses=[TeacherStatus.APPROVED, TeacherStatus.PAID])
    data = certificate_pdf(award)
    return pdf_response(data, f"金盾园丁奖-{award.certificate_number}.pdf")


# --- Statistics ------------------------------------------------------------------------------------------


@login_required
def stats(request: HttpRequest) -> HttpResponse:
    """Awards by year and tier, what was paid, and awards per county-level unit for the latest year."""
    require_or_404(permissions.can_see_stats(request.user))
    found = selectors.statistics()
    zero = Decimal("0.00")
    years = [
        {"figures": figures, "tiers": [figures.by_tier.get(tier, 0) for tier in Tier.values]}
        for figures in found.years
    ]
    totals = {
        "tiers": [sum(figures.by_tier.get(tier, 0) for figures in found.years) for tier in Tier.values],
        "awards": sum(figures.awards for figures in found.years),
        "paid_count": sum(figures.paid_count for figures in found.years),
        "paid_amount": sum((figures.paid_amount for figures in found.years), zero),
        "teacher_awards": sum(figures.teacher_awards for figures in found.years),
        "teacher_paid": sum((figures.teacher_paid for figures in found.years), zero),
    }
    unit_totals = {
        "awards": sum(count for _unit, count, _paid in found.by_unit),
        "paid": sum((paid for _unit, _count, paid in found.by_unit), zero),
    }
    return render(
        request,
        "awards/stats.html",
        {
            "stats": found,
            "years": years,
            "tier_labels": [label for _value, label in Tier.choices],
            "totals": totals,
            "unit_totals": unit_totals,
        },
    )


@login_required
def stats_export(request: HttpRequest) -> HttpResponse:
    """The statistics as an xlsx workbook: by year, and by unit for the latest year (figures only)."""
    from openpyxl import Workbook

    require_or_404(permissions.can_see_stats(request.user))
    found = selectors.statistics()
    book = Workbook()
    sheet = book.active
    sheet.title = _("By year")[:31]
    tier_labels = [str(label) for _value, label in Tier.choices]
    sheet.append(
        [
            spreadsheet_safe(header)
            for header in (
                _("Year"),
                *tier_labels,
                _("Scholarships awarded"),
                _("Scholarships paid"),
                _("Amount paid"),
                _("Head-teacher awards"),
                _("Paid to head teachers"),
            )
        ]
    )
    for figures in found.years:
        sheet.append(
            [
                figures.year,
                *[figures.by_tier.get(tier, 0) for tier in Tier.values],
                figures.awards,
                figures.paid_count,
                figures.paid_amount,
                figures.teacher_awards,
                figures.teacher_paid,
            ]
        )
    amount_columns = (len(tier_labels) + 3, len(tier_labels) + 5)
    for row in sheet.iter_rows(min_row=2):
        for index in amount_columns:
            row[index].number_format = YUAN_FORMAT
    units = book.create_sheet(_("By unit")[:31])
    units.append(
        [
            spreadsheet_safe(header)
            for header in (_("Unit"), _("Year"), _("Scholarships awarded"), _("Amount paid"))
        ]
    )
    for unit, count, paid in found.by_unit:
        units.append([spreadsheet_safe(unit.name), found.latest_year, count, paid])
    for row in units.iter_rows(min_row=2):
        row[3].number_format = YUAN_FORMAT
    for worksheet in (sheet, units):
        for index in range(1, worksheet.max_column + 1):
            worksheet.column_dimensions[worksheet.cell(row=1, column=index).column_letter].width = 16
    return xlsx_response(book, f"award-statistics-{timezone.localdate():%Y%m%d}.xlsx")


# --- Universities ----------------------------------------------------------------------------------------


@login_required
def universities_import(request: HttpRequest) -> HttpResponse:
    """Add or update universities from a CSV of the Ministry of Education's list: all lines or none."""
    user = request.user
    require_or_404(permissions.can_manage(user))
    form = UniversitiesImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        upload.seek(0)
        try:
            result = services.universities_import(
                data=upload.read(), list_date=form.cleaned_data["list_date"], actor=user
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("Imported: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.")
                % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
            )
            return redirect("award-universities-import")
    return render(
        request,
        "awards/universities_import.html",
        {
            "form": form,
            "admin_url": reverse("admin:awards_university_changelist") if user.is_staff else "",
        },
    )
