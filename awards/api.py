"""REST API of education awards for the mobile app: open programmes, and the officer's own applications.

An officer applies for one of their children (a draft with the admission letter), sees what stops it being
submitted, submits it, and follows it with its history, the public-notice dates and the payment.

The API is the officer's own view whatever the account's roles: reviewers work on the portal. Anybody
else's application, or one that does not exist, answers 404. Accounts without an officer profile have no
applications: the list is empty, everything else is 404 (403 for applying). Writes go through
awards/services.py; their DomainError answers 400 and ConflictError 409 (welfare/api.py).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from awards import selectors, services
from awards.models import Application
from awards.serializers import ApplicationCreateSerializer, ApplicationSerializer, ProgrammeSerializer
from people import selectors as people_selectors
from people.models import Officer, User

NOT_FOUND = OpenApiResponse(description="Not one of my applications, or no such one.")
REFUSED = OpenApiResponse(
    description="The award rules do not allow it, or the letter was refused; the message says why."
)


def _officer(user: User) -> Officer | None:
    """The caller's officer profile with its unit (one query), or None for technical accounts."""
    return people_selectors.officer_profile_of(user)


def my_applications(*, officer: Officer | None) -> QuerySet[Application]:
    """The officer's applications, the latest first, each with its history (one more query for all)."""
    if officer is None:
        return Application.objects.none()
    return selectors.applications_of(officer).prefetch_related("events")


def my_application_or_404(*, user: User, pk: int) -> Application:
    found = selectors.own_application(viewer=user, pk=pk)
    # Read again with the history, in the same shape as the list.
    return my_applications(officer=found.officer).get(pk=found.pk)


def _body(application: Application, *, http_request) -> dict:
    fresh = my_application_or_404(user=http_request.user, pk=application.pk)
    return ApplicationSerializer(fresh, context={"request": http_request}).data


class ProgrammeListView(generics.ListAPIView):
    """Scholarship programmes open for applications today."""

    serializer_class = ProgrammeSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return selectors.open_programmes().order_by("-year", "pk")

    @extend_schema(summary="Open award programmes")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ApplicationListView(generics.ListAPIView):
    """My award applications, the latest first; apply for one of my children."""

    serializer_class = ApplicationSerializer
    filter_backends: list = []
    parser_classes = (MultiPartParser,)

    def get_queryset(self):
        return my_applications(officer=_officer(self.request.user))

    @extend_schema(summary="My award applications")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Apply for an award",
        description="A draft application for one of my children, as multipart/form-data with the "
        "admission letter (PDF, JPEG, PNG or WebP; checked by its content and size). The answer lists "
        "in `problems` what stops it being submitted; submit it with POST …/{id}/submit/. A child has "
        "one application per award and year: a second one answers 409.",
        request={"multipart/form-data": ApplicationCreateSerializer},
        responses={
            201: ApplicationSerializer,
            400: REFUSED,
            403: OpenApiResponse(description="The account has no officer profile."),
            409: OpenApiResponse(description="This child already has an application for this award."),
        },
    )
    def post(self, request, *args, **kwargs):
        officer = _officer(request.user)
        if officer is None:
            raise exceptions.PermissionDenied(_("Only officers can apply for an award."))
        given = ApplicationCreateSerializer(data=request.data, officer=officer)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        application = services.application_create(
            programme=data["programme"],
            officer=officer,
            child=data["child"],
            university=data["university"],
            admission_year=data["admission_year"],
            major=data["major"],
            letter=data["letter"],
            actor=request.user,
        )
        return Response(_body(application, http_request=request), status=status.HTTP_201_CREATED)


class ApplicationDetailView(APIView):
    """One of my applications, with its history."""

    @extend_schema(
        summary="One of my award applications", responses={200: ApplicationSerializer, 404: NOT_FOUND}
    )
    def get(self, request, pk: int):
        application = my_application_or_404(user=request.user, pk=pk)
        return Response(ApplicationSerializer(application, context={"request": request}).data)


class ApplicationSubmitView(APIView):
    """Submit a draft (or a returned application) once it meets every rule; submitting again is a no-op."""

    @extend_schema(
        summary="Submit my application",
        request=None,
        responses={200: ApplicationSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request, pk: int):
        application = selectors.own_application(viewer=request.user, pk=pk)
        application = services.application_submit(application=application, actor=request.user)
        return Response(_body(application, http_request=request))
