"""REST API of family activities for the mobile app: browse, sign the family up, the waiting list and its
offers, cancel, the check-in code, feedback, and the private calendar address.

Scope is the portal's (activities/selectors.py): an officer sees the activities open to their unit (the
audience unit is the unit or one of its ancestors, as ``services.can_join``); anything else answers 404,
and so does anybody else's sign-up. Accounts without an officer profile have no activities: lists are
empty, everything else is 404. Writes go through activities/services.py; their DomainError answers 400
and ConflictError 409 (welfare/api.py).
"""

from __future__ import annotations

import django_filters
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from activities import checkin, ical, selectors, services
from activities.filters import ActivityFilter
from activities.models import Activity, ActivityStatus, SignUp, SignUpStatus
from activities.serializers import (
    ActivityDetailSerializer,
    ActivitySerializer,
    CalendarFeedSerializer,
    CancelInputSerializer,
    CheckInCodeSerializer,
    FeedbackInputSerializer,
    FeedbackSerializer,
    SignUpInputSerializer,
    SignUpSerializer,
)
from people import selectors as people_selectors
from people.models import Officer, OrgUnit, User

CHECKIN_STATES = (SignUpStatus.CONFIRMED, SignUpStatus.ATTENDED)

NOT_FOUND = OpenApiResponse(description="Not in your scope, or no such activity / sign-up.")
REFUSED = OpenApiResponse(description="The rules do not allow it; the message says why.")


# --- Selectors: scope first (activities/selectors.py), plus what only the app needs ----------------------


def _officer(user: User) -> Officer | None:
    """The caller's officer profile with its unit (one query), or None for technical accounts."""
    return people_selectors.officer_profile_of(user)


def _officer_or_404(user: User) -> Officer:
    officer = _officer(user)
    if officer is None:
        raise Http404("no officer profile")
    return officer


def _with_my_signup_id(activities: QuerySet[Activity], officer: Officer) -> QuerySet[Activity]:
    mine = SignUp.objects.filter(activity=OuterRef("pk"), officer=officer).values("pk")[:1]
    return activities.annotate(my_signup_id=Subquery(mine))


def upcoming_activities_for(*, officer: Officer | None) -> QuerySet[Activity]:
    """The portal's list: published activities open to the officer still to come, soonest first."""
    if officer is None:
        return Activity.objects.none()
    return _with_my_signup_id(selectors.upcoming_open_to(officer=officer), officer)


def _joinable_or_404(*, officer: Officer, pk: int) -> Activity:
    activity = (
        _with_my_signup_id(selectors.activities_open_to(officer=officer), officer).filter(pk=pk).first()
    )
    if activity is None:
        raise Http404("no such activity")
    return activity


def _with_queue_position(signups: QuerySet[SignUp]) -> QuerySet[SignUp]:
    """Annotate ``queue_position`` as services.waitlist_position counts it, in the same query."""
    ahead = (
        SignUp.objects.filter(activity=OuterRef("activity"), status=SignUpStatus.WAITLISTED)
        .filter(
            Q(queued_at__lt=OuterRef("queued_at")) | Q(queued_at=OuterRef("queued_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    position = Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)) + 1
    return signups.annotate(
        queue_position=Case(When(status=SignUpStatus.WAITLISTED, then=position), default=None)
    )


def my_signups(*, officer: Officer | None) -> QuerySet[SignUp]:
    """The officer's sign-ups, the latest activity first, each with its place in the queue."""
    if officer is None:
        return SignUp.objects.none()
    return (
        _with_queue_position(SignUp.objects.filter(officer=officer))
        .select_related("activity", "feedback")
        .prefetch_related("people")
        .order_by("-activity__starts_at", "-id")
    )


def my_signup_or_404(*, officer: Officer, pk: int) -> SignUp:
    signup = SignUp.objects.select_related("activity").filter(officer=officer, pk=pk).first()
    if signup is None:
        raise Http404("no such sign-up")
    return signup


def _signup_payload(signup: SignUp) -> dict:
    """A sign-up as answered after a write: fresh from the database, with its place in the queue."""
    return SignUpSerializer(my_signups(officer=signup.officer).get(pk=signup.pk)).data


# --- Filters ---------------------------------------------------------------------------------------------


class ActivityApiFilter(ActivityFilter):
    """The portal's filter (kind, organising unit, date range); any unit may be named, an unknown id: 400."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, organisers=OrgUnit.objects.all(), **kwargs)


class MySignUpFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=SignUpStatus.choices, help_text="Only sign-ups in this state."
    )
    upcoming = django_filters.BooleanFilter(
        method="filter_upcoming", help_text="true: activities not yet ended; false: those that have."
    )

    class Meta:
        model = SignUp
        fields = ["status", "upcoming"]

    def filter_upcoming(self, queryset, name, value):
        now = timezone.now()
        return (
            queryset.filter(activity__ends_at__gt=now)
            if value
            else queryset.filter(activity__ends_at__lte=now)
        )


# --- Activities ------------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(summary="Upcoming activities I may join"))
class ActivityListView(generics.ListAPIView):
    """Published activities open to my unit that have not started yet, soonest first, with places left and
    the state of my sign-up. Filter by kind, organising unit and date range."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityApiFilter
    ordering_fields = ["starts_at"]

    def get_queryset(self):
        return upcoming_activities_for(officer=_officer(self.request.user))


class ActivityDetailView(APIView):
    """One activity: places left, whether sign-up is open, my sign-up and my place on the waiting list."""

    @extend_schema(summary="One activity", responses={200: ActivityDetailSerializer, 404: NOT_FOUND})
    def get(self, request, pk: int):
        officer = _officer_or_404(request.user)
        activity = _joinable_or_404(officer=officer, pk=pk)
        now = timezone.now()
        activity.signup_open = (
            activity.status == ActivityStatus.PUBLISHED
            and activity.signup_opens_at <= now < activity.signup_closes_at
            and services.can_join(officer, activity)
        )
        activity.my_signup = None
        if activity.my_signup_id is not None:
            signup = SignUp.objects.get(pk=activity.my_signup_id)
            signup.waitlist_position = services.waitlist_position(signup)
            activity.my_signup = signup
        return Response(ActivityDetailSerializer(activity).data)


class ActivitySignUpView(APIView):
    """Sign me up, with the family members who come: confirmed when there are places, else waitlisted."""

    @extend_schema(
        summary="Sign up for an activity",
        request=SignUpInputSerializer,
        responses={
            201: SignUpSerializer,
            400: REFUSED,
            404: NOT_FOUND,
            409: OpenApiResponse(description="I have already signed up for this activity."),
        },
    )
    def post(self, request, pk: int):
        officer = _officer_or_404(request.user)
        given = SignUpInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        activity = _joinable_or_404(officer=officer, pk=pk)
        signup = services.signup_create(
            activity=activity, officer=officer, family_member_ids=given.validated_data["family_member_ids"]
        )
        return Response(_signup_payload(signup), status=status.HTTP_201_CREATED)


class ActivityFeedbackView(APIView):
    """Rate an activity I came to, 1 to 5, with an optional comment; rating again replaces it."""

    @extend_schema(
        summary="Rate an activity",
        request=FeedbackInputSerializer,
        responses={200: FeedbackSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request, pk: int):
        officer = _officer_or_404(request.user)
        given = FeedbackInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        activity = _joinable_or_404(officer=officer, pk=pk)
        signup = SignUp.objects.select_related("activity").filter(activity=activity, officer=officer).first()
        if signup is None:
            raise services.ActivityError(_("Only those who came can rate an activity."))
        feedback = services.feedback_submit(signup=signup, officer=officer, **given.validated_data)
        return Response(FeedbackSerializer(feedback).data)


# --- My sign-ups -----------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(summary="My sign-ups"))
class MySignUpListView(generics.ListAPIView):
    """All my sign-ups, the latest activity first: state, who comes, my place in the queue, my rating."""

    serializer_class = SignUpSerializer
    filterset_class = MySignUpFilter
    ordering_fields: list[str] = []

    def get_queryset(self):
        return my_signups(officer=_officer(self.request.user))


class SignUpCancelView(APIView):
    """Withdraw my sign-up (or decline an offered place); freed places go to the waiting list."""

    @extend_schema(
        summary="Cancel my sign-up",
        request=CancelInputSerializer,
        responses={200: SignUpSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request, pk: int):
        officer = _officer_or_404(request.user)
        given = CancelInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        signup = my_signup_or_404(officer=officer, pk=pk)
        signup = services.signup_cancel(
            signup=signup, actor=request.user, reason=given.validated_data["reason"]
        )
        return Response(_signup_payload(signup))


class SignUpAcceptOfferView(APIView):
    """Accept the place offered to me from the waiting list, before the offer expires."""

    @extend_schema(
        summary="Accept an offered place",
        request=None,
        responses={200: SignUpSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request, pk: int):
        officer = _officer_or_404(request.user)
        signup = services.offer_accept(signup=my_signup_or_404(officer=officer, pk=pk))
        return Response(_signup_payload(signup))


class SignUpCheckInCodeView(APIView):
    """The text of my check-in QR code, for a confirmed sign-up; the app draws the QR code."""

    @extend_schema(
        summary="My check-in code",
        responses={200: CheckInCodeSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        officer = _officer_or_404(request.user)
        signup = my_signup_or_404(officer=officer, pk=pk)
        if signup.status not in CHECKIN_STATES:
            raise services.ActivityError(_("Only a confirmed sign-up has a check-in code."))
        return Response(CheckInCodeSerializer({"signup": signup.pk, "code": checkin.qr_payload(signup)}).data)


# --- My calendar address ---------------------------------------------------------------------------------


def _feed_payload(request, feed) -> dict:
    path = reverse("activities-calendar-feed", kwargs={"token": feed.token})
    return CalendarFeedSerializer(
        {"url": request.build_absolute_uri(path), "created_at": feed.created_at}
    ).data


class CalendarFeedView(APIView):
    """My private iCalendar address (made on first request) to subscribe to in the phone's calendar."""

    @extend_schema(summary="My calendar address", responses={200: CalendarFeedSerializer, 404: NOT_FOUND})
    def get(self, request):
        officer = _officer_or_404(request.user)
        return Response(_feed_payload(request, ical.calendar_feed_for(officer=officer)))


class CalendarFeedResetView(APIView):
    """Replace my calendar address: the old one stops working (when it has leaked, say)."""

    @extend_schema(
        summary="Reset my calendar address",
        request=None,
        responses={200: CalendarFeedSerializer, 404: NOT_FOUND},
    )
    def post(self, request):
        officer = _officer_or_404(request.user)
        return Response(_feed_payload(request, ical.calendar_feed_reset(officer=officer)))
