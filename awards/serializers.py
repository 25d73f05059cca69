"""What the mobile app sends and receives about education awards (awards/api.py).

Output serializers only shape data; every rule lives in awards/services.py. Computed values (the amounts
per tier, the eligibility problems) come from the models and services. Input serializers list exactly
what an officer may send; ids that are not theirs to use (another officer's child, a closed programme)
answer 400 with a readable message, like a field left empty.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from awards import selectors, services
from awards.models import (
    Application,
    ApplicationEvent,
    Decision,
    Programme,
    ProgrammeKind,
    Status,
    Tier,
    University,
)
from people.models import FamilyMember, FamilyRelation, Officer

EDITABLE = (Status.DRAFT, Status.RETURNED)


# Named enums of their own: other apps have "status" and "kind" fields with other choices.
@extend_schema_field({"type": "string", "enum": Status.values}, component_name="AwardStatusEnum")
class AwardStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Status.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": ProgrammeKind.values}, component_name="AwardKindEnum")
class AwardKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ProgrammeKind.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": Tier.values}, component_name="AwardTierEnum")
class AwardTierField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Tier.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": Decision.values}, component_name="AwardDecisionEnum")
class AwardDecisionField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Decision.choices, **kwargs)


def _status_label(value: str) -> str:
    return str(Status(value).label) if value else ""


# --- Output -----------------------------------------------------------------------------------------------


class TierAmountSerializer(serializers.Serializer):
    tier = AwardTierField()
    tier_display = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class ProgrammeSerializer(serializers.ModelSerializer):
    """A programme open for applications: its dates, and the award for each tier of university."""

    kind = AwardKindField()
    kind_display = serializers.CharField(source="get_kind_display")
    amounts = serializers.SerializerMethodField(
        help_text="The tiers the programme awards, best first; a university earns its best tier's amount."
    )

    class Meta:
        model = Programme
        fields = [
            "id",
            "kind",
            "kind_display",
            "year",
            "title",
            "description",
            "opens_on",
            "closes_on",
            "amounts",
            "notice_days",
        ]
        read_only_fields = fields

    @extend_schema_field(TierAmountSerializer(many=True))
    def get_amounts(self, programme: Programme) -> list[dict]:
        rows = [
            {"tier": tier.value, "tier_display": str(tier.label), "amount": amount}
            for tier in (Tier.T985, Tier.T211, Tier.DOUBLE_FIRST_CLASS)
            if (amount := programme.amount_for(tier)) is not None
        ]
        return TierAmountSerializer(rows, many=True).data


class ApplicationEventSerializer(serializers.ModelSerializer):
    """One step of the application's history. Who acted is not given: an objector is never named."""

    time = serializers.DateTimeField(source="occurred_at")
    decision = AwardDecisionField()
    decision_display = serializers.CharField(source="get_decision_display")
    from_status = serializers.CharField(help_text="Empty for the first step.")
    from_status_display = serializers.SerializerMethodField()
    to_status = AwardStatusField()
    to_status_display = serializers.CharField(source="get_to_status_display")
    reason = serializers.CharField(help_text="Why (a return's or a rejection's reason); may be empty.")

    class Meta:
        model = ApplicationEvent
        fields = [
            "time",
            "decision",
            "decision_display",
            "from_status",
            "from_status_display",
            "to_status",
            "to_status_display",
            "reason",
        ]
        read_only_fields = fields

    def get_from_status_display(self, event: ApplicationEvent) -> str:
        return _status_label(event.from_status)


class ApplicationSerializer(serializers.ModelSerializer):
    """One of my applications: what, its state, the award, the notice dates, payment and its history."""

    programme = serializers.IntegerField(source="programme_id")
    programme_title = serializers.CharField(source="programme.title")
    kind = AwardKindField()
    child = serializers.IntegerField(source="child_id")
    child_name = serializers.CharField(source="child.name")
    university = serializers.CharField(source="university.code", help_text="The school code.")
    university_name = serializers.CharField(source="university.name")
    tier = serializers.SerializerMethodField(
        help_text="The university's best tier: fixed when the application is submitted."
    )
    tier_display = serializers.SerializerMethodField()
    status = AwardStatusField()
    status_display = serializers.CharField(source="get_status_display")
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="Null until the application is submitted."
    )
    has_letter = serializers.SerializerMethodField()
    paid = serializers.SerializerMethodField()
    paid_on = serializers.SerializerMethodField(help_text="The day of the fund's payment entry; null unpaid.")
    problems = serializers.SerializerMethodField(
        help_text="Why a draft or returned application cannot be submitted yet; empty otherwise."
    )
    timeline = ApplicationEventSerializer(many=True, source="events", help_text="Oldest first.")

    class Meta:
        model = Application
        fields = [
            "id",
            "programme",
            "programme_title",
            "kind",
            "year",
            "child",
            "child_name",
            "university",
            "university_name",
            "tier",
            "tier_display",
            "admission_year",
            "major",
            "has_letter",
            "status",
            "status_display",
            "amount",
            "submitted_at",
            "notice_starts_on",
            "notice_ends_on",
            "paid",
            "paid_on",
            "problems",
            "timeline",
            "created_at",
        ]
        read_only_fields = fields

    def _tier(self, application: Application) -> str | None:
        return application.tier or application.university.tier

    @extend_schema_field(AwardTierField(allow_null=True))
    def get_tier(self, application: Application) -> str | None:
        tier = self._tier(application)
        return str(tier) if tier else None

    def get_tier_display(self, application: Application) -> str:
        tier = self._tier(application)
        return str(Tier(tier).label) if tier else ""

    def get_has_letter(self, application: Application) -> bool:
        return bool(application.letter)

    def get_paid(self, application: Application) -> bool:
        return application.status == Status.PAID

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_paid_on(self, application: Application):
        return application.payment.booked_on if application.payment_id else None

    def get_problems(self, application: Application) -> list[str]:
        if application.status not in EDITABLE:
            return []
        return services.eligibility_problems(application)


# --- Input ------------------------------------------------------------------------------------------------


class ApplicationCreateSerializer(serializers.Serializer):
    """A draft application for one of my children, with the admission letter (multipart/form-data)."""

    programme = serializers.PrimaryKeyRelatedField(
        queryset=Programme.objects.none(),
        help_text="An open programme (GET /awards/programmes/).",
        error_messages={"does_not_exist": _("This programme is not open for applications.")},
    )
    child = serializers.PrimaryKeyRelatedField(
        queryset=FamilyMember.objects.none(),
        help_text="One of my children: the id from GET /me/family/.",
        error_messages={"does_not_exist": _("Choose one of your children from your family list.")},
    )
    university = serializers.SlugRelatedField(
        slug_field="code",
        queryset=University.objects.filter(active=True),
        help_text="The university's 10-digit school code (学校标识码).",
        error_messages={"does_not_exist": _("There is no university with this school code on our list.")},
    )
    admission_year = serializers.IntegerField(min_value=2000, max_value=2100)
    major = serializers.CharField(required=False, default="", allow_blank=True, max_length=100)
    letter = serializers.FileField(help_text="The admission letter: a PDF or a photo (JPEG, PNG, WebP).")

    def __init__(self, *args, officer: Officer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = selectors.open_programmes()
        if officer is not None:
            self.fields["child"].queryset = FamilyMember.objects.filter(
                officer=officer, relation=FamilyRelation.CHILD
            )
