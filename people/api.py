"""REST API for the mobile app: log-in tokens, the officer's own profile and family, the staff roster."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password
from rest_framework_simplejwt.views import TokenBlacklistView, TokenObtainPairView, TokenRefreshView

from people import permissions as permissions_rules
from people import scope, selectors, services
from people.backends import MAX_LOGIN_LENGTH, account_is_locked
from people.filters import OfficerFilter
from people.models import FamilyMember, Officer, OrgUnit, RoleAssignment, User

# --- Authentication ------------------------------------------------------------------------------


class AccountLocked(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "account_locked"

    def __init__(self) -> None:
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        super().__init__(
            _(
                "This account is locked after too many failed log-ins. "
                "Try again in %(minutes)d minutes or ask the system administrator."
            )
            % {"minutes": minutes}
        )


class LoginThrottled(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "login_throttled"
    default_detail = gettext_lazy("Too many failed log-ins from this address. Try again later.")


class SessionExpired(exceptions.AuthenticationFailed):
    default_code = "session_expired"
    default_detail = gettext_lazy("The session has reached its maximum length. Log in again.")


class LoginTokenSerializer(TokenObtainPairSerializer):
    default_error_messages = {"no_active_account": gettext_lazy("Wrong police number, username or password.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields[self.username_field]
        field.help_text = gettext_lazy("Police number (警号) or username.")
        field.max_length = MAX_LOGIN_LENGTH
        field.validators.append(MaxLengthValidator(MAX_LOGIN_LENGTH))

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        # When the person typed the password: refreshing never stretches a session past a maximum.
        token["auth_time"] = int(time.time())
        return token

    def validate(self, attrs):
        request = self.context["request"]
        try:
            data = super().validate(attrs)
        except exceptions.AuthenticationFailed:
            if getattr(request, "axes_locked_out", False):
                raise AccountLocked() from None
            if getattr(request, "login_throttled", False):
                raise LoginThrottled() from None
            raise
        services.account_logged_in(user=self.user, channel="api")
        return data


class LoginRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh plus a log-in's rules: no locked account, no old password, a maximum length."""

    def validate(self, attrs):
        try:
            token = RefreshToken(attrs["refresh"])
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        user = User.objects.filter(pk=token.get(jwt_settings.USER_ID_CLAIM)).first()
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            )
        if account_is_locked(user):
            raise AccountLocked()
        if token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
            raise InvalidToken(_("The password has changed since this token was issued."))
        started = token.get("auth_time", 0)
        if time.time() - started > settings.JWT_SESSION_MAX_HOURS * 3600:
            raise SessionExpired()
        return super().validate(attrs)


class LoginTokenView(TokenObtainPairView):
    """Obtain an access and a refresh token with a police number (or username) and password."""

    serializer_class = LoginTokenSerializer
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"


class RefreshTokenView(TokenRefreshView):
    """Trade a refresh token for a new pair; the old refresh token is revoked.

    Refused for a locked or deactivated account, after a password change, and once the
    session is older than JWT_SESSION_MAX_HOURS.
    """

    serializer_class = LoginRefreshSerializer
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"


class LogoutView(TokenBlacklistView):
    """Log out of the app: the refresh token is revoked (the access token expires within minutes)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def post(self, request, *args, **kwargs):
        try:
            user_id = RefreshToken(str(request.data.get("refresh", ""))).get(jwt_settings.USER_ID_CLAIM)
        except TokenError:
            user_id = None  # the serializer answers the proper error below
        response = super().post(request, *args, **kwargs)
        user = User.objects.filter(pk=user_id).first() if user_id else None
        if user is not None:
            services.account_logged_out(user=user, channel="api")
        return response


# --- Shared serializers --------------------------------------------------------------------------


class OrgUnitBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "kind"]
        read_only_fields = fields


class FamilyMemberSerializer(serializers.ModelSerializer):
    age = serializers.IntegerField(read_only=True)

    class Meta:
        model = FamilyMember
        fields = ["id", "relation", "name", "sex", "birth_date", "age", "school", "grade"]
        read_only_fields = ["id", "age"]
        extra_kwargs = {"school": {"required": False}, "grade": {"required": False}}
        # Uniqueness is the service's business (a double submit returns the existing record).
        validators: list = []


class RoleAssignmentSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    org_unit = OrgUnitBriefSerializer(read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["role", "role_display", "org_unit"]
        read_only_fields = fields


class OwnOfficerSerializer(serializers.ModelSerializer):
    org_unit = OrgUnitBriefSerializer(read_only=True)

    class Meta:
        model = Officer
        fields = [
            "police_number",
            "name",
            "sex",
            "birth_date",
            "kind",
            "org_unit",
            "position",
            "joined_police_on",
            "mobile",
        ]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    officer = OwnOfficerSerializer(allow_null=True)
    roles = RoleAssignmentSerializer(many=True)
    family = FamilyMemberSerializer(many=True)


# --- Me --------------------------------------------------------------------------------------------


class MeView(APIView):
    """The signed-in user's profile, roles (each with its org unit) and family."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        # Queries: the user (JWT), officer + unit, role assignments + units, family.
        user = request.user
        officer = selectors.officer_profile_of(user)
        payload = {
            "username": user.username,
            "display_name": officer.name if officer else (user.get_full_name() or user.username),
            "officer": officer,
            "roles": scope.assignments_for(user),
            "family": list(selectors.family_of(officer=officer)) if officer else [],
        }
        return Response(MeSerializer(payload).data)


@extend_schema_view(
    list=extend_schema(summary="List my family members"),
    create=extend_schema(summary="Add a family member"),
    retrieve=extend_schema(summary="One of my family members"),
    update=extend_schema(summary="Change a family member"),
    partial_update=extend_schema(summary="Change some fields of a family member"),
    destroy=extend_schema(summary="Remove a family member"),
)
class MyFamilyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The signed-in officer's own family. Anybody else's family member answers 404."""

    serializer_class = FamilyMemberSerializer
    pagination_class = None  # a family is a handful of rows
    filter_backends: list = []

    def get_queryset(self):
        officer = selectors.officer_of(self.request.user)
        if officer is None:
            return FamilyMember.objects.none()
        return selectors.family_of(officer=officer)

    def get_object(self):
        return selectors.own_family_member_or_404(viewer=self.request.user, pk=self.kwargs["pk"])

    def perform_create(self, serializer):
        officer = selectors.officer_of(self.request.user)
        if officer is None:
            raise exceptions.PermissionDenied(_("Only officers have a family list."))
        serializer.instance = services.family_member_add(
            officer=officer, actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.family_member_update(
            member=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.family_member_remove(member=instance, actor=self.request.user)


# --- Staff roster ----------------------------------------------------------------------------------


class IsRosterStaff(permissions.BasePermission):
    message = gettext_lazy(
        "Only unit admins, the welfare office, health staff and system administrators may see the roster."
    )

    def has_permission(self, request, view) -> bool:
        return permissions_rules.can_see_roster(request.user)


class OfficerRosterSerializer(serializers.ModelSerializer):
    org_unit = OrgUnitBriefSerializer(read_only=True)

    class Meta:
        model = Officer
        fields = ["id", "police_number", "name", "sex", "kind", "org_unit", "position", "mobile", "active"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="Officers in my scope", responses=OfficerRosterSerializer(many=True)),
    retrieve=extend_schema(
        summary="One officer in my scope",
        responses={200: OfficerRosterSerializer, 404: OpenApiResponse(description="Not in your scope.")},
    ),
)
class OfficerViewSet(viewsets.ReadOnlyModelViewSet):
    """The roster for staff: officers in the subtrees of the caller's role assignments."""

    serializer_class = OfficerRosterSerializer
    permission_classes = [permissions.IsAuthenticated, IsRosterStaff]
    filterset_class = OfficerFilter
    ordering_fields = ["police_number", "name"]

    def get_queryset(self):
        return selectors.officers_visible_to(viewer=self.request.user)
