"""REST API of health records the officer writes: the phone's daily exercise record."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from health import services
from health.models import ExerciseRecord
from people import selectors


class ExerciseInputSerializer(serializers.Serializer):
    """The day's figures as the phone counted them; what is possible is the service's to say."""

    date = serializers.DateField()
    steps = serializers.IntegerField(required=False, allow_null=True)
    active_minutes = serializers.IntegerField(required=False, allow_null=True)
    distance_km = serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, allow_null=True, help_text="kilometres"
    )


class ExerciseRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExerciseRecord
        fields = ["date", "steps", "active_minutes", "distance_km", "source", "updated_at"]
        read_only_fields = fields


class MyExerciseView(APIView):
    """Record the signed-in officer's day from the phone; the same date again replaces it."""

    @extend_schema(
        request=ExerciseInputSerializer,
        responses={
            201: ExerciseRecordSerializer,
            200: OpenApiResponse(ExerciseRecordSerializer, description="The day's record was replaced."),
            403: OpenApiResponse(description="The account has no officer profile."),
        },
    )
    def post(self, request):
        officer = selectors.officer_of(request.user)
        if officer is None:
            raise exceptions.PermissionDenied(_("Only officers record exercise."))
        given = ExerciseInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        record, created = services.exercise_record_set(
            officer=officer,
            date=given.validated_data["date"],
            steps=given.validated_data.get("steps"),
            active_minutes=given.validated_data.get("active_minutes"),
            distance_km=given.validated_data.get("distance_km"),
            source="app",
            actor=request.user,
        )
        return Response(
            ExerciseRecordSerializer(record).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
