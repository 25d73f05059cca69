"""REST API of surveys for the mobile app: the open surveys I am asked, one survey's questions, save and
continue, and submit once.

Scope is the portal's (surveys/campaigns.open_for): a survey not open to me answers 404. Writes go through
surveys/services.py; a SurveyError answers 400 and a second submit 409 (welfare/api.py). The WHO-5 score
is in the body of the submitting request's answer only: it is stored nowhere.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from people import selectors as people_selectors
from people.models import Officer, User
from surveys import campaigns, services
from surveys.forms import item_text
from surveys.models import Campaign, Participation

NOT_FOUND = OpenApiResponse(description="No such survey open to you.")
REFUSED = OpenApiResponse(description="The answers cannot be taken; the message says why.")
ANSWERED = OpenApiResponse(description="You have already answered this survey.")


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    include_who5 = serializers.BooleanField()
    answered = serializers.BooleanField()


class ItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    module = serializers.CharField(help_text='"core" or "who5".')
    dimension = serializers.CharField(help_text="Empty for WHO-5 items.")
    text = serializers.SerializerMethodField(help_text="In the language asked (Accept-Language).")
    scale_min = serializers.IntegerField()
    scale_max = serializers.IntegerField()

    def get_text(self, item) -> str:
        return item_text(item)


class CampaignDetailSerializer(CampaignSerializer):
    items = ItemSerializer(many=True)
    draft = serializers.DictField(
        child=serializers.IntegerField(), help_text="My answers saved so far (item code → answer)."
    )


class AnswersInputSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100), help_text="Item code → answer."
    )


class ResponseInputSerializer(AnswersInputSerializer):
    comment = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class Who5Serializer(serializers.Serializer):
    raw = serializers.IntegerField(help_text="0 to 25.")
    percent = serializers.IntegerField(help_text="0 to 100.")
    low = serializers.BooleanField(
        help_text="Worth talking to the unit's health staff or the psychological service."
    )


class SubmittedSerializer(serializers.Serializer):
    answered = serializers.BooleanField()
    who5 = Who5Serializer(
        allow_null=True, help_text="My WHO-5 score when the survey asks it; stored nowhere."
    )


class DraftSavedSerializer(serializers.Serializer):
    saved = serializers.IntegerField(help_text="How many answers the draft now holds.")


def _officer_or_none(user: User) -> Officer | None:
    return people_selectors.officer_profile_of(user)


def _campaign_or_404(user: User, pk: int) -> tuple[Officer, Campaign]:
    officer = _officer_or_none(user)
    if officer is None:
        raise Http404("no officer profile")
    return officer, campaigns.open_for_or_404(officer=officer, pk=pk)


class CampaignListView(APIView):
    """The surveys open to me now, each with whether I have answered it."""

    @extend_schema(summary="Surveys open to me", responses={200: CampaignSerializer(many=True)})
    def get(self, request):
        officer = _officer_or_none(request.user)
        found = campaigns.open_for(officer=officer) if officer is not None else []
        return Response(CampaignSerializer(found, many=True).data)


class CampaignDetailView(APIView):
    """One survey: its questions (the WHO-5 ones when included) and my draft."""

    @extend_schema(summary="One survey", responses={200: CampaignDetailSerializer, 404: NOT_FOUND})
    def get(self, request, pk: int):
        officer, campaign = _campaign_or_404(request.user, pk)
        draft = (
            Participation.objects.filter(campaign=campaign, officer=officer)
            .values_list("draft", flat=True)
            .first()
        )
        campaign.items = services.items_of(campaign)
        campaign.draft = draft or {}
        return Response(CampaignDetailSerializer(campaign).data)


class ResponseCreateView(APIView):
    """Submit my answers, once: the draft and these answers together must answer every question."""

    @extend_schema(
        summary="Answer a survey",
        request=ResponseInputSerializer,
        responses={201: SubmittedSerializer, 400: REFUSED, 404: NOT_FOUND, 409: ANSWERED},
    )
    def post(self, request, pk: int):
        officer, campaign = _campaign_or_404(request.user, pk)
        given = ResponseInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        who5 = services.response_submit(campaign=campaign, officer=officer, **given.validated_data)
        body = {
            "answered": True,
            "who5": who5 and {"raw": who5.raw, "percent": who5.percent, "low": who5.low},
        }
        return Response(SubmittedSerializer(body).data, status=status.HTTP_201_CREATED)


class DraftSaveView(APIView):
    """Save and continue: keep these answers with my earlier ones until I submit."""

    @extend_schema(
        summary="Save my answers so far",
        request=AnswersInputSerializer,
        responses={200: DraftSavedSerializer, 400: REFUSED, 404: NOT_FOUND, 409: ANSWERED},
    )
    def post(self, request, pk: int):
        officer, campaign = _campaign_or_404(request.user, pk)
        given = AnswersInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.draft_save(campaign=campaign, officer=officer, answers=given.validated_data["answers"])
        draft = Participation.objects.filter(campaign=campaign, officer=officer).values_list(
            "draft", flat=True
        )
        return Response(DraftSavedSerializer({"saved": len(draft.first() or {})}).data)
