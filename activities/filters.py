"""Filters of the activity lists: the officer's list of upcoming activities and the office's list."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, ActivityKind, ActivityStatus
from people.models import OrgUnit

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActivityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=ActivityKind.choices, label=_("Kind"), empty_label=_("Any kind")
    )
    unit = django_filters.ModelChoiceFilter(
        field_name="organiser",
        queryset=OrgUnit.objects.none(),
        label=_("Organised by"),
        empty_label=_("Any unit"),
    )
    date_from = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__gte", label=_("From"), widget=_DATE
    )
    date_to = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__lte", label=_("To"), widget=_DATE
    )

    class Meta:
        model = Activity
        fields = ["kind", "unit", "date_from", "date_to"]

    def __init__(self, *args, organisers=None, **kwargs):
        """``organisers``: the units to offer in the unit filter, those of the activities in view."""
        super().__init__(*args, **kwargs)
        if organisers is not None:
            self.filters["unit"].queryset = organisers


class ManagedActivityFilter(ActivityFilter):
    period = django_filters.ChoiceFilter(
        choices=[("upcoming", _("upcoming")), ("past", _("past"))],
        method="filter_period",
        label=_("When"),
        empty_label=_("Any time"),
    )
    status = django_filters.ChoiceFilter(
        choices=ActivityStatus.choices, label=_("Status"), empty_label=_("Any status")
    )
    q = django_filters.CharFilter(method="filter_search", label=_("Title or venue"))

    class Meta:
        model = Activity
        fields = ["period", "kind", "status", "unit", "date_from", "date_to", "q"]

    def filter_period(self, queryset, name, value):
        now = timezone.now()
        if value == "upcoming":
            return queryset.filter(ends_at__gte=now)
        return queryset.filter(ends_at__lt=now).order_by("-starts_at", "-id")

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__contains=value) | Q(venue__contains=value))
