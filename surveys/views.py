"""Portal pages of surveys: officers answer (/surveys/), the welfare office runs campaigns (/surveys/manage/).

Answering: "Save and continue" keeps a draft (services.draft_save); "Submit" writes the anonymous response
once (services.response_submit). The thank-you page is the answer to the submitting POST itself, not a
redirect: the WHO-5 score it shows for the respondent alone is kept nowhere — not in the session, not in a
URL, not in a message. Nothing here logs or audits who answered what.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people import scope
from people import selectors as people_selectors
from people.models import Officer, Role
from surveys import campaigns, services
from surveys.forms import AnswerForm, CampaignForm
from surveys.models import Campaign, Participation
from welfare.domain import ConflictError, DomainError

MANAGER_ROLES = frozenset({Role.WELFARE_OFFICE})


def _officer(request: HttpRequest) -> Officer:
    officer = people_selectors.own_officer_or_404(request.user)
    officer.org_unit  # noqa: B018  (loaded once here: the population needs its path)
    return officer


# --- Officers ------------------------------------------------------------------------------------------


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    """The open surveys I am asked, answered or not."""
    officer = _officer(request)
    return render(request, "surveys/list.html", {"campaigns": campaigns.open_for(officer=officer)})


def _already_answered(request: HttpRequest, campaign: Campaign, status: int = 200) -> HttpResponse:
    return render(request, "surveys/answered.html", {"campaign": campaign}, status=status)


@login_required
def survey_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The questionnaire: save and continue, or submit once."""
    officer = _officer(request)
    campaign = campaigns.open_for_or_404(officer=officer, pk=pk)
    if campaign.answered:
        return _already_answered(request, campaign, status=409 if request.method == "POST" else 200)
    items = services.items_of(campaign)
    draft = (
        Participation.objects.filter(campaign=campaign, officer=officer)
        .values_list("draft", flat=True)
        .first()
        or {}
    )
    form = AnswerForm(request.POST or None, items=items, initial=draft)
    if request.method == "POST" and form.is_valid():
        try:
            if "submit" in request.POST:
                who5 = services.response_submit(
                    campaign=campaign,
                    officer=officer,
                    answers=form.answers(),
                    comment=form.cleaned_data["comment"],
                )
                return render(request, "surveys/thanks.html", {"campaign": campaign, "who5": who5})
            services.draft_save(campaign=campaign, officer=officer, answers=form.answers())
        except ConflictError:
            return _already_answered(request, campaign, status=409)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your answers so far are saved; come back to finish."))
            return redirect("survey-answer", pk=campaign.pk)
    return render(request, "surveys/answer.html", {"campaign": campaign, "form": form})


# --- The welfare office --------------------------------------------------------------------------------


def _require_manager(request: HttpRequest) -> None:
    if not scope.has_any_role(request.user, MANAGER_ROLES):
        raise PermissionDenied


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    found = Campaign.objects.select_related("instrument", "population_unit").order_by("-opens_at", "-pk")
    return render(request, "surveys/manage_list.html", {"campaigns": found})


@login_required
def manage_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = campaigns.campaign_create(
                title=data["title"],
                instrument=data["instrument"],
                population_unit=data["population_unit"],
                officer_kinds=data["officer_kinds"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                weights=form.weights(),
                min_group=data["min_group"],
                min_comment_group=data["min_comment_group"],
                include_who5=data["include_who5"],
                reminder_days=data["reminder_days"],
                final_reminder=data["final_reminder"],
                actor=request.user,
            )
        except DomainError as error:
            form.add_error(None if error.field in (None, "weights") else error.field, error.message)
        else:
            messages.success(request, _("The campaign is saved as a draft; open it when it is ready."))
            return redirect("survey-manage", pk=campaign.pk)
    return render(request, "surveys/manage_form.html", {"form": form})


@login_required
def manage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    campaign = get_object_or_404(Campaign.objects.select_related("instrument", "population_unit"), pk=pk)
    rates = campaigns.response_rates(campaign)
    return render(
        request,
        "surveys/manage_detail.html",
        {
            "campaign": campaign,
            "rates": rates,
            "invited": sum(rate.invited for rate in rates),
            "answered": Participation.objects.filter(campaign=campaign, submitted=True).count(),
        },
    )


def _change(request: HttpRequest, pk: int, change, done: str) -> HttpResponse:
    _require_manager(request)
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        change(campaign=campaign, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("survey-manage", pk=campaign.pk)


@login_required
@require_POST
def manage_open(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(request, pk, campaigns.campaign_open, _("The campaign is open."))


@login_required
@require_POST
def manage_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(request, pk, campaigns.campaign_close, _("The campaign is closed."))
