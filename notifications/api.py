"""REST API: the signed-in person's inbox."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications import selectors, services
from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("Unread only"))

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


@extend_schema_view(
    list=extend_schema(summary="My notifications, newest first"),
    retrieve=extend_schema(summary="One of my notifications"),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The inbox. Another person's notification answers 404."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]

    queryset = Notification.objects.none()  # for the schema generator; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.inbox_of(user=self.request.user)

    def get_object(self):
        return selectors.own_notification_or_404(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(summary="Mark one notification read", request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        summary="Mark all my notifications read",
        request=None,
        responses=inline_serializer("ReadAllResult", fields={"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})
