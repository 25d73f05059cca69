"""Filters for the roster, shared by the portal page and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from people import selectors
from people.models import Officer, OfficerKind, OrgUnit


def _units_in_scope(request):
    if request is None:
        return OrgUnit.objects.none()
    return selectors.org_units_visible_to(viewer=request.user)


@extend_schema_field(OpenApiTypes.INT)
class UnitSubtreeFilter(django_filters.ModelChoiceFilter):
    """An org unit id; matches officers in that unit and everything below it."""


class OfficerFilter(django_filters.FilterSet):
    unit = UnitSubtreeFilter(
        queryset=_units_in_scope, method="filter_unit", label=_("Org unit (with its subtree)")
    )
    kind = django_filters.ChoiceFilter(
        choices=OfficerKind.choices, label=_("Kind"), empty_label=_("All kinds")
    )
    active = django_filters.BooleanFilter(label=_("Active"))
    q = django_filters.CharFilter(method="filter_search", label=_("Name or police number"))

    class Meta:
        model = Officer
        fields = ["unit", "kind", "active", "q"]

    def filter_unit(self, queryset, name, value):
        return queryset.filter(org_unit__path__startswith=value.path)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(police_number__startswith=value))
