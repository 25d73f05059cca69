"""The officer's care pages: my requests, asking for help (also on an officer's behalf), a request's page
with withdraw / answer a return / add documents / rate, and attachment downloads."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from care import services
from care.models import CareAttachment, CareRequest, Status
from tests.care.conftest import PDF, PNG, days, submit, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_and_media_in_tmp(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _form_data(**values) -> dict:
    data = {
        "category": "major_illness",
        "title": "母亲住院手术",
        "description": "母亲确诊肺癌，需要手术，希望联系专家并申请一些费用支持。",
        "amount_requested": "20000",
        "submit_token": str(uuid.uuid4()),
    }
    data.update(values)
    return data


# --- My requests ----------------------------------------------------------------------------------------


def test_it_lists_only_my_requests_newest_first_with_the_handler(officer, outsider, welfare):
    first = submit(officer, title="孩子入学")
    second = submit(officer, title="家中房屋漏水")
    theirs = submit(outsider, title="别人的请求")
    services.request_accept(request=first, handler=welfare, actor=welfare)
    response = _client(officer.user).get("/care/requests/")
    assert response.status_code == 200
    assert [r.reference for r in response.context["page"]] == [second.reference, first.reference]
    page = response.content.decode()
    assert theirs.reference not in page and "别人的请求" not in page
    assert "赵敏" in page  # the handler of the accepted one
    rows = {r.pk: r for r in response.context["page"]}
    assert rows[first.pk].last_update >= rows[second.pk].submitted_at  # the acceptance is the news


def test_the_list_is_empty_for_an_officer_without_requests_and_offers_the_form(officer, outsider):
    submit(outsider)
    response = _client(officer.user).get("/care/requests/")
    assert list(response.context["page"]) == []
    assert 'href="/care/requests/new/"' in response.content.decode()
    assert response.context["can_submit_for_others"] is False


# Session, user, the officer, the count for the pages, role assignments (the on-behalf button, then the
# navigation from the same cache), the page of requests (with the handler and their officer profile
# joined, the last visible event as a subquery), session save (savepoint, UPDATE, release).
MINE_QUERIES = 9


@pytest.mark.parametrize("count", [1, 5])
def test_my_requests_cost_the_same_queries_for_1_or_5(officer, welfare, count, django_assert_num_queries):
    for index in range(count):
        created = submit(officer, title=f"请求{index}")
        services.request_accept(request=created, handler=welfare, actor=welfare)
    client = _client(officer.user)
    client.get("/care/requests/")  # warm the session
    with django_assert_num_queries(MINE_QUERIES):
        response = client.get("/care/requests/")
    assert len(response.context["page"]) == count
    assert response.content.decode().count("赵敏") == count


def test_an_overdue_request_shows_the_overdue_badge(officer, submitted):
    client = _client(officer.user)
    assert 'data-testid="care-overdue"' not in client.get("/care/requests/").content.decode()
    CareRequest.objects.filter(pk=submitted.pk).update(due_at=timezone.now() - days(1))
    assert 'data-testid="care-overdue"' in client.get("/care/requests/").content.decode()
    # Waiting on the officer is never the office's delay.
    CareRequest.objects.filter(pk=submitted.pk).update(status=Status.RETURNED)
    assert 'data-testid="care-overdue"' not in client.get("/care/requests/").content.decode()


def test_the_pages_need_a_log_in(submitted):
    for url in ("/care/requests/", "/care/requests/new/", f"/care/requests/{submitted.pk}/"):
        response = Client().get(url)
        assert response.status_code == 302 and "login" in response["Location"]


# --- Asking for help ------------------------------------------------------------------------------------


def test_it_creates_a_request_with_a_pdf_attachment(officer, settings):
    client = _client(officer.user)
    form = client.get("/care/requests/new/").context["form"]
    token = form.initial["submit_token"]
    assert isinstance(token, uuid.UUID)
    response = client.post(
        "/care/requests/new/",
        _form_data(submit_token=str(token), attachments=[upload("诊断证明.pdf")], confidential="on"),
    )
    created = CareRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/care/requests/{created.pk}/"
    assert created.reference.startswith(f"AJ-{timezone.localdate().year}-")
    assert any(created.reference in message for message in _messages(response))
    assert (created.officer, created.submitted_by) == (officer, officer.user)
    assert (created.category, created.confidential, str(created.amount_requested)) == (
        "major_illness",
        True,
        "20000.00",
    )
    assert created.submit_token == token
    attachment = CareAttachment.objects.get()
    assert (attachment.request, attachment.original_name) == (created, "诊断证明.pdf")
    assert (attachment.content_type, attachment.size) == ("application/pdf", len(PDF))
    assert [path.read_bytes() for path in _stored_files(settings)] == [PDF]
    page = client.get(response["Location"]).content.decode()
    assert created.reference in page and "诊断证明.pdf" in page


def test_it_refuses_a_text_file_named_pdf_and_stores_nothing(officer, settings):
    fake = upload("诊断证明.pdf", b"just some text, not a PDF at all", "application/pdf")
    response = _client(officer.user).post("/care/requests/new/", _form_data(attachments=[upload(), fake]))
    assert response.status_code == 200
    assert "is not a PDF or an image" in " ".join(response.context["form"].errors["attachments"])
    assert not CareRequest.objects.exists()
    assert not CareAttachment.objects.exists()
    assert _stored_files(settings) == []


def test_it_refuses_an_oversized_file_and_stores_nothing(officer, settings):
    settings.CARE_ATTACHMENT_MAX_BYTES = 32
    response = _client(officer.user).post("/care/requests/new/", _form_data(attachments=[upload()]))
    assert response.status_code == 200
    assert "is larger than" in " ".join(response.context["form"].errors["attachments"])
    assert not CareRequest.objects.exists() and not CareAttachment.objects.exists()
    assert _stored_files(settings) == []


def test_a_form_without_a_subject_or_category_is_shown_again(officer):
    response = _client(officer.user).post("/care/requests/new/", _form_data(title="", category="lottery"))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "category"}
    assert not CareRequest.objects.exists()


def test_a_double_post_with_the_same_token_is_one_request(officer):
    client = _client(officer.user)
    token = str(uuid.uuid4())
    first = client.post("/care/requests/new/", _form_data(submit_token=token, attachments=[upload()]))
    second = client.post("/care/requests/new/", _form_data(submit_token=token, attachments=[upload()]))
    created = CareRequest.objects.get()
    assert first["Location"] == second["Location"] == f"/care/requests/{created.pk}/"
    assert CareAttachment.objects.count() == 1


# --- On an officer's behalf -----------------------------------------------------------------------------


def test_a_unit_admin_submits_for_an_officer_of_their_unit(officer, unit_admin):
    client = _client(unit_admin.user)
    assert client.get("/care/requests/new-for/").status_code == 200
    response = client.post(
        "/care/requests/new-for/", _form_data(police_number=" 100001 ", attachments=[upload()])
    )
    assert response.status_code == 302 and response["Location"] == "/care/requests/new-for/"
    created = CareRequest.objects.get()
    assert (created.officer, created.submitted_by) == (officer, unit_admin.user)
    assert any(created.reference in message for message in _messages(response))
    assert CareAttachment.objects.get().uploaded_by == unit_admin.user
    mine = _client(officer.user).get("/care/requests/")
    assert [r.pk for r in mine.context["page"]] == [created.pk]
    detail = _client(officer.user).get(f"/care/requests/{created.pk}/").content.decode()
    assert "on your behalf" in detail and "Submitted on the officer&#x27;s behalf." in detail


@pytest.mark.parametrize("police_number", ["200002", "999999"])
def test_an_officer_out_of_scope_or_unknown_gets_the_same_form_error(outsider, unit_admin, police_number):
    response = _client(unit_admin.user).post(
        "/care/requests/new-for/", _form_data(police_number=police_number)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["police_number"] == [
        "There is no officer with this police number in your units."
    ]
    assert not CareRequest.objects.exists()


def test_the_on_behalf_page_is_404_for_a_plain_officer(officer, outsider):
    client = _client(officer.user)
    assert client.get("/care/requests/new-for/").status_code == 404
    assert client.post("/care/requests/new-for/", _form_data(police_number="200002")).status_code == 404
    assert not CareRequest.objects.exists()


def test_a_unit_admin_sees_the_on_behalf_button_on_their_own_list(unit_admin):
    response = _client(unit_admin.user).get("/care/requests/")
    assert response.context["can_submit_for_others"] is True
    assert 'href="/care/requests/new-for/"' in response.content.decode()


# --- One request ----------------------------------------------------------------------------------------


def test_the_owner_sees_visible_notes_but_not_internal_ones(officer, in_progress, welfare):
    services.action_add(
        request=in_progress, actor=welfare, kind="note", text="内部：家属情绪不稳", visible_to_officer=False
    )
    services.action_add(
        request=in_progress,
        actor=welfare,
        kind="appointment",
        text="已预约肿瘤科专家",
        visible_to_officer=True,
        scheduled_for=timezone.localdate() + days(3),
    )
    response = _client(officer.user).get(f"/care/requests/{in_progress.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "已预约肿瘤科专家" in page and "电话了解情况" in page
    assert "内部：家属情绪不稳" not in page
    assert 'data-testid="care-event-internal"' not in page
    assert all(event.visible_to_officer for event in response.context["events"])
    assert "赵敏" in page  # the handler
    assert 'data-testid="care-due"' in page  # in progress: the office owes the next step


def test_a_request_is_404_for_an_outsider_and_its_actions_too(outsider, submitted):
    client = _client(outsider.user)
    assert client.get(f"/care/requests/{submitted.pk}/").status_code == 404
    for action in ("withdraw", "resubmit", "documents", "rate"):
        assert client.post(f"/care/requests/{submitted.pk}/{action}/", {"rating": "5"}).status_code == 404
    assert client.get("/care/requests/999999/").status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED and submitted.events.count() == 1


def test_staff_who_may_see_it_are_sent_to_the_handling_page(submitted, welfare):
    response = _client(welfare).get(f"/care/requests/{submitted.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/care/handle/{submitted.pk}/"


def test_staff_cannot_act_as_the_officer(submitted, welfare):
    response = _client(welfare).post(f"/care/requests/{submitted.pk}/withdraw/", {"reason": "x"})
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_a_confidential_request_is_404_for_a_welfare_member_who_does_not_handle_it(officer, welfare):
    secret = submit(officer, confidential=True)
    assert _client(welfare).get(f"/care/requests/{secret.pk}/").status_code == 404


def test_the_officer_withdraws_an_open_request(officer, accepted):
    client = _client(officer.user)
    response = client.post(f"/care/requests/{accepted.pk}/withdraw/", {"reason": "问题已自行解决"})
    assert response["Location"] == f"/care/requests/{accepted.pk}/"
    assert _messages(response) == ["Your request has been withdrawn."]
    accepted.refresh_from_db()
    assert accepted.status == Status.WITHDRAWN and accepted.closed_at is not None
    event = accepted.events.last()
    assert (event.from_status, event.to_status, event.text) == ("accepted", "withdrawn", "问题已自行解决")
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="care-withdraw-form"' not in page and 'data-testid="care-attach-form"' not in page


def test_the_officer_answers_a_return_with_information_and_a_document(officer, accepted, welfare, settings):
    services.request_return(request=accepted, actor=welfare, reason="请补充医院诊断证明")
    client = _client(officer.user)
    page = client.get(f"/care/requests/{accepted.pk}/").content.decode()
    assert "请补充医院诊断证明" in page and 'data-testid="care-resubmit-form"' in page
    response = client.post(
        f"/care/requests/{accepted.pk}/resubmit/",
        {"information": "诊断证明已上传", "attachments": [upload("证明.png", PNG, "image/png")]},
    )
    assert response["Location"] == f"/care/requests/{accepted.pk}/"
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED  # back to its handler
    event = accepted.events.last()
    assert (event.from_status, event.to_status, event.text) == ("returned", "accepted", "诊断证明已上传")
    attachment = accepted.attachments.get()
    assert (attachment.content_type, attachment.original_name) == ("image/png", "证明.png")


def test_an_answer_without_information_changes_nothing(officer, accepted, welfare):
    services.request_return(request=accepted, actor=welfare, reason="请补充材料")
    response = _client(officer.user).post(f"/care/requests/{accepted.pk}/resubmit/", {"information": " "})
    assert _messages(response) == ["Give the information that was asked for."]
    accepted.refresh_from_db()
    assert accepted.status == Status.RETURNED


def test_answering_a_request_that_was_not_returned_shows_the_error(officer, accepted):
    response = _client(officer.user).post(f"/care/requests/{accepted.pk}/resubmit/", {"information": "补充"})
    assert _messages(response) == ["This request is not waiting for your information."]
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED


def test_the_officer_adds_documents_to_an_open_request(officer, submitted, settings):
    response = _client(officer.user).post(
        f"/care/requests/{submitted.pk}/documents/", {"attachments": [upload("a.pdf"), upload("b.pdf")]}
    )
    assert _messages(response) == ["2 document(s) added."]
    assert sorted(submitted.attachments.values_list("original_name", flat=True)) == ["a.pdf", "b.pdf"]
    assert submitted.events.last().display_text == "2 document(s) added."
    assert len(_stored_files(settings)) == 2


def test_a_bad_document_is_refused_and_nothing_is_added(officer, submitted, settings):
    fake = upload("c.pdf", b"not a pdf, only text", "application/pdf")
    response = _client(officer.user).post(
        f"/care/requests/{submitted.pk}/documents/", {"attachments": [upload("a.pdf"), fake]}
    )
    assert "c.pdf is not a PDF or an image" in _messages(response)[0]
    assert not submitted.attachments.exists() and _stored_files(settings) == []


def test_the_officer_rates_a_resolved_request_once(officer, resolved):
    client = _client(officer.user)
    page = client.get(f"/care/requests/{resolved.pk}/").content.decode()
    assert "已协调医院床位并发放慰问金" in page and 'data-testid="care-rate-form"' in page
    response = client.post(f"/care/requests/{resolved.pk}/rate/", {"rating": "4", "comment": "很及时"})
    assert _messages(response) == ["Thank you for your rating."]
    resolved.refresh_from_db()
    assert (resolved.status, resolved.rating, resolved.rating_comment) == (Status.CLOSED, 4, "很及时")
    event = resolved.events.last()
    assert (event.from_status, event.to_status, event.display_text) == ("resolved", "closed", "Rated 4 of 5.")
    client.post(f"/care/requests/{resolved.pk}/rate/", {"rating": "1"})
    resolved.refresh_from_db()
    assert resolved.rating == 4 and resolved.events.filter(to_status=Status.CLOSED).count() == 1
    assert "Your rating: 4 of 5" in client.get(f"/care/requests/{resolved.pk}/").content.decode()


def test_rating_an_unresolved_request_shows_the_error(officer, in_progress):
    client = _client(officer.user)
    response = client.post(f"/care/requests/{in_progress.pk}/rate/", {"rating": "5"})
    assert response["Location"] == f"/care/requests/{in_progress.pk}/"
    assert _messages(response) == ["A request is rated once it is resolved."]
    in_progress.refresh_from_db()
    assert in_progress.rating is None and in_progress.status == Status.IN_PROGRESS


def test_a_rating_out_of_range_is_refused(officer, resolved):
    response = _client(officer.user).post(f"/care/requests/{resolved.pk}/rate/", {"rating": "9"})
    assert _messages(response) == ["Rate from 1 to 5."]
    resolved.refresh_from_db()
    assert resolved.rating is None and resolved.status == Status.RESOLVED


def test_approved_and_paid_grants_are_shown_but_not_proposed_ones(officer, in_progress, welfare, care_budget):
    small = services.grant_propose(request=in_progress, actor=welfare, amount="3000", purpose="住院慰问金")
    services.grant_propose(request=in_progress, actor=welfare, amount="8000", purpose="大额补助待批")
    services.grant_pay(grant=small, actor=welfare)
    response = _client(officer.user).get(f"/care/requests/{in_progress.pk}/")
    assert [(g.purpose, g.status) for g in response.context["grants"]] == [("住院慰问金", "paid")]
    page = response.content.decode()
    assert "大额补助待批" not in page and "8,000.00" not in page
    assert "3,000.00" in page


# --- Attachments ----------------------------------------------------------------------------------------


@pytest.fixture
def with_document(officer):
    return submit(officer, attachments=[upload("诊断证明.pdf")])


def test_the_owner_downloads_a_document_unaudited(officer, with_document):
    attachment = with_document.attachments.get()
    response = _client(officer.user).get(f"/care/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E8%AF%8A%E6%96%AD%E8%AF%81%E6%98%8E.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert not AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ).exists()


def test_a_document_is_404_for_an_outsider(outsider, with_document):
    attachment = with_document.attachments.get()
    assert _client(outsider.user).get(f"/care/attachments/{attachment.pk}/").status_code == 404
    assert _client(outsider.user).get("/care/attachments/999999/").status_code == 404


def test_the_handler_downloads_a_document_and_the_read_is_audited(with_document, welfare):
    services.request_accept(request=with_document, handler=welfare, actor=welfare)
    attachment = with_document.attachments.get()
    response = _client(welfare).get(f"/care/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    read = AuditEntry.objects.get(action=AuditAction.SENSITIVE_READ)
    assert read.actor == welfare and read.object_id == str(with_document.pk)
    assert read.detail == {"what": "care_request", "officer": "100001", "channel": "attachment"}


def test_a_confidential_document_is_404_for_a_welfare_member_who_does_not_handle_it(officer, welfare, head):
    secret = submit(officer, confidential=True, attachments=[upload()])
    attachment = secret.attachments.get()
    assert _client(welfare).get(f"/care/attachments/{attachment.pk}/").status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ).exists()
    assert _client(head).get(f"/care/attachments/{attachment.pk}/").status_code == 200
    assert AuditEntry.objects.get(action=AuditAction.SENSITIVE_READ).actor == head


def test_the_officer_is_not_offered_to_withdraw_once_a_grant_is_approved(
    in_progress, officer, welfare, care_budget
):
    page = _client(officer.user).get(f"/care/requests/{in_progress.pk}/").context
    assert page["withdraw_form"] is not None
    services.grant_propose(request=in_progress, actor=welfare, amount="1000", purpose="慰问金")
    page = _client(officer.user).get(f"/care/requests/{in_progress.pk}/").context
    assert page["withdraw_form"] is None  # services.request_withdraw would refuse it
