"""What the mobile app sends and receives about the officer's own care requests (care/api.py).

Output serializers only shape data; every rule lives in care/services.py. Computed values (the handler's
name, the next steps the app may offer, download addresses) are attributes set by care/api.py.
Server-owned fields are read-only; input serializers list exactly what an officer may send.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from care.models import (
    ActionKind,
    CareAttachment,
    CareEvent,
    CareGrant,
    CareRequest,
    Category,
    GrantStatus,
    Status,
)

MAX_TEXT = 5000


PAID_OR_APPROVED = [(s.value, s.label) for s in (GrantStatus.APPROVED, GrantStatus.PAID)]


# Named enums of their own: other apps have "status" and "category" fields with other choices.
@extend_schema_field({"type": "string", "enum": Status.values}, component_name="CareStatusEnum")
class CareStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Status.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": Category.values}, component_name="CareCategoryEnum")
class CareCategoryField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Category.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": [value for value, _label in PAID_OR_APPROVED]},
    component_name="CareGrantStatusEnum",
)
class CareGrantStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=PAID_OR_APPROVED, **kwargs)


def _name(user) -> str | None:
    return user.display_name if user is not None else None


# --- Output -----------------------------------------------------------------------------------------------


class CareRequestSerializer(serializers.ModelSerializer):
    """One of my requests in the list: what, its state, who handles it and when the next step is due."""

    category = CareCategoryField()
    category_display = serializers.CharField(source="get_category_display")
    status = CareStatusField()
    status_display = serializers.CharField(source="get_status_display")
    amount_requested = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    handler_name = serializers.SerializerMethodField(help_text="Who handles it; null until it is accepted.")

    class Meta:
        model = CareRequest
        fields = [
            "id",
            "reference",
            "category",
            "category_display",
            "title",
            "status",
            "status_display",
            "confidential",
            "amount_requested",
            "submitted_at",
            "due_at",
            "handler_name",
            "rating",
        ]
        read_only_fields = fields

    def get_handler_name(self, request: CareRequest) -> str | None:
        return _name(request.handler)


class CareEventSerializer(serializers.ModelSerializer):
    """One line of the history as the officer sees it (internal notes are never here)."""

    time = serializers.DateTimeField(source="occurred_at")
    from_status = serializers.CharField(help_text="Empty when the status did not change.")
    from_status_display = serializers.SerializerMethodField()
    to_status = serializers.CharField(help_text="Empty when the status did not change.")
    to_status_display = serializers.SerializerMethodField()
    action = serializers.CharField(help_text=f"Empty, or one of: {', '.join(ActionKind.values)}.")
    action_display = serializers.SerializerMethodField()
    by = serializers.SerializerMethodField(help_text="Who did it; null for the system.")
    text = serializers.CharField(
        source="display_text", help_text="What happened, in the language of the request (Accept-Language)."
    )

    class Meta:
        model = CareEvent
        fields = [
            "id",
            "time",
            "from_status",
            "from_status_display",
            "to_status",
            "to_status_display",
            "action",
            "action_display",
            "text",
            "scheduled_for",
            "by",
        ]
        read_only_fields = fields

    def get_from_status_display(self, event: CareEvent) -> str:
        return str(event.get_from_status_display()) if event.from_status else ""

    def get_to_status_display(self, event: CareEvent) -> str:
        return str(event.get_to_status_display()) if event.to_status else ""

    def get_action_display(self, event: CareEvent) -> str:
        return str(event.get_action_display()) if event.action else ""

    def get_by(self, event: CareEvent) -> str | None:
        return _name(event.actor)


class CareAttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    url = serializers.SerializerMethodField(help_text="Download it here with the same token.")

    class Meta:
        model = CareAttachment
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, attachment: CareAttachment) -> str:
        path = reverse("api:care-attachment", kwargs={"pk": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class CareGrantSerializer(serializers.ModelSerializer):
    """A grant approved for me, paid or not yet paid."""

    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    status = CareGrantStatusField()
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = CareGrant
        fields = ["id", "amount", "purpose", "status", "status_display", "decided_at"]
        read_only_fields = fields


class CareRequestDetailSerializer(CareRequestSerializer):
    """One of my requests in full: its history, documents, grants, outcome and what I can do next."""

    timeline = CareEventSerializer(many=True, help_text="Oldest first.")
    attachments = CareAttachmentSerializer(many=True, source="attachment_list")
    grants = CareGrantSerializer(many=True, source="grant_list", help_text="Approved and paid grants only.")
    can_withdraw = serializers.BooleanField()
    can_rate = serializers.BooleanField()
    can_resubmit = serializers.BooleanField(help_text="The office asked for more information.")

    class Meta(CareRequestSerializer.Meta):
        fields = [
            *CareRequestSerializer.Meta.fields,
            "description",
            "accepted_at",
            "resolved_at",
            "closed_at",
            "outcome",
            "rating_comment",
            "timeline",
            "attachments",
            "grants",
            "can_withdraw",
            "can_rate",
            "can_resubmit",
        ]
        read_only_fields = fields


# --- Input ------------------------------------------------------------------------------------------------


class CareRequestInputSerializer(serializers.Serializer):
    """A request for help for myself, as JSON (no documents)."""

    category = CareCategoryField()
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=MAX_TEXT)
    amount_requested = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    confidential = serializers.BooleanField(
        required=False, default=False, help_text="Only my handler and the heads of the welfare office see it."
    )
    submit_token = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A uuid the app makes once per form; sending it again returns the same request. "
        "The Idempotency-Key header does the same.",
    )


class AttachmentsField(serializers.ListField):
    child = serializers.FileField()


class CareRequestUploadSerializer(CareRequestInputSerializer):
    """The same, as multipart/form-data with documents (PDF, JPEG, PNG or WebP)."""

    attachments = AttachmentsField(required=False, default=list, max_length=50)


class CareRateInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, default="", allow_blank=True, max_length=500)


class CareWithdrawInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=500)


class CareResubmitInputSerializer(serializers.Serializer):
    """The information the office asked for, as JSON (no documents)."""

    information = serializers.CharField(max_length=MAX_TEXT)


class CareResubmitUploadSerializer(CareResubmitInputSerializer):
    """The same, as multipart/form-data with documents (PDF, JPEG, PNG or WebP)."""

    attachments = AttachmentsField(required=False, default=list, max_length=50)
