"""Filters of the care queue: which requests (the viewer's queue or all they may see), status, category,
overdue, unit and a search by reference or officer."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from care import permissions
from care.models import WAITING_ON_OFFICE, CareRequest, Category, Status
from people import scope
from people.models import OrgUnit

QUEUE, ALL = "queue", "all"


def _units_in_scope(request):
    if request is None:
        return OrgUnit.objects.none()
    return scope.units_in_scope(request.user, permissions.HANDLER_ROLES).order_by("path")


class _UnitChoiceField(django_filters.fields.ModelChoiceField):
    """Units indented by depth, so the tree reads as a tree."""

    def label_from_instance(self, obj: OrgUnit) -> str:
        return "\u3000" * obj.depth + obj.name


class _UnitFilter(django_filters.ModelChoiceFilter):
    field_class = _UnitChoiceField


class QueueFilter(django_filters.FilterSet):
    """The queue's filters. ``view`` picks the base queryset in the view; here it only keeps its value.

    ``view`` is offered to the welfare office only (``show_all``): a unit admin has a queue, not a list.
    """

    view = django_filters.ChoiceFilter(
        choices=[(QUEUE, _("My queue")), (ALL, _("Every request I can see"))],
        method="filter_nothing",
        label=_("Show"),
        empty_label=None,
    )
    status = django_filters.ChoiceFilter(
        choices=Status.choices, label=_("Status"), empty_label=_("Any status")
    )
    category = django_filters.ChoiceFilter(
        choices=Category.choices, label=_("Category"), empty_label=_("Any category")
    )
    overdue = django_filters.ChoiceFilter(
        choices=[("yes", _("overdue only"))],
        method="filter_overdue",
        label=_("Service level"),
        empty_label=_("Any"),
    )
    unit = _UnitFilter(
        queryset=_units_in_scope,
        method="filter_unit",
        label=_("Org unit (with its subtree)"),
        empty_label=_("Any unit"),
    )
    q = django_filters.CharFilter(method="filter_search", label=_("Reference, name or police number"))

    class Meta:
        model = CareRequest
        fields = ["view", "status", "category", "overdue", "unit", "q"]

    def __init__(self, *args, show_all: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_all:
            del self.filters["view"]

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_overdue(self, queryset, name, value):
        if value != "yes":
            return queryset
        return queryset.filter(status__in=WAITING_ON_OFFICE, due_at__lte=timezone.now())

    def filter_unit(self, queryset, name, value):
        return queryset.filter(officer__org_unit__path__startswith=value.path)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(officer__name__contains=value)
            | Q(officer__police_number__startswith=value)
        )
