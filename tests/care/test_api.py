"""The care API for the mobile app: my requests, asking for help (with documents, once per token), the
history I may see, my documents, rating, withdrawing and answering a return."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from care import services
from care.models import CareAttachment, CareEvent, CareRequest, GrantStatus, Status
from tests.care.conftest import PDF, PNG, submit, upload
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/care/requests/"


def _detail_url(care: CareRequest, suffix: str = "") -> str:
    return f"{LIST}{care.pk}/{suffix}"


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["status"] == response.status_code
    assert body["error"]["message"]
    return body["error"]


def _files(root) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()] if Path(root).exists() else []


@pytest.fixture(autouse=True)
def _media_and_english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"  # what the API answers without Accept-Language


REQUEST = {
    "category": "major_illness",
    "title": "父亲住院需要协调床位",
    "description": "父亲突发脑梗，在市一院急诊，需要协调床位和专家会诊。",
    "amount_requested": "8000.00",
    "confidential": False,
}


# --- Asking for help ---------------------------------------------------------------------------------------


def test_it_creates_a_request_for_me_from_json(officer, outsider):
    response = api_client_for(officer.user).post(LIST, {**REQUEST, "officer": outsider.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    care = CareRequest.objects.get()
    assert (care.officer, care.submitted_by) == (officer, officer.user)  # an officer field is ignored
    assert body["id"] == care.pk
    assert body["reference"] == care.reference and body["reference"].startswith("AJ-")
    assert (body["category"], body["category_display"]) == ("major_illness", "major illness treatment")
    assert (body["status"], body["status_display"]) == ("submitted", "submitted")
    assert body["amount_requested"] == "8000.00"
    assert body["description"] == REQUEST["description"]
    assert body["handler_name"] is None
    assert body["due_at"] is not None
    assert (body["can_withdraw"], body["can_rate"], body["can_resubmit"]) == (True, False, False)
    assert [(row["from_status"], row["to_status"], row["to_status_display"]) for row in body["timeline"]] == [
        ("", "submitted", "submitted")
    ]
    assert body["attachments"] == [] and body["grants"] == []


def test_it_creates_a_confidential_request_with_documents_from_multipart(officer):
    client = api_client_for(officer.user)
    response = client.post(
        LIST,
        {
            **REQUEST,
            "category": "mental_health",
            "confidential": "true",
            "amount_requested": "",
            "attachments": [upload("诊断证明.pdf", PDF), upload("病历.png", PNG, "image/png")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    care = CareRequest.objects.get()
    assert care.confidential is True and care.amount_requested is None
    assert body["confidential"] is True and body["amount_requested"] is None
    stored = list(care.attachments.order_by("pk"))
    assert [(a.original_name, a.content_type, a.size) for a in stored] == [
        ("诊断证明.pdf", "application/pdf", len(PDF)),
        ("病历.png", "image/png", len(PNG)),
    ]
    assert [(row["id"], row["name"], row["content_type"], row["size"]) for row in body["attachments"]] == [
        (a.pk, a.original_name, a.content_type, a.size) for a in stored
    ]
    assert body["attachments"][0]["url"] == f"http://testserver/api/v1/care/attachments/{stored[0].pk}/"
    download = client.get(body["attachments"][0]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")


def test_a_document_that_is_not_a_pdf_or_an_image_is_refused_and_nothing_is_stored(officer, settings):
    fake = SimpleUploadedFile("诊断证明.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    response = api_client_for(officer.user).post(
        LIST, {**REQUEST, "attachments": [upload(), fake]}, format="multipart"
    )
    assert response.status_code == 400
    error = _error(response)
    assert "is not a PDF or an image" in error["message"]
    assert list(error["fields"]) == ["attachments"]
    assert not CareRequest.objects.exists()
    assert not CareAttachment.objects.exists()
    assert _files(settings.MEDIA_ROOT) == []


def test_a_missing_field_answers_400_with_the_field(officer):
    response = api_client_for(officer.user).post(
        LIST, {**REQUEST, "title": "", "category": "x"}, format="json"
    )
    assert response.status_code == 400
    assert set(_error(response)["fields"]) == {"title", "category"}
    assert not CareRequest.objects.exists()


def test_a_replay_with_the_same_idempotency_key_is_one_request(officer):
    client = api_client_for(officer.user)
    key = str(uuid.uuid4())
    first = client.post(LIST, REQUEST, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(LIST, {**REQUEST, "title": "改过的标题"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert CareRequest.objects.get().submit_token == uuid.UUID(key)
    # The token in the body is the same thing.
    third = client.post(LIST, {**REQUEST, "submit_token": key}, format="json")
    assert third.status_code == 200 and third.json()["id"] == first.json()["id"]
    assert CareRequest.objects.count() == 1


def test_a_token_that_is_not_a_uuid_or_disagrees_answers_400(officer):
    client = api_client_for(officer.user)
    bad = client.post(LIST, REQUEST, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert bad.status_code == 400
    assert list(_error(bad)["fields"]) == ["Idempotency-Key"]
    differ = client.post(
        LIST,
        {**REQUEST, "submit_token": str(uuid.uuid4())},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert differ.status_code == 400
    assert list(_error(differ)["fields"]) == ["submit_token"]
    assert not CareRequest.objects.exists()


def test_a_token_used_for_someone_elses_request_answers_409(officer, outsider):
    key = uuid.uuid4()
    theirs = submit(outsider, submit_token=key)
    response = api_client_for(officer.user).post(LIST, REQUEST, format="json", HTTP_IDEMPOTENCY_KEY=str(key))
    assert response.status_code == 409
    assert _error(response)["code"] == "conflict"
    assert list(CareRequest.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_an_account_without_an_officer_profile_has_no_requests(officer):
    mine = submit(officer)
    client = api_client_for(UserFactory(username="sysadmin"))
    assert client.get(LIST).json()["count"] == 0
    refused = client.post(LIST, REQUEST, format="json")
    assert refused.status_code == 403
    assert _error(refused)["code"] == "permission_denied"
    assert client.get(_detail_url(mine)).status_code == 404
    assert CareRequest.objects.count() == 1


@pytest.mark.parametrize("url", [LIST, f"{LIST}1/", "/api/v1/care/attachments/1/"])
def test_it_refuses_without_a_token(api_client, url):
    response = api_client.get(url)
    assert response.status_code == 401
    assert _error(response)["code"] == "not_authenticated"
    assert api_client.post(LIST, REQUEST, format="json").status_code == 401
    assert not CareRequest.objects.exists()


# --- My requests -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mine", [1, 5])
def test_the_list_shows_only_my_requests_in_a_fixed_number_of_queries(
    officer, outsider, welfare, mine, django_assert_num_queries
):
    made = [submit(officer, title=f"申请{n}") for n in range(mine)]
    services.request_accept(request=made[0], handler=welfare, actor=welfare)
    submit(outsider, title="别人的申请")
    client = api_client_for(type(officer.user).objects.get(pk=officer.user_id))  # nothing cached on it
    # Queries: my officer profile with its unit, the count, the page (with the handler and their name).
    with django_assert_num_queries(3):
        response = client.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == mine
    assert [row["title"] for row in body["results"]] == [f"申请{n}" for n in reversed(range(mine))]
    accepted = next(row for row in body["results"] if row["id"] == made[0].pk)
    assert (accepted["status"], accepted["handler_name"]) == ("accepted", "赵敏")


def test_the_list_filters_by_status(officer, welfare):
    first = submit(officer, title="已受理")
    submit(officer, title="刚提交")
    services.request_accept(request=first, handler=welfare, actor=welfare)
    client = api_client_for(officer.user)
    assert [row["title"] for row in client.get(LIST, {"status": "accepted"}).json()["results"]] == ["已受理"]
    assert [row["title"] for row in client.get(LIST, {"status": "submitted"}).json()["results"]] == ["刚提交"]
    response = client.get(LIST, {"status": "lost"})
    assert response.status_code == 400
    assert "status" in _error(response)["fields"]


def test_a_staff_member_sees_only_their_own_requests_through_the_api(officer, welfare, head):
    care = submit(officer)
    for staff in (welfare, head):  # both see it on the portal, not here
        client = api_client_for(staff)
        assert client.get(LIST).json()["count"] == 0
        assert client.get(_detail_url(care)).status_code == 404


@pytest.mark.parametrize("suffix", ["", "rate/", "withdraw/", "resubmit/"])
def test_someone_elses_request_answers_404(officer, outsider, suffix):
    theirs = submit(outsider)
    client = api_client_for(officer.user)
    if suffix:
        response = client.post(
            _detail_url(theirs, suffix), {"rating": 5, "reason": "x", "information": "y"}, format="json"
        )
    else:
        response = client.get(_detail_url(theirs))
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.status == Status.SUBMITTED
    assert client.get(f"{LIST}{theirs.pk + 1000}/").status_code == 404


def test_the_timeline_shows_what_i_may_see_without_internal_notes(officer, accepted, welfare):
    services.action_add(
        request=accepted,
        actor=welfare,
        kind="referral",
        text="已联系市一院神经内科，安排入院。",
        visible_to_officer=True,
        scheduled_for=accepted.submitted_at.date(),
    )
    services.action_add(
        request=accepted,
        actor=welfare,
        kind="note",
        text="家属情绪不稳定，需多关心。",
        visible_to_officer=False,
    )
    body = api_client_for(officer.user).get(_detail_url(accepted)).json()
    texts = [row["text"] for row in body["timeline"]]
    assert "家属情绪不稳定，需多关心。" not in texts
    assert CareEvent.objects.filter(request=accepted, visible_to_officer=False).exists()
    referral = body["timeline"][-1]
    assert (referral["action"], referral["action_display"]) == ("referral", "hospital referral")
    assert (referral["from_status"], referral["to_status"]) == ("accepted", "in_progress")
    assert (referral["from_status_display"], referral["to_status_display"]) == ("accepted", "in progress")
    assert referral["scheduled_for"] == accepted.submitted_at.date().isoformat()
    assert referral["by"] == "赵敏"
    assert [row["to_status"] for row in body["timeline"]] == ["submitted", "accepted", "in_progress"]
    assert (body["status"], body["handler_name"]) == ("in_progress", "赵敏")


def test_the_detail_shows_approved_and_paid_grants_only(officer, in_progress, welfare, care_budget):
    paid = services.grant_propose(request=in_progress, actor=welfare, amount="3000", purpose="住院慰问金")
    services.grant_pay(grant=paid, actor=welfare)
    approved = services.grant_propose(request=in_progress, actor=welfare, amount="2000", purpose="交通补助")
    waiting = services.grant_propose(
        request=in_progress, actor=welfare, amount="20000", purpose="医疗费用补助"
    )
    assert waiting.status == GrantStatus.PROPOSED
    body = api_client_for(officer.user).get(_detail_url(in_progress)).json()
    assert [(g["id"], g["amount"], g["purpose"], g["status"]) for g in body["grants"]] == [
        (paid.pk, "3000.00", "住院慰问金", "paid"),
        (approved.pk, "2000.00", "交通补助", "approved"),
    ]
    assert body["can_withdraw"] is False  # a grant was approved: the handler closes it instead
    assert "20,000" not in str(body["timeline"])


# --- My documents ------------------------------------------------------------------------------------------


def test_only_the_owner_downloads_a_document(officer, outsider, welfare):
    care = submit(officer, attachments=[upload()])
    attachment = care.attachments.get()
    url = f"/api/v1/care/attachments/{attachment.pk}/"
    for other in (outsider.user, welfare):
        response = api_client_for(other).get(url)
        assert response.status_code == 404
        assert _error(response)["code"] == "not_found"
    mine = api_client_for(officer.user).get(url, HTTP_ACCEPT="application/pdf")
    assert mine.status_code == 200
    assert b"".join(mine.streaming_content) == PDF
    assert (
        api_client_for(officer.user).get(f"/api/v1/care/attachments/{attachment.pk + 1}/").status_code == 404
    )


# --- Rating, withdrawing, answering a return ---------------------------------------------------------------


def test_i_rate_a_resolved_request_and_a_second_rating_keeps_the_first(officer, resolved):
    client = api_client_for(officer.user)
    before = client.get(_detail_url(resolved)).json()
    assert (before["can_rate"], before["outcome"]) == (True, "已协调医院床位并发放慰问金")
    response = client.post(
        _detail_url(resolved, "rate/"), {"rating": 5, "comment": "非常感谢组织"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["rating"], body["rating_comment"]) == ("closed", 5, "非常感谢组织")
    assert body["can_rate"] is False and body["closed_at"] is not None
    again = client.post(_detail_url(resolved, "rate/"), {"rating": 1, "comment": "改主意了"}, format="json")
    assert again.status_code == 200
    assert (again.json()["rating"], again.json()["rating_comment"]) == (5, "非常感谢组织")
    resolved.refresh_from_db()
    assert (resolved.status, resolved.rating) == (Status.CLOSED, 5)


def test_rating_a_request_not_yet_resolved_answers_400_with_the_reason(officer, in_progress):
    response = api_client_for(officer.user).post(
        _detail_url(in_progress, "rate/"), {"rating": 5}, format="json"
    )
    assert response.status_code == 400
    assert _error(response)["message"] == "A request is rated once it is resolved."
    in_progress.refresh_from_db()
    assert (in_progress.status, in_progress.rating) == (Status.IN_PROGRESS, None)


@pytest.mark.parametrize("rating", [0, 6, "很好", None])
def test_a_rating_out_of_range_answers_400(officer, resolved, rating):
    response = api_client_for(officer.user).post(
        _detail_url(resolved, "rate/"), {"rating": rating}, format="json"
    )
    assert response.status_code == 400
    assert list(_error(response)["fields"]) == ["rating"]
    resolved.refresh_from_db()
    assert (resolved.status, resolved.rating) == (Status.RESOLVED, None)


def test_i_withdraw_an_open_request(officer, accepted):
    client = api_client_for(officer.user)
    response = client.post(_detail_url(accepted, "withdraw/"), {"reason": "问题已自行解决"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["can_withdraw"]) == ("withdrawn", False)
    assert body["timeline"][-1]["text"] == "问题已自行解决"
    again = client.post(_detail_url(accepted, "withdraw/"), {}, format="json")
    assert again.status_code == 200
    assert CareEvent.objects.filter(request=accepted, to_status=Status.WITHDRAWN).count() == 1


def test_withdrawing_a_resolved_request_answers_400(officer, resolved):
    response = api_client_for(officer.user).post(_detail_url(resolved, "withdraw/"), {}, format="json")
    assert response.status_code == 400
    assert _error(response)["message"] == "A resolved request cannot be withdrawn."
    resolved.refresh_from_db()
    assert resolved.status == Status.RESOLVED


def test_i_answer_a_return_with_information_and_a_document(officer, in_progress, welfare):
    services.request_return(request=in_progress, actor=welfare, reason="请补充住院证明")
    client = api_client_for(officer.user)
    returned = client.get(_detail_url(in_progress)).json()
    assert (returned["status"], returned["can_resubmit"]) == ("returned", True)
    assert returned["timeline"][-1]["text"] == "请补充住院证明"
    response = client.post(
        _detail_url(in_progress, "resubmit/"),
        {"information": "已补充住院证明", "attachments": [upload("住院证明.pdf")]},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["handler_name"], body["can_resubmit"]) == ("accepted", "赵敏", False)
    assert [row["name"] for row in body["attachments"]] == ["住院证明.pdf"]
    assert body["timeline"][-1]["text"] == "已补充住院证明"
    assert (body["timeline"][-1]["from_status"], body["timeline"][-1]["to_status"]) == (
        "returned",
        "accepted",
    )


def test_answering_a_request_that_was_not_returned_answers_400(officer, submitted):
    client = api_client_for(officer.user)
    response = client.post(_detail_url(submitted, "resubmit/"), {"information": "补充材料"}, format="json")
    assert response.status_code == 400
    assert _error(response)["message"] == "This request is not waiting for your information."
    empty = client.post(_detail_url(submitted, "resubmit/"), {"information": ""}, format="json")
    assert empty.status_code == 400 and list(_error(empty)["fields"]) == ["information"]
    assert not submitted.attachments.exists()


def test_the_requested_amount_cannot_be_negative(officer):
    response = api_client_for(officer.user).post(LIST, {**REQUEST, "amount_requested": "-1"}, format="json")
    assert response.status_code == 400
    assert list(_error(response)["fields"]) == ["amount_requested"]
    assert not CareRequest.objects.exists()
