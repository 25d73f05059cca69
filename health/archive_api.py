"""REST API of the health archive: one's own, and for health staff an officer in their scope (audited)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from health import archive
from health.models import FollowUpStatus
from health.selectors import Verdict
from people import selectors


class ReasonSerializer(serializers.Serializer):
    level = serializers.CharField()
    text = serializers.CharField()
    indicators = serializers.ListField(child=serializers.CharField())


class RiskSerializer(serializers.Serializer):
    level = serializers.CharField(
        allow_null=True, help_text="red, orange, yellow, green; null without a checkup"
    )
    label = serializers.CharField()
    reasons = ReasonSerializer(many=True)


class ResultSerializer(serializers.Serializer):
    code = serializers.CharField(source="indicator.code")
    name = serializers.CharField(source="indicator.name_zh")
    value = serializers.DecimalField(max_digits=10, decimal_places=3)
    unit = serializers.CharField()
    category = serializers.CharField()
    flag = serializers.CharField()


class CheckupSerializer(serializers.Serializer):
    date = serializers.DateField()
    institution = serializers.CharField()
    results = ResultSerializer(many=True, source="results.all")


class PointSerializer(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.DecimalField(max_digits=10, decimal_places=3)
    flag = serializers.CharField()


class TrendSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    points = PointSerializer(many=True)


class ArchiveOfficerSerializer(serializers.Serializer):
    police_number = serializers.CharField()
    name = serializers.CharField()


class AmountSerializer(serializers.Serializer):
    per_day = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True)
    verdict = serializers.ChoiceField(choices=Verdict.choices)


class DietWeekSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    days_recorded = serializers.IntegerField()
    energy_kcal = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True)
    salt_g = AmountSerializer()
    oil_g = AmountSerializer()
    sugar_g = AmountSerializer()
    vegetables_g = AmountSerializer()
    fruit_g = AmountSerializer()


class ExerciseWeekSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    days_recorded = serializers.IntegerField()
    steps_per_day = serializers.IntegerField(allow_null=True)
    steps_verdict = serializers.ChoiceField(choices=Verdict.choices)
    days_meeting_steps = serializers.IntegerField()
    active_minutes = serializers.IntegerField()
    active_minutes_verdict = serializers.ChoiceField(choices=Verdict.choices)


class FollowUpSerializer(serializers.Serializer):
    checkup_date = serializers.DateField(source="checkup.date")
    risk_level = serializers.CharField()
    indicators = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=FollowUpStatus.choices)
    due_date = serializers.DateField()
    assignee = serializers.CharField(source="assignee.display_name", allow_null=True, default=None)
    outcome = serializers.CharField()


class ArchiveSerializer(serializers.Serializer):
    officer = ArchiveOfficerSerializer()
    risk = RiskSerializer()
    latest = CheckupSerializer(allow_null=True)
    checkup_count = serializers.IntegerField()
    trends = TrendSerializer(many=True)
    diet_weeks = DietWeekSerializer(many=True, help_text="The last 4 complete weeks, newest first.")
    exercise_weeks = ExerciseWeekSerializer(many=True, help_text="The last 4 complete weeks, newest first.")
    follow_ups = FollowUpSerializer(many=True)
    adviser = serializers.CharField(allow_null=True, help_text="The assigned adviser doctor's name.")


def _payload(found: archive.Archive) -> dict:
    return {
        "officer": found.officer,
        "risk": {
            "level": found.risk.level,
            "label": found.risk_label,
            "reasons": [
                {"level": reason.level, "text": reason.text, "indicators": list(reason.indicators)}
                for reason in found.risk.reasons
            ],
        },
        "latest": found.latest,
        "checkup_count": found.checkup_count,
        "trends": found.trends,
        "diet_weeks": found.diet_weeks,
        "exercise_weeks": found.exercise_weeks,
        "follow_ups": found.follow_ups,
        "adviser": found.adviser.display_name if found.adviser is not None else None,
    }


class MyArchiveView(APIView):
    """My health archive: risk level with reasons, the latest checkup's results, trends across checkups."""

    @extend_schema(
        responses={200: ArchiveSerializer, 404: OpenApiResponse(description="No officer profile.")}
    )
    def get(self, request):
        officer = selectors.own_officer_or_404(request.user)
        return Response(ArchiveSerializer(_payload(archive.archive_of(officer))).data)


class OfficerArchiveView(APIView):
    """An officer's archive, for health staff whose role covers the officer's unit. Every read is audited."""

    @extend_schema(responses={200: ArchiveSerializer, 404: OpenApiResponse(description="Not in your scope.")})
    def get(self, request, police_number: str):
        officer = archive.archive_officer_or_404(viewer=request.user, police_number=police_number)
        archive.record_archive_read(viewer=request.user, officer=officer, channel="api")
        return Response(ArchiveSerializer(_payload(archive.archive_of(officer))).data)
