"""The officer's award pages: open programmes and my applications, applying for a child (draft, then
submit), an application's page with its problems, history, edit and withdraw, and the admission letter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from audit.models import AuditAction, AuditEntry
from awards import services
from awards.models import Application, ApplicationEvent, Status
from tests.awards.conftest import PDF, YEAR, apply, family_of, letter, make_programme
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _form(child, university, /, **values) -> dict:
    data = {
        "child": child.pk,
        "university": f"{university.name} ({university.code})",
        "admission_year": YEAR,
        "major": "计算机科学与技术",
        "letter": letter(),
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def _apply_url(programme) -> str:
    return f"/awards/programmes/{programme.pk}/apply/"


def _url(application, suffix: str = "") -> str:
    return f"/awards/applications/{application.pk}/{suffix}"


# --- Programmes and my applications ---------------------------------------------------------------------


def test_it_lists_open_programmes_with_their_amounts_and_only_my_applications(
    programme, draft, officer, outsider, universities, welfare
):
    theirs = apply(programme, outsider, outsider.family_members.get(), universities["211"])
    make_programme(
        welfare, year=YEAR - 1, opens_on=dt.date(YEAR - 1, 7, 1), closes_on=dt.date(YEAR - 1, 8, 31)
    )
    response = _client(officer.user).get("/awards/")
    assert response.status_code == 200
    html = response.content.decode()
    assert [p.pk for p, _amounts in response.context["programmes"]] == [programme.pk]  # last year's closed
    assert [(str(label), int(amount)) for label, amount in response.context["programmes"][0][1]] == [
        ("985 Project", 10000),
        ("211 Project", 6000),
        ("Double First-Class", 3000),
    ]
    assert "985 Project: <strong>¥10,000</strong>" in html
    assert f'href="/awards/programmes/{programme.pk}/apply/"' in html
    assert [a.pk for a in response.context["applications"]] == [draft.pk]
    assert f'href="/awards/applications/{draft.pk}/"' in html
    assert f'href="/awards/applications/{theirs.pk}/"' not in html
    assert 'data-status="draft"' in html
    assert 'data-testid="award-no-children"' not in html


def test_an_officer_without_children_is_sent_to_the_family_page(programme, officer):
    officer.family_members.filter(relation="child").delete()
    html = _client(officer.user).get("/awards/").content.decode()
    assert 'data-testid="award-no-children"' in html
    assert 'href="/family/"' in html
    form = _client(officer.user).get(_apply_url(programme))
    assert 'data-testid="award-no-children"' in form.content.decode()
    assert list(form.context["form"].fields["child"].queryset) == []


# Session, user, the officer (cached on the user for the navigation), open programmes, my applications
# (programme, unit, child, university and payment joined), whether I have a child, role assignments for
# the navigation, session save (savepoint, UPDATE, release).
HOME_QUERIES = 10


@pytest.mark.parametrize("count", [1, 3])
def test_the_home_page_costs_the_same_queries_for_1_or_3_applications(
    programme, officer, child, universities, count, django_assert_num_queries
):
    children = [child] + [
        family_of(officer, relation="child", name=f"陈思{n}", birth_date=dt.date(YEAR - 18, 1, n + 1))
        for n in range(count - 1)
    ]
    for kid in children:
        services.application_submit(
            application=apply(programme, officer, kid, universities["985"]), actor=officer.user
        )
    client = _client(officer.user)
    client.get("/awards/")  # warm the session
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get("/awards/")
    assert len(response.context["applications"]) == count
    assert response.content.decode().count('data-status="submitted"') == count


def test_my_applications_page_lists_mine_only(draft, officer, outsider):
    response = _client(officer.user).get("/awards/applications/")
    assert [a.pk for a in response.context["page"]] == [draft.pk]
    assert _client(outsider.user).get("/awards/applications/").context["page"].paginator.count == 0


def test_anonymous_visitors_are_sent_to_log_in(programme):
    response = Client().get("/awards/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- Applying -------------------------------------------------------------------------------------------


def test_it_saves_a_draft_shows_its_problems_and_submits_once_they_are_fixed(
    programme, officer, child, universities
):
    client = _client(officer.user)
    form = client.get(_apply_url(programme))
    assert form.context["form"]["admission_year"].value() == YEAR
    assert 'list="award-universities"' in form.content.decode()
    assert '<option value="北京大学 (4111010001)">' in form.content.decode()
    response = client.post(_apply_url(programme), _form(child, universities["none"]))
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == _url(application)
    assert (application.status, application.officer, application.child) == (Status.DRAFT, officer, child)
    assert (application.university, application.major) == (universities["none"], "计算机科学与技术")
    assert application.letter_type == "application/pdf"

    page = client.get(_url(application)).content.decode()
    assert "北方工业大学 is not on a list of universities this programme awards." in page
    assert 'data-testid="award-problems"' in page

    refused = client.post(_url(application, "submit/"), follow=True)
    assert "北方工业大学 is not on a list of universities this programme awards." in _messages(refused)
    application.refresh_from_db()
    assert application.status == Status.DRAFT

    changed = client.post(_url(application, "edit/"), _form(child, universities["985"], letter=None))
    assert changed.status_code == 302
    page = client.get(_url(application)).content.decode()
    assert 'data-testid="award-eligible"' in page and 'data-testid="award-problems"' not in page
    assert "¥10,000 if approved" in page

    submitted = client.post(_url(application, "submit/"), follow=True)
    assert any("has been submitted" in message for message in _messages(submitted))
    application.refresh_from_db()
    assert (application.status, application.tier, int(application.amount)) == (Status.SUBMITTED, "985", 10000)
    assert list(application.events.values_list("decision", flat=True)) == ["submit"]


def test_the_university_can_be_given_by_its_code_and_an_unknown_one_is_a_form_error(
    programme, officer, child, universities, settings
):
    client = _client(officer.user)
    unknown = client.post(_apply_url(programme), _form(child, universities["985"], university="北京某大学"))
    assert unknown.status_code == 200
    assert "Choose a university from the list" in " ".join(unknown.context["form"].errors["university"])
    assert not Application.objects.exists()
    by_code = client.post(_apply_url(programme), _form(child, universities["211"], university="4111010004"))
    assert by_code.status_code == 302
    assert Application.objects.get().university == universities["211"]


def test_a_letter_that_is_not_a_pdf_or_an_image_is_a_form_error_and_nothing_is_stored(
    programme, officer, child, universities, settings
):
    fake = SimpleUploadedFile("录取通知书.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    response = _client(officer.user).post(
        _apply_url(programme), _form(child, universities["985"], letter=fake)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["letter"] == [
        "录取通知书.pdf is not a PDF or an image (JPEG, PNG, WebP)."
    ]
    assert not Application.objects.exists()
    assert _stored_files(settings) == []


def test_a_letter_over_the_size_limit_is_refused(programme, officer, child, universities, settings):
    settings.AWARD_LETTER_MAX_BYTES = 1024
    big = letter(content=PDF + b"0" * 2048)
    response = _client(officer.user).post(
        _apply_url(programme), _form(child, universities["985"], letter=big)
    )
    assert "is larger than" in " ".join(response.context["form"].errors["letter"])
    assert not Application.objects.exists()
    assert _stored_files(settings) == []


def test_a_second_application_for_the_same_child_is_refused_in_words(
    draft, programme, officer, child, universities
):
    response = _client(officer.user).post(_apply_url(programme), _form(child, universities["211"]))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"陈思源 already has an application for {programme.title}."
    ]
    assert 'data-testid="award-form-error"' in response.content.decode()
    assert list(Application.objects.values_list("pk", flat=True)) == [draft.pk]


def test_another_officers_child_cannot_be_chosen(programme, officer, outsider, universities, settings):
    their_child = outsider.family_members.get(relation="child")
    response = _client(officer.user).post(_apply_url(programme), _form(their_child, universities["985"]))
    assert response.status_code == 200
    assert response.context["form"].errors["child"] == ["Choose one of your children from your family list."]
    assert not Application.objects.exists()
    assert _stored_files(settings) == []
    choices = [member.pk for member in response.context["form"].fields["child"].queryset]
    assert choices == list(officer.family_members.filter(relation="child").values_list("pk", flat=True))


def test_a_closed_programme_sends_the_officer_back_with_its_dates(welfare, awards_budget, officer):
    closed = make_programme(
        welfare, year=YEAR - 1, opens_on=dt.date(YEAR - 1, 7, 1), closes_on=dt.date(YEAR - 1, 8, 31)
    )
    response = _client(officer.user).get(_apply_url(closed), follow=True)
    assert response.redirect_chain[-1][0] == "/awards/"
    assert _messages(response) == [
        f"Applications for {closed.title} are accepted from {YEAR - 1}-07-01 to {YEAR - 1}-08-31."
    ]
    teacher = make_programme(welfare, kind="teacher", budget="1000")
    assert _client(officer.user).get(_apply_url(teacher)).status_code == 404


# --- One application ------------------------------------------------------------------------------------


def test_the_page_shows_the_facts_and_the_history(submitted, officer):
    html = _client(officer.user).get(_url(submitted)).content.decode()
    assert "北京大学" in html and "985 Project" in html
    assert f'href="/awards/applications/{submitted.pk}/letter/"' in html
    assert 'data-decision="submit"' in html
    assert 'data-testid="award-withdraw-form"' in html
    assert 'data-testid="award-submit-form"' not in html  # no longer a draft
    assert 'data-testid="award-problems"' not in html


def test_a_return_reason_is_shown_to_the_officer_who_changes_and_resubmits(
    submitted, unit_admin, officer, universities
):
    services.unit_review(
        application=submitted, reviewer=unit_admin.user, decision="return", reason="请补充录取通知书原件照片"
    )
    client = _client(officer.user)
    html = client.get(_url(submitted)).content.decode()
    assert 'data-testid="award-returned"' in html
    assert html.count("请补充录取通知书原件照片") == 2  # the alert and the history
    assert 'data-testid="award-edit-link"' in html
    new_letter = letter("原件照片.pdf")
    edited = client.post(
        _url(submitted, "edit/"),
        _form(submitted.child, universities["985"], letter=new_letter, major="临床医学"),
    )
    assert edited.status_code == 302
    client.post(_url(submitted, "submit/"))
    submitted.refresh_from_db()
    assert (submitted.status, submitted.major) == (Status.SUBMITTED, "临床医学")
    assert list(submitted.events.values_list("decision", flat=True)) == ["submit", "return", "submit"]


def test_a_submitted_application_cannot_be_edited(submitted, officer):
    response = _client(officer.user).get(_url(submitted, "edit/"), follow=True)
    assert _messages(response) == ["Only a draft or a returned application can be changed."]
    assert response.redirect_chain[-1][0] == _url(submitted)


def test_i_withdraw_my_application_with_a_reason(submitted, officer):
    response = _client(officer.user).post(
        _url(submitted, "withdraw/"), {"reason": "孩子选择出国留学"}, follow=True
    )
    assert _messages(response) == ["Your application has been withdrawn."]
    submitted.refresh_from_db()
    assert submitted.status == Status.WITHDRAWN
    assert submitted.events.last().reason == "孩子选择出国留学"
    assert 'data-testid="award-withdraw-form"' not in response.content.decode()


def test_an_approved_application_cannot_be_withdrawn_and_the_officer_is_told_why(approved, officer):
    response = _client(officer.user).post(_url(approved, "withdraw/"), follow=True)
    assert _messages(response) == ["An approved application cannot be withdrawn; ask the welfare office."]
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED


def test_a_paid_award_shows_the_payment_entry_and_date(in_notice, welfare, officer):
    with time_machine.travel(in_notice.notice_ends_on + dt.timedelta(days=1), tick=False):
        paid = services.application_pay(application=in_notice, actor=welfare)
    html = _client(officer.user).get(_url(paid)).content.decode()
    day = (in_notice.notice_ends_on + dt.timedelta(days=1)).isoformat()
    assert f"on {day} (fund entry no. {paid.payment_id})" in html
    assert f"{in_notice.notice_starts_on:%Y-%m-%d} to {in_notice.notice_ends_on:%Y-%m-%d}" in html
    assert 'data-status="paid"' in html


def test_the_objector_is_never_named_in_the_history(in_notice, outsider, officer):
    services.objection_lodge(application=in_notice, user=outsider.user, text="该生实际被专科录取")
    html = _client(officer.user).get(_url(in_notice)).content.decode()
    assert 'data-decision="hold"' in html
    assert outsider.name not in html
    assert ApplicationEvent.objects.get(application=in_notice, decision="hold").actor == outsider.user


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("get", "edit/"),
        ("post", "edit/"),
        ("post", "submit/"),
        ("post", "withdraw/"),
        ("get", "letter/"),
    ],
)
def test_someone_elses_application_answers_404(draft, outsider, method, suffix):
    response = getattr(_client(outsider.user), method)(_url(draft, suffix))
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert not AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ).exists()


def test_a_reviewer_works_on_their_own_pages_not_the_officers(submitted, unit_admin, welfare):
    for staff in (unit_admin.user, welfare):
        assert _client(staff).get(_url(submitted)).status_code == 404
        assert _client(staff).post(_url(submitted, "withdraw/")).status_code == 404


# --- The admission letter -------------------------------------------------------------------------------


def test_the_officer_downloads_the_letter_without_an_audit_row(draft, officer):
    response = _client(officer.user).get(_url(draft, "letter/"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="admission-letter-{draft.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert not AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ).exists()


def test_a_reviewer_reads_the_letter_and_the_read_is_audited(draft, officer, unit_admin, outsider, city):
    # A draft is the officer's alone.
    assert _client(unit_admin.user).get(_url(draft, "letter/")).status_code == 404
    services.application_submit(application=draft, actor=officer.user)
    response = _client(unit_admin.user).get(_url(draft, "letter/"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    entry = AuditEntry.objects.get(action=AuditAction.SENSITIVE_READ)
    assert (entry.actor, entry.object_id) == (unit_admin.user, str(draft.pk))
    assert entry.detail == {"what": "award_letter", "officer": "100001", "channel": "web"}
    # A unit admin elsewhere does not see it.
    elsewhere = OfficerFactory(org_unit=outsider.org_unit, police_number="200009")
    from tests.factories import RoleAssignmentFactory

    RoleAssignmentFactory(user=elsewhere.user, role="unit_admin", org_unit=outsider.org_unit)
    assert _client(elsewhere.user).get(_url(draft, "letter/")).status_code == 404
    assert AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ).count() == 1


def test_an_application_without_a_letter_has_nothing_to_download(programme, officer, child, universities):
    application = apply(programme, officer, child, universities["985"], letter=None)
    assert _client(officer.user).get(_url(application, "letter/")).status_code == 404
    html = _client(officer.user).get(_url(application)).content.decode()
    assert "Upload the admission letter (PDF or a photo)." in html
