"""Forms of the staff pages of care requests. They check shape only; care/services.py applies the rules
(who may act, in which state) and its errors are shown as messages."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from care import permissions
from care.fund import MAX_AMOUNT
from care.models import ActionKind, CareRequest
from people import scope
from people.forms import BootstrapMixin
from people.models import User


def eligible_handlers(request: CareRequest) -> QuerySet[User]:
    """Active users holding a handler role over the officer's unit (one query); never the officer."""
    return (
        scope.users_covering(request.officer.org_unit, permissions.HANDLER_ROLES)
        .exclude(pk=request.officer.user_id)
        .select_related("officer")
        .order_by("officer__name", "username")
    )


class HandlerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        officer = getattr(obj, "officer", None)
        return f"{obj.display_name}（{officer.police_number}）" if officer else obj.display_name


class AcceptForm(BootstrapMixin, forms.Form):
    handler = HandlerChoice(label=_("Handler"), queryset=User.objects.none())
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional. On a new request the officer sees it on the timeline."),
    )

    def __init__(self, *args, handlers: QuerySet[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers


class ReturnForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("What information is missing"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The officer sees this and answers it."),
    )


class ActionForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of action"), choices=ActionKind.choices)
    text = forms.CharField(
        label=_("What was done"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    scheduled_for = forms.DateField(
        label=_("On (referral, appointment, follow-up)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    visible_to_officer = forms.BooleanField(
        label=_("Visible to the officer"),
        required=False,
        initial=False,
        help_text=_("Unticked, it is an internal note that only the staff see."),
    )


class ResolveForm(BootstrapMixin, forms.Form):
    outcome = forms.CharField(
        label=_("Outcome for the officer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done for the officer; they see it and are asked to rate it."),
    )


class GrantProposeForm(BootstrapMixin, forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    # One form, one grant: a double click or a resent form proposes once.
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)


class GrantCancelForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
