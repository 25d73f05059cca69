"""Portal pages of the health archive: one's own; for health staff and advisers the cohort and follow-ups.

Every page that shows somebody else's health data writes an audit row: an archive names its officer,
a list (cohort, follow-up queue) names the officers on the page.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_record
from health import aggregates, archive, followups
from health.filters import OPEN_STATES, RISK_ORDER, CohortFilter, FollowUpFilter
from health.forms import AdviserForm, FollowUpForm
from health.models import CheckupResult, Flag, FollowUp, Indicator
from health.risk import assess
from people import permissions, scope, selectors
from people.forms import bootstrap
from welfare.domain import DomainError
from welfare.http import query_without_page


def _trend_data(found: archive.Archive) -> list[dict]:
    return [
        {
            "code": trend.code,
            "name": trend.name,
            "unit": trend.unit,
            "dates": [point.date for point in trend.points],
            "values": [float(point.value) for point in trend.points],
        }
        for trend in found.trends
        if len(trend.points) > 1
    ]


def _render_archive(request: HttpRequest, officer, *, own: bool) -> HttpResponse:
    found = archive.archive_of(officer)
    context = {"archive": found, "officer": officer, "own": own, "trend_data": _trend_data(found)}
    return render(request, "health/archive.html", context)


@login_required
def my_archive(request: HttpRequest) -> HttpResponse:
    officer = selectors.officer_profile_of(request.user)  # with its unit, for the page's header
    if officer is None:
        raise Http404("no officer profile")
    return _render_archive(request, officer, own=True)


@login_required
def officer_archive(request: HttpRequest, police_number: str) -> HttpResponse:
    officer = archive.archive_officer_or_404(viewer=request.user, police_number=police_number)
    archive.record_archive_read(viewer=request.user, officer=officer, channel="portal")
    return _render_archive(request, officer, own=officer.user_id == request.user.pk)


@login_required
def unit_overview(request: HttpRequest) -> HttpResponse:
    """Leaders, unit admins and staff: checkup coverage and abnormal rates by unit, small groups withheld."""
    if not permissions.can_see_head_counts(request.user):
        raise PermissionDenied
    rows = aggregates.unit_health(viewer=request.user)
    return render(
        request,
        "health/units.html",
        {"rows": rows, "minimum": settings.MIN_GROUP_SIZE, "conditions": list(aggregates.CONDITIONS)},
    )


def _audit_list_read(request: HttpRequest, *, what: str, shown: list) -> None:
    """A page listing several officers' health data: one audit row naming whom it showed."""
    if shown:
        audit_record(
            actor=request.user,
            action=AuditAction.SENSITIVE_READ,
            detail={
                "what": what,
                "channel": "portal",
                "filters": {key: request.GET.getlist(key) for key in request.GET if key != "page"},
                "police_numbers": [officer.police_number for officer in shown],
            },
        )


@login_required
def archive_officers(request: HttpRequest) -> HttpResponse:
    """The cohort: health staff (their subtrees) and advisers (their officers) by risk, indicator and unit."""
    if not archive.may_use_archives(request.user):
        raise PermissionDenied
    officers = archive.officers_with_archives_for(viewer=request.user).select_related(
        "health_profile__adviser__officer"
    )
    cohort = CohortFilter(request.GET or None, queryset=officers, request=request)
    bootstrap(cohort.form)
    ordered = cohort.qs.annotate(
        risk_order=RISK_ORDER,
        open_follow_ups=Count("follow_ups", filter=Q(follow_ups__status__in=OPEN_STATES), distinct=True),
    ).order_by("risk_order", "police_number")
    ordered = ordered.prefetch_related(
        Prefetch(
            "health_profile__checkup__results",
            queryset=CheckupResult.objects.filter(flag__in=[Flag.HIGH, Flag.LOW]).select_related("indicator"),
            to_attr="abnormal_results",
        )
    )
    page = Paginator(ordered, 50).get_page(request.GET.get("page"))
    _audit_list_read(request, what="health_cohort", shown=list(page))
    can_assign = scope.has_any_role(request.user, archive.ARCHIVE_ROLES)
    return render(
        request,
        "health/officers.html",
        {
            "filter": cohort,
            "page": page,
            "query": query_without_page(request),
            "can_assign": can_assign,
            "adviser_form": AdviserForm(advisers=followups.advisers()) if can_assign else None,
        },
    )


@login_required
@require_POST
def assign_adviser(request: HttpRequest) -> HttpResponse:
    """Health staff make somebody (or nobody) the adviser of the officers ticked on the cohort page."""
    if not scope.has_any_role(request.user, archive.ARCHIVE_ROLES):
        raise PermissionDenied
    form = AdviserForm(request.POST, advisers=followups.advisers())
    back = request.POST.get("next") or reverse("health-officers")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("health-officers")
    numbers = request.POST.getlist("officer")
    if not numbers:
        messages.error(request, _("Tick at least one officer."))
        return redirect(back)
    if not form.is_valid():
        messages.error(request, _("Choose an adviser from the list."))
        return redirect(back)
    officers = list(archive.officers_with_archives_for(viewer=request.user).filter(police_number__in=numbers))
    if len(officers) != len(set(numbers)):
        raise Http404("no such officer")
    try:
        changed = followups.adviser_assign(
            actor=request.user, officers=officers, adviser=form.cleaned_data["adviser"]
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext(
                "The adviser of %(count)d officer was changed.",
                "The adviser of %(count)d officers was changed.",
                changed,
            )
            % {"count": changed},
        )
    return redirect(back)


def _follow_ups_for(viewer) -> QuerySet[FollowUp]:
    visible = archive.officers_with_archives_for(viewer=viewer)
    return FollowUp.objects.filter(officer__in=visible.values("pk"))


@login_required
def follow_up_list(request: HttpRequest) -> HttpResponse:
    """The follow-up queue: health staff and advisers, most urgent first."""
    if not archive.may_use_archives(request.user):
        raise PermissionDenied
    data = request.GET or QueryDict("status=active")
    queue = FollowUpFilter(
        data,
        queryset=_follow_ups_for(request.user).select_related(
            "officer__org_unit", "checkup", "assignee__officer"
        ),
        request=request,
    )
    bootstrap(queue.form)
    page = Paginator(queue.qs.order_by("due_date", "id"), 50).get_page(request.GET.get("page"))
    _audit_list_read(request, what="health_follow_ups", shown=[follow_up.officer for follow_up in page])
    names = dict(Indicator.objects.values_list("code", "name_zh"))
    for follow_up in page:
        follow_up.indicator_names = [names.get(code, code) for code in follow_up.indicators]
    return render(
        request,
        "health/follow_ups.html",
        {"filter": queue, "page": page, "query": query_without_page(request), "today": timezone.localdate()},
    )


@login_required
def follow_up_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One follow-up: the officer's risk and abnormal results, and the form to record what was done."""
    if not archive.may_use_archives(request.user):
        raise Http404("no such follow-up")
    follow_up = get_object_or_404(
        _follow_ups_for(request.user).select_related(
            "officer__org_unit", "officer__user", "checkup", "assignee"
        ),
        pk=pk,
    )
    assignees = followups.assignees_for(follow_up)
    form = FollowUpForm(request.POST or None, follow_up=follow_up, assignees=assignees)
    if request.method == "POST" and form.is_valid():
        try:
            followups.follow_up_update(follow_up, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The follow-up has been saved."))
            return redirect("health-follow-up", pk=follow_up.pk)
    archive.record_archive_read(viewer=request.user, officer=follow_up.officer, channel="follow_up")
    results = list(follow_up.checkup.results.select_related("indicator"))
    return render(
        request,
        "health/follow_up.html",
        {
            "follow_up": follow_up,
            "form": form,
            "results": results,
            "risk": assess(results, checkup=follow_up.checkup),
            "today": timezone.localdate(),
        },
    )
