"""The filter of the fund's entries (the statement page and its xlsx export share it)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from care import selectors
from care.models import BudgetKind, EntryKind, FundEntry

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _WholeNumberFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class FundEntryFilter(django_filters.FilterSet):
    """Kind, sub-budget, dates, beneficiary, reference, reversed or not; no filter costs a query.

    The sub-budget is chosen by its purpose: there is one fund, so a purpose names one sub-budget, and the
    form needs no query for its choices.
    """

    kind = django_filters.ChoiceFilter(choices=EntryKind.choices, label=_("Kind"), empty_label=_("Any kind"))
    budget = django_filters.ChoiceFilter(
        field_name="budget__kind",
        choices=BudgetKind.choices,
        label=_("Sub-budget"),
        empty_label=_("Any sub-budget"),
    )
    date_from = django_filters.DateFilter(
        field_name="booked_on", lookup_expr="gte", label=_("From"), widget=_DATE
    )
    date_to = django_filters.DateFilter(
        field_name="booked_on", lookup_expr="lte", label=_("To"), widget=_DATE
    )
    beneficiary = django_filters.CharFilter(
        method="filter_beneficiary", label=_("Beneficiary or police number")
    )
    reference = django_filters.CharFilter(method="filter_reference", label=_("Reference"))
    reversed = django_filters.ChoiceFilter(
        choices=[("yes", _("reversed")), ("no", _("not reversed"))],
        method="filter_reversed",
        label=_("Reversed"),
        empty_label=_("Either"),
    )
    entry = _WholeNumberFilter(field_name="pk", label=_("Entry no."), min_value=1)

    class Meta:
        model = FundEntry
        fields = ["kind", "budget", "date_from", "date_to", "beneficiary", "reference", "reversed", "entry"]

    def _visible(self, queryset):
        """A search by person or reference never finds a confidential grant for a member who is not a head."""
        user = getattr(self.request, "user", None)
        if user is not None and selectors.sees_confidential_money(user):
            return queryset
        return queryset.filter(confidential=False)

    def filter_beneficiary(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return self._visible(queryset).filter(
            Q(beneficiary__name__contains=value) | Q(beneficiary__police_number__contains=value)
        )

    def filter_reference(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return self._visible(queryset).filter(reference__icontains=value)

    def filter_reversed(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(reversed_by__isnull=False)
        if value == "no":
            return queryset.filter(reversed_by__isnull=True)
        return queryset
