"""Filters of the health staff pages: the cohort of officers and the follow-up queue."""

from __future__ import annotations

import django_filters
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from health.archive import ARCHIVE_ROLES
from health.followups import OPEN_STATES
from health.models import Flag, FollowUp, FollowUpStatus, Indicator, RiskLevel
from people import scope
from people.models import Officer, OrgUnit

# Most severe first; officers without a checkup last.
RISK_ORDER = Case(
    When(health_profile__risk_level=RiskLevel.RED, then=Value(0)),
    When(health_profile__risk_level=RiskLevel.ORANGE, then=Value(1)),
    When(health_profile__risk_level=RiskLevel.YELLOW, then=Value(2)),
    When(health_profile__risk_level=RiskLevel.GREEN, then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)


def _units_in_scope(request):
    if request is None:
        return OrgUnit.objects.none()
    return scope.units_in_scope(request.user, ARCHIVE_ROLES).order_by("path")


def _indicator_choices():
    return [
        (code, name) for code, name in Indicator.objects.filter(active=True).values_list("code", "name_zh")
    ]


class CohortFilter(django_filters.FilterSet):
    risk = django_filters.MultipleChoiceFilter(
        field_name="health_profile__risk_level",
        choices=RiskLevel.choices,
        label=_("Risk level"),
    )
    abnormal = django_filters.ChoiceFilter(
        choices=_indicator_choices,
        method="filter_abnormal",
        label=_("Abnormal indicator"),
        empty_label=_("Any indicator"),
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=_units_in_scope, method="filter_unit", label=_("Org unit (with its subtree)")
    )
    adviser = django_filters.ChoiceFilter(
        choices=[("none", _("no adviser")), ("any", _("with an adviser"))],
        method="filter_adviser",
        label=_("Adviser"),
        empty_label=_("Anyone"),
    )
    follow_up = django_filters.ChoiceFilter(
        choices=[("open", _("open follow-up")), ("none", _("no open follow-up"))],
        method="filter_follow_up",
        label=_("Follow-up"),
        empty_label=_("Anyone"),
    )
    q = django_filters.CharFilter(method="filter_search", label=_("Name or police number"))

    class Meta:
        model = Officer
        fields = ["risk", "abnormal", "unit", "adviser", "follow_up", "q"]

    def filter_abnormal(self, queryset, name, value):
        # One filter() call: the result is of the profile's (latest) checkup AND flagged.
        return queryset.filter(
            health_profile__checkup__results__indicator__code=value,
            health_profile__checkup__results__flag__in=[Flag.HIGH, Flag.LOW],
        )

    def filter_unit(self, queryset, name, value):
        return queryset.filter(org_unit__path__startswith=value.path)

    def filter_adviser(self, queryset, name, value):
        if value == "none":
            return queryset.filter(Q(health_profile__isnull=True) | Q(health_profile__adviser__isnull=True))
        return queryset.filter(health_profile__adviser__isnull=False)

    def filter_follow_up(self, queryset, name, value):
        open_ = Exists(FollowUp.objects.filter(officer=OuterRef("pk"), status__in=OPEN_STATES))
        return queryset.filter(open_) if value == "open" else queryset.exclude(open_)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(police_number__startswith=value))


class FollowUpFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[("active", _("to do or in progress")), *FollowUpStatus.choices],
        method="filter_status",
        label=_("Status"),
        empty_label=_("All"),
    )
    mine = django_filters.ChoiceFilter(
        choices=[("me", _("assigned to me")), ("nobody", _("not assigned"))],
        method="filter_mine",
        label=_("Assigned"),
        empty_label=_("Anyone"),
    )
    risk = django_filters.MultipleChoiceFilter(
        field_name="risk_level", choices=RiskLevel.choices, label=_("Risk level")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue only"))
    unit = django_filters.ModelChoiceFilter(
        queryset=_units_in_scope, method="filter_unit", label=_("Org unit (with its subtree)")
    )

    q = django_filters.CharFilter(method="filter_search", label=_("Name or police number"))

    class Meta:
        model = FollowUp
        fields = ["status", "mine", "risk", "overdue", "unit", "q"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(officer__name__contains=value) | Q(officer__police_number__startswith=value))

    def filter_status(self, queryset, name, value):
        if value == "active":
            return queryset.filter(status__in=OPEN_STATES)
        return queryset.filter(status=value)

    def filter_mine(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        return queryset.filter(assignee__isnull=True)

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(status__in=OPEN_STATES, due_date__lt=timezone.localdate())

    def filter_unit(self, queryset, name, value):
        return queryset.filter(officer__org_unit__path__startswith=value.path)
