"""The printable health report: what it holds, who may print whose (404 otherwise), the audit, its cost."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pypdf
import pytest
import time_machine
from django.test import Client

from audit.models import AuditEntry
from health.models import Checkup, CheckupResult, ExerciseRecord, Indicator, MealRecord
from health.report import health_report_pdf
from tests.factories import OfficerFactory, RoleAssignmentFactory, UserFactory
from welfare import pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

TODAY = dt.date(
    2025, 4, 16
)  # a Wednesday: the last four complete weeks start 17, 24 March, 31 March, 7 April
FIRST_WEEK = dt.date(2025, 3, 17)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _checkup(officer, date: dt.date, **values) -> Checkup:
    checkup = Checkup.objects.create(officer=officer, date=date, institution="市中医院")
    for code, (value, category, flag) in values.items():
        indicator = Indicator.objects.get(code=code)
        CheckupResult.objects.create(
            checkup=checkup,
            indicator=indicator,
            value=Decimal(value),
            unit=indicator.unit,
            category=category,
            flag=flag,
        )
    return checkup


def _daily_records(officer, *, start: dt.date, end: dt.date) -> None:
    """Daily exercise and a canteen lunch on every day from ``start`` to ``end``."""
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    ExerciseRecord.objects.bulk_create(
        ExerciseRecord(officer=officer, date=day, steps=4500, active_minutes=15, source="device")
        for day in days
    )
    MealRecord.objects.bulk_create(
        MealRecord(officer=officer, date=day, meal="lunch", salt_g=Decimal("6.5"), vegetables_g=Decimal(350))
        for day in days
    )


@pytest.fixture
def patient(officer):
    _checkup(
        officer, dt.date(2024, 4, 1), sbp=("128", "high_normal", "high"), dbp=("82", "high_normal", "high")
    )
    _checkup(
        officer,
        dt.date(2025, 4, 1),
        sbp=("162", "hypertension_2", "high"),
        dbp=("96", "hypertension_2", "high"),
        fpg=("5.2", "normal", "normal"),
    )
    _daily_records(officer, start=FIRST_WEEK, end=TODAY)
    return officer


@pytest.fixture
def health_staff(county):
    staff = OfficerFactory(org_unit=county, police_number="100088", user__username="doctor")
    RoleAssignmentFactory(user=staff.user, role="health_staff", org_unit=county)
    return staff


@pytest.fixture(params=["system font", "built-in CID font"])
def any_font(request, monkeypatch, settings):
    """The report in whatever CJK font the machine has, and in the fallback every machine has."""
    settings.PDF_FONT_PATH = ""
    if request.param == "built-in CID font":
        monkeypatch.setattr(pdf, "SYSTEM_FONT_CANDIDATES", ())
    return request.param


def test_it_holds_the_officer_the_latest_checkup_the_trends_and_the_weeks(patient, any_font, english):
    text = _text(health_report_pdf(patient, today=TODAY))
    if any_font == "built-in CID font":
        assert (pdf.cjk_font().name, pdf.cjk_font().embedded) == (pdf.CID_FALLBACK, False)
    assert patient.name in text
    assert "100001" in text
    assert "城关派出所" in text
    assert "Personal health report" in text
    assert "2025-04-16" in text  # printed on
    # Risk with its reason, the latest values with their flags, both checkup dates in the trends.
    assert "grade 2 hypertension" in text
    assert "Blood pressure 162/96 mmHg" in text
    assert "162 ↑" in text
    assert "2024-04-01" in text and "2025-04-01" in text
    # Four complete weeks, oldest first; the current week (from 14 April) is not one of them.
    assert "2025-03-17" in text and "2025-04-07" in text
    assert "2025-04-14" not in text
    # Salt 6.5 g a day is above the limit of 5 g; 4,500 steps are below 6,000.
    assert "6.5 ↑" in text
    assert "4,500 ↓" in text
    assert "This report contains personal health information; keep it safe." in text
    assert "Page 1 of" in text


def test_it_prints_the_words_when_the_font_has_no_arrows(patient, monkeypatch, english):
    monkeypatch.setattr(pdf.PdfFont, "covers", lambda self, text: False)
    text = _text(health_report_pdf(patient, today=TODAY))
    assert "↑" not in text
    assert "162 high" in text
    assert "4,500 low" in text


def test_trends_show_at_most_the_last_five_checkups(officer, english):
    for year in range(2016, 2026):
        _checkup(officer, dt.date(year, 4, 1), sbp=(str(110 + year - 2016), "normal", "normal"))
    text = _text(health_report_pdf(officer, today=TODAY))
    assert "2021-04-01" in text and "2025-04-01" in text
    assert "2020-04-01" not in text


def test_an_officer_without_checkups_or_records_gets_a_report_saying_so(officer, english):
    text = _text(health_report_pdf(officer, today=TODAY))
    assert officer.name in text
    assert "No checkup on record yet." in text
    assert "Latest checkup" not in text
    assert "No canteen records in these weeks." in text
    assert "No exercise records in these weeks." in text
    assert "No follow-ups." in text


def test_it_lists_the_follow_ups_and_the_adviser(patient, english):
    from health.models import FollowUp, HealthProfile
    from tests.factories import UserFactory

    adviser = UserFactory(username="wu", first_name="文清", last_name="吴")
    HealthProfile.objects.create(officer=patient, adviser=adviser)
    checkup = patient.checkups.order_by("-date").first()
    FollowUp.objects.create(
        officer=patient,
        checkup=checkup,
        risk_level="red",
        indicators=["sbp", "dbp"],
        due_date=dt.date(2025, 4, 20),
        status="done",
        outcome="referred",
    )
    text = _text(health_report_pdf(patient, today=TODAY))
    assert f"Health adviser: {adviser.display_name}" in text
    assert "2025-04-20" in text
    assert "referred to a hospital" in text


@time_machine.travel(dt.datetime(2025, 4, 16, 10, 0, tzinfo=dt.UTC), tick=False)
def test_an_officer_prints_their_own_report_without_an_audit_row(patient):
    response = _client(patient.user).get("/health/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'inline; filename="health-report-100001-20250416.pdf"; '
        "filename*=UTF-8''health-report-100001-20250416.pdf"
    )
    assert "no-store" in response["Cache-Control"]
    text = _text(response.content)
    assert patient.name in text and "162" in text
    assert not AuditEntry.objects.filter(action="sensitive_read").exists()


def test_an_account_without_an_officer_profile_has_no_report(db):
    assert _client(UserFactory()).get("/health/report.pdf").status_code == 404


def test_the_own_report_needs_a_log_in(patient):
    response = Client().get("/health/report.pdf")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_health_staff_in_scope_print_it_and_the_read_is_audited(patient, health_staff):
    response = _client(health_staff.user).get(f"/health/officers/{patient.police_number}/report.pdf")
    assert response.status_code == 200
    text = _text(response.content)
    assert patient.name in text and "100001" in text
    entry = AuditEntry.objects.get(action="sensitive_read")
    assert (entry.actor, entry.object_id) == (health_staff.user, str(patient.pk))
    assert entry.detail == {"what": "health_archive", "channel": "pdf", "police_number": "100001"}


def test_the_officer_may_use_the_staff_address_for_their_own_report_unaudited(patient):
    response = _client(patient.user).get(f"/health/officers/{patient.police_number}/report.pdf")
    assert response.status_code == 200
    assert not AuditEntry.objects.filter(action="sensitive_read").exists()


@pytest.mark.parametrize("who", ["outsider", "unit_admin", "leader", "other_health_staff"])
def test_everybody_else_gets_404_and_nothing_is_recorded(
    patient, outsider, unit_admin, county, other_county, who
):
    if who == "outsider":
        user = outsider.user
    elif who == "unit_admin":
        user = unit_admin.user
    else:
        user = UserFactory()
        role, unit = ("leader", county) if who == "leader" else ("health_staff", other_county)
        RoleAssignmentFactory(user=user, role=role, org_unit=unit)
    client = _client(user)
    assert client.get(f"/health/officers/{patient.police_number}/report.pdf").status_code == 404
    assert client.get("/health/officers/999999/report.pdf").status_code == 404
    assert not AuditEntry.objects.filter(action="sensitive_read").exists()


def test_it_answers_get_only(patient, health_staff):
    url = f"/health/officers/{patient.police_number}/report.pdf"
    assert _client(health_staff.user).post(url).status_code == 405
    assert not AuditEntry.objects.filter(action="sensitive_read").exists()


def test_the_archive_page_links_to_the_right_report(patient, health_staff):
    own = _client(patient.user).get("/health/").content.decode()
    assert 'href="/health/report.pdf"' in own
    staff = _client(health_staff.user).get(f"/health/officers/{patient.police_number}/").content.decode()
    assert f'href="/health/officers/{patient.police_number}/report.pdf"' in staff


def test_the_report_costs_the_same_queries_for_one_year_or_five(station, django_assert_num_queries):
    def officer_with(years: int):
        officer = OfficerFactory(org_unit=station)
        for year in range(2026 - years, 2026):
            _checkup(
                officer,
                dt.date(year, 1, 10),
                sbp=("150", "hypertension_1", "high"),
                dbp=("92", "hypertension_1", "high"),
                bmi=("25.1", "overweight", "high"),
            )
        _daily_records(officer, start=dt.date(2026 - years, 1, 1), end=dt.date(2026, 3, 31))
        return officer

    one_year, five_years = officer_with(1), officer_with(5)
    health_report_pdf(one_year, today=dt.date(2026, 4, 1))  # fonts registered outside the count
    # archive_of: latest checkup, its results with indicators, health profile with adviser, trends,
    # checkup count, four weeks of meals (one aggregate each), four weeks of exercise (one each),
    # follow-ups.
    with django_assert_num_queries(14):
        small = health_report_pdf(one_year, today=dt.date(2026, 4, 1))
    with django_assert_num_queries(14):
        large = health_report_pdf(five_years, today=dt.date(2026, 4, 1))
    assert "2021-01-10" in _text(large) and "2021-01-10" not in _text(small)
