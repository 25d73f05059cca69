"""Portal pages: the inbox and its badge, notification settings, broadcasts by the welfare office."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_cookie

from notifications import selectors, services
from notifications.forms import BroadcastForm, QuietHoursForm
from notifications.kinds import KINDS
from notifications.models import Broadcast, ChannelPreference
from notifications.tasks import enqueue_broadcast
from people import scope
from people.middleware import passive_session
from people.models import Role
from welfare.domain import DomainError

BROADCAST_ROLES = {Role.WELFARE_OFFICE}


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox_of(user=request.user, unread_only=unread_only), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/inbox.html", {"page": page, "unread_only": unread_only})


def _session_ended() -> HttpResponse:
    """For an htmx poll whose session has ended: send the whole page to the log-in form."""
    response = HttpResponse(status=204)
    response["HX-Redirect"] = reverse("login")
    return response


@require_GET
@never_cache
@vary_on_cookie
@passive_session
def badge(request: HttpRequest) -> HttpResponse:
    """The unread count for the navigation, polled by htmx; it never extends the session."""
    if not request.user.is_authenticated:
        return _session_ended()
    return render(request, "notifications/_badge.html", {"unread": selectors.unread_count(user=request.user)})


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.own_notification_or_404(user=request.user, pk=pk)
    services.notification_mark_read(notification=notification)
    link = notification.link
    if request.POST.get("open") and link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return _back(request, reverse("inbox"))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(n)d messages marked as read.") % {"n": count})
    return _back(request, reverse("inbox"))


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    chosen = {pref.kind: pref for pref in ChannelPreference.objects.filter(user=user)}
    start, end = services.quiet_hours_of(user)
    form = QuietHoursForm(request.POST or None, initial={"quiet_start": start, "quiet_end": end})
    if request.method == "POST" and form.is_valid():
        services.quiet_hours_set(
            user=user, start=form.cleaned_data["quiet_start"], end=form.cleaned_data["quiet_end"]
        )
        for code in KINDS:
            services.preference_set(
                user=user, kind=code, email=f"email_{code}" in request.POST, sms=f"sms_{code}" in request.POST
            )
        messages.success(request, _("Your notification settings have been saved."))
        return redirect("notification-settings")
    rows = []
    for kind in KINDS.values():
        pref = chosen.get(kind.code)
        rows.append(
            {
                "kind": kind,
                "email": pref.email if pref else "email" in kind.default_channels,
                "sms": pref.sms if pref else "sms" in kind.default_channels,
            }
        )
    return render(request, "notifications/settings.html", {"form": form, "rows": rows})


def _broadcast_units(user):
    return scope.units_in_scope(user, BROADCAST_ROLES).order_by("path")


@login_required
def broadcast_new(request: HttpRequest) -> HttpResponse:
    """Write a message to a unit's subtree; a confirmation step shows how many people get it."""
    if not scope.has_any_role(request.user, BROADCAST_ROLES):
        raise PermissionDenied
    form = BroadcastForm(request.POST or None, units=_broadcast_units(request.user))
    if request.method == "POST" and form.is_valid():
        unit = form.cleaned_data["org_unit"]
        if request.POST.get("confirm") != "yes":
            context = {
                "form": form,
                "unit": unit,
                "recipients": services.broadcast_recipients(org_unit=unit).count(),
                "request_token": uuid.uuid4(),
            }
            return render(request, "notifications/broadcast_confirm.html", context)
        try:
            token = uuid.UUID(request.POST.get("request_token", ""))
        except ValueError:
            raise PermissionDenied from None
        try:
            broadcast = services.broadcast_create(
                sender=request.user,
                org_unit=unit,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                request_token=token,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            enqueue_broadcast(broadcast.pk)
            return redirect("broadcast-detail", pk=broadcast.pk)
    return render(request, "notifications/broadcast_form.html", {"form": form})


def _broadcast_in_scope_or_404(user, pk: int) -> Broadcast:
    broadcast = Broadcast.objects.select_related("org_unit", "sender__officer").filter(pk=pk).first()
    if broadcast is None or not scope.covers(user, BROADCAST_ROLES, broadcast.org_unit):
        raise Http404("no such broadcast")
    return broadcast


@login_required
def broadcast_detail(request: HttpRequest, pk: int) -> HttpResponse:
    broadcast = _broadcast_in_scope_or_404(request.user, pk)
    context = {"broadcast": broadcast, "progress": selectors.broadcast_progress(broadcast=broadcast)}
    return render(request, "notifications/broadcast_detail.html", context)


@require_GET
@never_cache
@vary_on_cookie
@passive_session
def broadcast_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment, polled by htmx every two seconds until the broadcast has settled."""
    if not request.user.is_authenticated:
        return _session_ended()
    broadcast = _broadcast_in_scope_or_404(request.user, pk)
    context = {"broadcast": broadcast, "progress": selectors.broadcast_progress(broadcast=broadcast)}
    return render(request, "notifications/_broadcast_progress.html", context)


@login_required
@require_POST
def broadcast_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    broadcast = _broadcast_in_scope_or_404(request.user, pk)
    cancelled = services.broadcast_cancel(broadcast=broadcast, actor=request.user)
    messages.success(
        request, _("Cancelled: %(n)d people who had not got it yet will not.") % {"n": cancelled}
    )
    return redirect("broadcast-detail", pk=broadcast.pk)


@login_required
def broadcast_list(request: HttpRequest) -> HttpResponse:
    if not scope.has_any_role(request.user, BROADCAST_ROLES):
        raise PermissionDenied
    broadcasts = scope.filter_by_units(
        Broadcast.objects.select_related("org_unit", "sender__officer"),
        user=request.user,
        roles=BROADCAST_ROLES,
        unit_path_field="org_unit__path",
    )[:50]
    return render(request, "notifications/broadcast_list.html", {"broadcasts": broadcasts})
