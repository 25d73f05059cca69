"""Forms of the fund's pages. They check shape only; the ledger (care/fund.py) keeps the money right, and
its errors, which state the figures, are shown on the form.

Each recording form carries a one-time token made when the form is shown: the ledger's idempotency key is
built from it, so a double submit (or a reload of the POST) records one entry.
"""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from care import fund as ledger
from care.models import SubBudget
from people.forms import BootstrapMixin

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_AMOUNT = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"})


class _BudgetChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: SubBudget) -> str:
        return str(obj.get_kind_display())


class _TokenForm(BootstrapMixin, forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, budgets, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["budget"].queryset = budgets

    def clean_amount(self):
        # The ledger's own rule (positive, at most two decimals, not absurd), with its message.
        try:
            typed = self.cleaned_data["amount"].strip().replace(",", "").replace("，", "").lstrip("¥￥")
            return ledger.money(typed)
        except ledger.FundError as error:
            raise forms.ValidationError(error.message) from None

    def add_domain_error(self, error) -> None:
        """A ledger or workflow error, on its field when it names one of this form's."""
        self.add_error(error.field if error.field in self.fields else None, error.message)


class DonationForm(_TokenForm):
    donor = forms.CharField(label=_("Donor"), max_length=200)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20, widget=_AMOUNT)
    booked_on = forms.DateField(label=_("Date received"), widget=_DATE)
    budget = _BudgetChoice(
        label=_("Into sub-budget"),
        queryset=SubBudget.objects.none(),
        required=False,
        empty_label=_("None: leave it unallocated"),
        help_text=_("When the donor has named a purpose; otherwise allocate it later."),
    )
    memo = forms.CharField(
        label=_("Memo"), max_length=500, required=False, widget=forms.Textarea({"rows": 2})
    )

    field_order = ["donor", "amount", "booked_on", "budget", "memo", "token"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("booked_on", timezone.localdate())
        super().__init__(*args, **kwargs)

    def clean_booked_on(self):
        booked_on = self.cleaned_data["booked_on"]
        if booked_on > timezone.localdate():
            raise forms.ValidationError(_("A donation cannot be booked on a date still to come."))
        return booked_on


class AllocationForm(_TokenForm):
    budget = _BudgetChoice(label=_("Sub-budget"), queryset=SubBudget.objects.none(), empty_label=None)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20, widget=_AMOUNT)
    memo = forms.CharField(
        label=_("Memo"), max_length=500, required=False, widget=forms.Textarea({"rows": 2})
    )

    field_order = ["budget", "amount", "memo", "token"]


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Kept with the reversal entry for the audit."),
    )
