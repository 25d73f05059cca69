"""REST API of care requests for the mobile app: the officer's own requests (有困难找组织).

An officer asks for help for themself (there is no officer field: submitting for someone else is the
portal's, for unit admins and the welfare office), follows their requests with the history they may see,
downloads their documents, withdraws, answers a return for information and rates the outcome.

The API is the officer's own view whatever the account's roles: a welfare-office member calling it sees
only the requests they asked themself (staff work on the portal). Anybody else's request or document,
or one that does not exist, answers 404. Accounts without an officer profile have no requests: the list
is empty, everything else is 404 (403 for submitting). Writes go through care/services.py; their
DomainError answers 400 and ConflictError 409 (welfare/api.py).
"""

from __future__ import annotations

import uuid

import django_filters
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from care import permissions, selectors, services
from care.models import CareAttachment, CareRequest, GrantStatus, Status
from care.serializers import (
    CareRateInputSerializer,
    CareRequestDetailSerializer,
    CareRequestInputSerializer,
    CareRequestSerializer,
    CareRequestUploadSerializer,
    CareResubmitInputSerializer,
    CareResubmitUploadSerializer,
    CareWithdrawInputSerializer,
)
from people import selectors as people_selectors
from people.models import Officer, User
from welfare.uploads import DOCUMENT_TYPES

NOT_FOUND = OpenApiResponse(description="Not one of my requests (or documents), or no such one.")
REFUSED = OpenApiResponse(description="The workflow does not allow it, or a document was refused; "
                          "the message says why.")  # fmt: skip
IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    type=OpenApiTypes.UUID,
    location=OpenApiParameter.HEADER,
    required=False,
    description="A uuid the app makes once per form (like submit_token): a retried POST returns the "
    "request made the first time, with 200 instead of 201.",
)
UPLOADS = (JSONParser, MultiPartParser)


# --- Selectors: the officer's own requests only ------------------------------------------------------------


def _officer(user: User) -> Officer | None:
    """The caller's officer profile with its unit (one query), or None for technical accounts."""
    return people_selectors.officer_profile_of(user)


def _officer_or_404(user: User) -> Officer:
    officer = _officer(user)
    if officer is None:
        raise Http404("no officer profile")
    return officer


def my_requests(*, officer: Officer | None) -> QuerySet[CareRequest]:
    """The officer's requests, the latest first, with the handler's name (selectors.requests_of)."""
    if officer is None:
        return CareRequest.objects.none()
    return selectors.requests_of(officer).select_related("handler__officer")


def my_request_or_404(*, officer: Officer, pk: int) -> CareRequest:
    found = my_requests(officer=officer).select_related("officer__user").filter(pk=pk).first()
    if found is None:
        raise Http404("no such care request")
    return found


def my_attachment_or_404(*, officer: Officer, pk: int) -> CareAttachment:
    found = CareAttachment.objects.filter(request__officer=officer, pk=pk).first()
    if found is None:
        raise Http404("no such attachment")
    return found


def _detail(care: CareRequest, *, http_request, reload: bool = True) -> dict:
    """The detail body (read again after a write): history, documents, grants and the next steps."""
    if reload:
        care = my_request_or_404(officer=care.officer, pk=care.pk)
    grants = selectors.grants_of(care)
    care.timeline = selectors.timeline(request=care, for_officer=True)
    care.attachment_list = list(care.attachments.all())
    care.grant_list = sorted(
        (g for g in grants if g.status in (GrantStatus.APPROVED, GrantStatus.PAID)),
        key=lambda g: (g.created_at, g.pk),
    )
    user = care.officer.user
    care.can_withdraw = permissions.can_withdraw(user, care, has_approved_grant=bool(care.grant_list))
    care.can_rate = permissions.can_rate(user, care)
    care.can_resubmit = permissions.can_resubmit(user, care)
    return CareRequestDetailSerializer(care, context={"request": http_request}).data


def _token(http_request, given: uuid.UUID | None) -> uuid.UUID | None:
    """The form's one-time token: ``submit_token`` in the body or the Idempotency-Key header (a uuid)."""
    header = http_request.headers.get("Idempotency-Key", "").strip()
    if not header:
        return given
    try:
        from_header = uuid.UUID(header)
    except ValueError:
        raise exceptions.ValidationError(
            {"Idempotency-Key": [_("The Idempotency-Key header must be a uuid.")]}
        ) from None
    if given is not None and given != from_header:
        raise exceptions.ValidationError(
            {"submit_token": [_("submit_token and the Idempotency-Key header differ.")]}
        )
    return from_header


# --- Filters ----------------------------------------------------------------------------------------------


class MyRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, help_text="Only requests in this state.")

    class Meta:
        model = CareRequest
        fields = ["status"]


# --- My requests ------------------------------------------------------------------------------------------


class MyRequestListView(generics.ListAPIView):
    """My requests for help, the latest first; ask for help for myself."""

    serializer_class = CareRequestSerializer
    filterset_class = MyRequestFilter
    ordering_fields: list[str] = []
    parser_classes = UPLOADS

    def get_queryset(self):
        return my_requests(officer=_officer(self.request.user))

    @extend_schema(summary="My care requests")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Ask for help",
        description="A request for myself, as JSON or as multipart/form-data with documents (PDF, JPEG, "
        "PNG or WebP; checked by their content). The same submit_token or Idempotency-Key again returns "
        "the request made the first time (200) instead of a second one.",
        parameters=[IDEMPOTENCY_KEY],
        request={
            "application/json": CareRequestInputSerializer,
            "multipart/form-data": CareRequestUploadSerializer,
        },
        responses={
            201: CareRequestDetailSerializer,
            200: OpenApiResponse(
                CareRequestDetailSerializer, description="A replay: the request made before."
            ),
            400: REFUSED,
            403: OpenApiResponse(description="The account has no officer profile."),
            409: OpenApiResponse(description="This token was used for someone else's request."),
        },
    )
    def post(self, request, *args, **kwargs):
        officer = _officer(request.user)
        if officer is None:
            raise exceptions.PermissionDenied(_("Only officers can ask for help here."))
        multipart = request.content_type.startswith("multipart/")
        given = (CareRequestUploadSerializer if multipart else CareRequestInputSerializer)(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        token = _token(request, data["submit_token"])
        replay = token is not None and my_requests(officer=officer).filter(submit_token=token).exists()
        care = services.request_submit(
            officer=officer,
            submitted_by=request.user,
            category=data["category"],
            title=data["title"],
            description=data["description"],
            confidential=data["confidential"],
            amount_requested=data["amount_requested"],
            attachments=data.get("attachments", []),  # JSON carries no files
            submit_token=token,
        )
        return Response(
            _detail(care, http_request=request),
            status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED,
        )


class MyRequestDetailView(APIView):
    """One of my requests: the history I may see, my documents, grants, the outcome and my next steps."""

    @extend_schema(
        summary="One of my care requests", responses={200: CareRequestDetailSerializer, 404: NOT_FOUND}
    )
    def get(self, request, pk: int):
        care = my_request_or_404(officer=_officer_or_404(request.user), pk=pk)
        return Response(_detail(care, http_request=request, reload=False))


class MyRequestRateView(APIView):
    """Rate a resolved request from 1 to 5: it closes. Rating again keeps the first rating."""

    @extend_schema(
        summary="Rate the outcome",
        request=CareRateInputSerializer,
        responses={200: CareRequestDetailSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request, pk: int):
        officer = _officer_or_404(request.user)
        care = my_request_or_404(officer=officer, pk=pk)
        given = CareRateInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        care = services.request_rate(request=care, officer=officer, **given.validated_data)
        return Response(_detail(care, http_request=request))


class MyRequestWithdrawView(APIView):
    """Withdraw an open request (not once a grant is approved on it); withdrawing again changes nothing."""

    @extend_schema(
        summary="Withdraw my request",
        request=CareWithdrawInputSerializer,
        responses={200: CareRequestDetailSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request, pk: int):
        care = my_request_or_404(officer=_officer_or_404(request.user), pk=pk)
        given = CareWithdrawInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        care = services.request_withdraw(
            request=care, actor=request.user, reason=given.validated_data["reason"]
        )
        return Response(_detail(care, http_request=request))


class MyRequestResubmitView(APIView):
    """Answer a return for information, with documents if asked: the request goes back to the office."""

    parser_classes = UPLOADS

    @extend_schema(
        summary="Give the information asked for",
        request={
            "application/json": CareResubmitInputSerializer,
            "multipart/form-data": CareResubmitUploadSerializer,
        },
        responses={200: CareRequestDetailSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request, pk: int):
        care = my_request_or_404(officer=_officer_or_404(request.user), pk=pk)
        multipart = request.content_type.startswith("multipart/")
        given = (CareResubmitUploadSerializer if multipart else CareResubmitInputSerializer)(
            data=request.data
        )
        given.is_valid(raise_exception=True)
        care = services.request_resubmit(
            request=care,
            actor=request.user,
            information=given.validated_data["information"],
            attachments=given.validated_data.get("attachments", []),
        )
        return Response(_detail(care, http_request=request))


# --- My documents -----------------------------------------------------------------------------------------


class MyAttachmentView(APIView):
    """A document of one of my requests, as a download (never shown inline)."""

    def perform_content_negotiation(self, request, force=False):
        # The app may ask for the file's own type; errors still answer in JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary="Download one of my documents",
        responses={
            **{(200, content_type): OpenApiTypes.BINARY for content_type in DOCUMENT_TYPES},
            404: NOT_FOUND,
        },
    )
    def get(self, request, pk: int):
        officer = _officer_or_404(request.user)
        found = my_attachment_or_404(officer=officer, pk=pk)
        try:
            handle = found.file.open("rb")
        except FileNotFoundError:
            raise Http404("the file is gone") from None
        response = FileResponse(
            handle, as_attachment=True, filename=found.original_name, content_type=found.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
