"""Portal pages of the health archive: one's own, and for health staff the officers in their scope."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from health import aggregates, archive
from people import permissions, scope, selectors


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


@login_required
def archive_officers(request: HttpRequest) -> HttpResponse:
    """Health staff find an officer's archive by name or police number (names only; no health data here)."""
    if not scope.has_any_role(request.user, archive.ARCHIVE_ROLES):
        raise PermissionDenied
    officers = archive.officers_with_archives_for(viewer=request.user)
    query = request.GET.get("q", "").strip()
    if query:
        officers = officers.filter(Q(name__contains=query) | Q(police_number__startswith=query))
    page = Paginator(officers, 50).get_page(request.GET.get("page"))
    return render(request, "health/officers.html", {"page": page, "q": query})
