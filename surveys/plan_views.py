"""Pages of action plans and of what goes to third parties.

- Unit admins (and the welfare office for the city): per campaign, the actions of their units, with a
  form to add one and a page to edit each.
- Officers: /surveys/<campaign>/actions/, the actions of their reporting unit and of the city.
- The welfare office: /surveys/manage/third-party/, anonymised response exports (audited) and
  external benchmarks.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from people import selectors as people_selectors
from people.forms import bootstrap
from people.models import OrgUnit
from surveys import plans, thirdparty
from surveys.models import ActionPlan, ActionStatus, Dimension, ExternalBenchmark
from welfare.domain import DomainError


class ActionPlanForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("unit"), queryset=OrgUnit.objects.none())
    dimension = forms.ChoiceField(label=_("dimension"), choices=Dimension.choices)
    action = forms.CharField(label=_("what we do"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    due_date = forms.DateField(
        label=_("due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label=_("status"), choices=ActionStatus.choices, initial=ActionStatus.PLANNED)

    def __init__(self, *args, units: list[OrgUnit] | None = None, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if editing:  # the unit and dimension say what the action answers; they stay
            del self.fields["unit"], self.fields["dimension"]
        else:
            self.fields["unit"].queryset = OrgUnit.objects.filter(pk__in=[unit.pk for unit in units or []])
            self.fields["unit"].initial = units[-1].pk if units and len(units) == 1 else None
        bootstrap(self)


class BenchmarkForm(forms.ModelForm):
    class Meta:
        model = ExternalBenchmark
        fields = ["title", "measured_on", "index", "source"]
        widgets = {"measured_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


def _require_planner(request: HttpRequest) -> None:
    if not plans.can_plan(request.user):
        raise PermissionDenied


def _form_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- Unit admins -----------------------------------------------------------------------------------------


@login_required
def plan_campaigns(request: HttpRequest) -> HttpResponse:
    _require_planner(request)
    return render(request, "surveys/plan_campaigns.html", {"campaigns": plans.campaigns_with_results()})


@login_required
def plan_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's actions for the viewer's units, and the form to add one (POST)."""
    _require_planner(request)
    campaign = plans.campaign_for_plans_or_404(pk)
    units = plans.plan_units(request.user)
    form = ActionPlanForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            plans.action_plan_create(campaign=campaign, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The action has been recorded."))
            return redirect("survey-plan-list", pk=campaign.pk)
    actions = plans.plans_managed_by(viewer=request.user, campaign=campaign)
    return render(request, "surveys/plan_list.html", {"campaign": campaign, "actions": actions, "form": form})


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_planner(request)
    plan = plans.plan_or_404(viewer=request.user, pk=pk)
    initial = {"action": plan.action, "due_date": plan.due_date, "status": plan.status}
    form = ActionPlanForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            plans.action_plan_update(plan=plan, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The action has been saved."))
            return redirect("survey-plan-list", pk=plan.campaign_id)
    return render(request, "surveys/plan_form.html", {"plan": plan, "form": form})


# --- Officers ---------------------------------------------------------------------------------------------


@login_required
def officer_actions(request: HttpRequest, pk: int) -> HttpResponse:
    """ "You said, we did": what the officer's reporting unit and the city do about the results."""
    officer = people_selectors.own_officer_or_404(request.user)
    campaign = plans.officer_campaign_or_404(officer=officer, pk=pk)
    actions: list[ActionPlan] = list(plans.plans_for_officer(officer=officer, campaign=campaign))
    return render(request, "surveys/plan_officer.html", {"campaign": campaign, "actions": actions})


# --- The welfare office: third parties -----------------------------------------------------------------


def _require_welfare_office(request: HttpRequest) -> None:
    if not thirdparty.can_export(request.user):
        raise PermissionDenied


@login_required
def third_party(request: HttpRequest) -> HttpResponse:
    """Exports for an outside analyst, and the external benchmarks (add one by POST)."""
    _require_welfare_office(request)
    form = BenchmarkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        thirdparty.benchmark_import(**form.cleaned_data)
        messages.success(request, _("The benchmark has been saved."))
        return redirect("survey-third-party")
    return render(
        request,
        "surveys/plan_third_party.html",
        {
            "campaigns": thirdparty.exportable_campaigns(),
            "benchmarks": ExternalBenchmark.objects.order_by("-measured_on"),
            "form": form,
        },
    )


@login_required
def third_party_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    _require_welfare_office(request)
    campaign = thirdparty.exportable_campaigns().filter(pk=pk).first()
    if campaign is None or fmt not in thirdparty.FORMATS:
        raise Http404("no such export")
    content = thirdparty.export_bytes(campaign, fmt=fmt, actor=request.user)
    response = HttpResponse(content, content_type=thirdparty.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="survey-{campaign.pk}-responses.{fmt}"'
    return response
