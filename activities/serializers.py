"""What the mobile app sends and receives about family activities (activities/api.py).

Output serializers only shape data; every rule lives in activities/services.py. Computed values
(places left, my sign-up's state, the waiting-list position) come from the selectors in
activities/api.py as attributes or annotations.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Audience,
    Feedback,
    SignUp,
    SignUpPerson,
    SignUpStatus,
)
from people.api import OrgUnitBriefSerializer

MAX_ID = 2**31 - 1  # ids beyond any primary key: refused as invalid rather than sent to the database


class MySignUpBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=SignUpStatus.choices)
    persons = serializers.IntegerField()
    waitlist_position = serializers.IntegerField(
        allow_null=True, help_text="1 for the first in the queue; null when not on the waiting list."
    )
    offer_expires_at = serializers.DateTimeField(allow_null=True)


class ActivitySerializer(serializers.ModelSerializer):
    """One activity in the list: what, when, where, who may come and how many places are left."""

    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    audience = serializers.ChoiceField(choices=Audience.choices)
    audience_display = serializers.CharField(source="get_audience_display")
    status = serializers.ChoiceField(choices=ActivityStatus.choices)
    organiser = OrgUnitBriefSerializer()
    audience_unit = OrgUnitBriefSerializer(help_text="Officers of this unit and its subtree may sign up.")
    places_left = serializers.IntegerField()
    my_status = serializers.ChoiceField(
        choices=SignUpStatus.choices,
        allow_null=True,
        help_text="The state of my sign-up for this activity; null when I have none.",
    )
    my_signup_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "title",
            "kind",
            "kind_display",
            "organiser",
            "audience_unit",
            "venue",
            "starts_at",
            "ends_at",
            "capacity",
            "places_left",
            "audience",
            "audience_display",
            "child_age_min",
            "child_age_max",
            "signup_opens_at",
            "signup_closes_at",
            "cancel_until",
            "waitlist",
            "status",
            "series",
            "my_status",
            "my_signup_id",
        ]
        read_only_fields = fields


class ActivityDetailSerializer(ActivitySerializer):
    """One activity in full, with my sign-up (and my place in the queue) if I have one."""

    signup_open = serializers.BooleanField(help_text="Sign-up is open now (published, within the window).")
    my_signup = MySignUpBriefSerializer(allow_null=True)

    class Meta(ActivitySerializer.Meta):
        fields = [
            *ActivitySerializer.Meta.fields,
            "description",
            "confirm_from_waitlist",
            "offer_hours",
            "signup_open",
            "my_signup",
        ]
        read_only_fields = fields


class ActivityBriefSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    status = serializers.ChoiceField(choices=ActivityStatus.choices)

    class Meta:
        model = Activity
        fields = ["id", "title", "kind", "venue", "starts_at", "ends_at", "cancel_until", "status"]
        read_only_fields = fields


class SignUpPersonSerializer(serializers.ModelSerializer):
    family_member_id = serializers.IntegerField(allow_null=True, help_text="null for the officer themself.")

    class Meta:
        model = SignUpPerson
        fields = ["id", "name", "family_member_id", "attended"]
        read_only_fields = fields


class FeedbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Feedback
        fields = ["rating", "comment", "updated_at"]
        read_only_fields = fields


class SignUpSerializer(serializers.ModelSerializer):
    """One of my sign-ups: its state, who comes, and my place in the queue while waiting."""

    activity = ActivityBriefSerializer()
    status = serializers.ChoiceField(choices=SignUpStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    people = SignUpPersonSerializer(many=True, source="people.all")
    waitlist_position = serializers.IntegerField(
        source="queue_position",
        allow_null=True,
        help_text="1 for the first in the queue; null when not on the waiting list.",
    )
    feedback = serializers.SerializerMethodField()

    class Meta:
        model = SignUp
        fields = [
            "id",
            "activity",
            "status",
            "status_display",
            "persons",
            "people",
            "waitlist_position",
            "queued_at",
            "offer_expires_at",
            "cancelled_at",
            "cancel_reason",
            "feedback",
        ]
        read_only_fields = fields

    @extend_schema_field(FeedbackSerializer(allow_null=True))
    def get_feedback(self, signup: SignUp) -> dict | None:
        try:
            feedback = signup.feedback  # select_related by the selectors: no query
        except Feedback.DoesNotExist:
            return None
        return FeedbackSerializer(feedback).data


# --- Input ------------------------------------------------------------------------------------------------


class SignUpInputSerializer(serializers.Serializer):
    family_member_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=20,
        help_text="Ids of my family members who come along (from /api/v1/me/family/); I am counted anyway.",
    )


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)


class FeedbackInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, default="", allow_blank=True, max_length=1000)


# --- Check-in code and calendar address -------------------------------------------------------------------


class CheckInCodeSerializer(serializers.Serializer):
    signup = serializers.IntegerField()
    code = serializers.CharField(help_text="The text to show as a QR code at the check-in desk.")


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.URLField(
        help_text="My private calendar address; whoever has it sees my sign-ups. Reset it if it leaks."
    )
    created_at = serializers.DateTimeField()
