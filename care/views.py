"""The officer's care pages (有困难找组织): my requests, asking for help (also on an officer's behalf), a
request's page with what the officer may do there, and attachment downloads.

Every write goes through care/services.py; its rule errors (``DomainError``) are shown on the form or as
a message, and successful POSTs redirect (POST-redirect-GET). Reads go through care/selectors.py: a
request out of the viewer's sight answers 404. The welfare office works a request on its own page
(``care-handle``, care/staff_views.py); staff who open the officer's page are sent there.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care import permissions, selectors, services
from care.forms import (
    AttachForm,
    CareRequestForm,
    CareRequestForOfficerForm,
    RateForm,
    ResubmitForm,
    WithdrawForm,
)
from care.models import WAITING_ON_OFFICE, CareEvent, CareRequest, GrantStatus, Status
from care.permissions import can_submit_for
from people import selectors as people_selectors
from people.models import Officer
from welfare.domain import DomainError

PAGE_SIZE = 20


def _officer(request: HttpRequest) -> Officer:
    return people_selectors.own_officer_or_404(request.user)


def _show_error(form, error: DomainError) -> None:
    """A service's refusal next to the field it names, or above the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _form_errors(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _own_request(request: HttpRequest, pk: int) -> CareRequest:
    """The officer's own request; anyone else's (even one the viewer may see as staff) is 404 here."""
    found = selectors.request_for(viewer=request.user, pk=pk)
    if found.officer.user_id != request.user.pk:
        raise Http404("not your care request")
    return found


# --- My requests ----------------------------------------------------------------------------------------


@login_required
def my_requests(request: HttpRequest) -> HttpResponse:
    """The officer's requests, newest first, each with its status, handler and last visible news."""
    officer = _officer(request)
    last_news = (
        CareEvent.objects.filter(request=OuterRef("pk"), visible_to_officer=True)
        .order_by("-occurred_at", "-id")
        .values("occurred_at")[:1]
    )
    requests = (
        selectors.requests_of(officer)
        .select_related("handler__officer")
        .annotate(last_update=Subquery(last_news))
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "can_submit_for_others": services.officer_can_act_on_behalf(request.user)}
    return render(request, "care/mine.html", context)


# --- Asking for help ------------------------------------------------------------------------------------


def _submit(request: HttpRequest, form: CareRequestForm, *, officer: Officer) -> CareRequest | None:
    data = form.cleaned_data
    try:
        return services.request_submit(
            officer=officer,
            submitted_by=request.user,
            category=data["category"],
            title=data["title"],
            description=data["description"],
            confidential=data["confidential"],
            amount_requested=data["amount_requested"],
            attachments=data["attachments"],
            submit_token=data["submit_token"],
        )
    except DomainError as error:
        _show_error(form, error)
        return None


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    """The officer asks for help; a request with a reference number, or the form with what is wrong."""
    officer = _officer(request)
    if request.method == "POST":
        form = CareRequestForm(request.POST, request.FILES)
        if form.is_valid():
            created = _submit(request, form, officer=officer)
            if created is not None:
                messages.success(
                    request,
                    _(
                        "Your request has been submitted with reference %(reference)s. "
                        "The welfare office will answer within %(days)d working days."
                    )
                    % {"reference": created.reference, "days": settings.CARE_FIRST_RESPONSE_WORKING_DAYS},
                )
                return redirect("care-detail", pk=created.pk)
    else:
        form = CareRequestForm()
    return render(request, "care/request_form.html", _form_context(form, on_behalf=False))


def _form_context(form: CareRequestForm, *, on_behalf: bool) -> dict:
    return {"form": form, "on_behalf": on_behalf, "response_days": settings.CARE_FIRST_RESPONSE_WORKING_DAYS}


def _officer_in_scope(user, police_number: str) -> Officer | None:
    """The active officer with this number if the user may submit for them; None says nothing more."""
    found = Officer.objects.select_related("org_unit", "user").filter(police_number=police_number).first()
    if found is None or not found.active or not can_submit_for(user, found):
        return None
    return found


@login_required
def request_new_for(request: HttpRequest) -> HttpResponse:
    """A unit admin or the welfare office asks for help on an officer's behalf.

    The submitter may not see a confidential request afterwards, so the page comes back with the
    reference rather than going to the request.
    """
    if not services.officer_can_act_on_behalf(request.user):
        raise Http404("not a unit admin or welfare office member")
    if request.method == "POST":
        form = CareRequestForOfficerForm(request.POST, request.FILES)
        if form.is_valid():
            officer = _officer_in_scope(request.user, form.cleaned_data["police_number"])
            if officer is None:
                # The same words whether the number exists elsewhere or not at all.
                form.add_error(
                    "police_number", _("There is no officer with this police number in your units.")
                )
            else:
                created = _submit(request, form, officer=officer)
                if created is not None:
                    messages.success(
                        request,
                        _("The request for %(name)s has been submitted with reference %(reference)s.")
                        % {"name": officer.name, "reference": created.reference},
                    )
                    return redirect("care-new-for")
    else:
        form = CareRequestForOfficerForm()
    return render(request, "care/request_form.html", _form_context(form, on_behalf=True))


# --- One request ----------------------------------------------------------------------------------------


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer's own request; staff who may see it work it on the handling page instead."""
    care_request = selectors.request_for(viewer=request.user, pk=pk)
    if care_request.officer.user_id != request.user.pk:
        return redirect(reverse("care-handle", args=[care_request.pk]))
    events = selectors.timeline(request=care_request, for_officer=True)
    status = care_request.status
    user = request.user
    grants = list(
        care_request.grants.filter(status__in=[GrantStatus.APPROVED, GrantStatus.PAID]).order_by(
            "created_at", "id"
        )
    )
    may_withdraw = permissions.can_withdraw(user, care_request, has_approved_grant=bool(grants))
    may_attach = permissions.can_add_documents(user, care_request)
    may_resubmit = permissions.can_resubmit(user, care_request)
    returned_because = next(
        (e.text for e in reversed(events) if e.from_status and e.to_status == Status.RETURNED), ""
    )
    context = {
        "care_request": care_request,
        "events": events,
        "attachments": list(care_request.attachments.all()),
        "grants": grants,
        "on_behalf": care_request.submitted_by_id != request.user.pk,
        "waiting_on_office": status in WAITING_ON_OFFICE,
        "returned_because": returned_because if status == Status.RETURNED else "",
        "withdraw_form": WithdrawForm(auto_id="withdraw_%s") if may_withdraw else None,
        "attach_form": AttachForm(auto_id="attach_%s") if may_attach else None,
        "resubmit_form": ResubmitForm(auto_id="resubmit_%s") if may_resubmit else None,
        "rate_form": RateForm(auto_id="rate_%s") if permissions.can_rate(user, care_request) else None,
    }
    return render(request, "care/request_detail.html", context)


def _back(care_request: CareRequest) -> HttpResponse:
    return redirect("care-detail", pk=care_request.pk)


@login_required
@require_POST
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    care_request = _own_request(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(care_request)
    try:
        services.request_withdraw(
            request=care_request, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return _back(care_request)


@login_required
@require_POST
def request_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer answers a return: the information and any documents go in, and the office takes it up."""
    care_request = _own_request(request, pk)
    form = ResubmitForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(care_request)
    try:
        services.request_resubmit(
            request=care_request,
            actor=request.user,
            information=form.cleaned_data["information"],
            attachments=form.cleaned_data["attachments"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you: your answer has been sent to the welfare office."))
    return _back(care_request)


@login_required
@require_POST
def request_attach(request: HttpRequest, pk: int) -> HttpResponse:
    care_request = _own_request(request, pk)
    form = AttachForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(care_request)
    try:
        stored = services.attachments_add(
            request=care_request, uploads=form.cleaned_data["attachments"], actor=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(count)d document(s) added.") % {"count": len(stored)})
    return _back(care_request)


@login_required
@require_POST
def request_rate(request: HttpRequest, pk: int) -> HttpResponse:
    care_request = _own_request(request, pk)
    form = RateForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(care_request)
    try:
        services.request_rate(
            request=care_request,
            officer=care_request.officer,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you for your rating."))
    return _back(care_request)


# --- Attachments ----------------------------------------------------------------------------------------


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """A request's document, for whoever may see the request; a read by anyone but the officer is audited."""
    attachment = selectors.attachment_for(viewer=request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("the file is missing") from None
    selectors.record_staff_read(viewer=request.user, request=attachment.request, channel="attachment")
    # The type is the one sniffed at upload, never the sender's; nosniff keeps browsers to it.
    response = FileResponse(
        handle, content_type=attachment.content_type, as_attachment=True, filename=attachment.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response
