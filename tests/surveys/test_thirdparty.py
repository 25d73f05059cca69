"""Third parties: anonymised, shuffled, k-anonymous response exports (audited) and external benchmarks."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditAction, AuditEntry
from surveys import services, thirdparty
from surveys.models import Campaign, CampaignStatus, ExternalBenchmark, Instrument
from tests.factories import OfficerFactory, OrgUnitFactory, RoleAssignmentFactory

pytestmark = pytest.mark.django_db

H = thirdparty.HIDDEN


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def campaign(city):
    if not Instrument.objects.exists():  # a transactional test elsewhere flushed the shipped instrument
        importlib.import_module("surveys.migrations.0002_default_instrument").install(apps)
    now = timezone.now()
    return Campaign.objects.create(
        title="2025年度民警幸福指数调查",
        instrument=Instrument.objects.get(code="welfare-index", version=1),
        population_unit=city,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=14),
        status=CampaignStatus.OPEN,
    )


@pytest.fixture
def welfare_office(city):
    staff = OfficerFactory(org_unit=city, police_number="100003", user__username="welfare")
    RoleAssignmentFactory(user=staff.user, role="welfare_office", org_unit=city)
    return staff


def _answer(campaign, officers, comment=""):
    answers = {item.code: 4 for item in services.items_of(campaign)}
    for officer in officers:
        services.response_submit(campaign=campaign, officer=officer, answers=answers, comment=comment)


@pytest.fixture
def answered(campaign, city, station, other_station):
    """东城: 6 police in their 40s, 5 in their 30s, 2 auxiliaries; 西城: 7 police; 指挥中心: 5 police."""
    centre = OrgUnitFactory(code="C-ZH", name="指挥中心", kind="centre", parent=city)
    _answer(campaign, OfficerFactory.create_batch(6, org_unit=station), comment="我是城关所的老张")
    _answer(campaign, OfficerFactory.create_batch(5, org_unit=station, birth_date=dt.date(1995, 6, 1)))
    _answer(campaign, OfficerFactory.create_batch(2, org_unit=station, kind="auxiliary"))
    _answer(campaign, OfficerFactory.create_batch(7, org_unit=other_station))
    _answer(campaign, OfficerFactory.create_batch(5, org_unit=centre))
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.CLOSED)
    campaign.refresh_from_db()
    return campaign


def test_anonymise_blanks_small_groups_with_the_subtraction_rule():
    rows = (
        [["东城", "police", "30-39", 4]] * 6
        + [["东城", "police", "40-49", 5]] * 5
        + [["东城", "auxiliary", "20-29", 3]] * 2
    )
    out = thirdparty._anonymise(rows, 5)
    assert Counter((r[0], r[1], r[2]) for r in out) == {
        ("东城", "police", "30-39"): 6,
        ("东城", H, H): 7,  # the 2 auxiliaries, and the next smallest group so that 13 − 6 gives nothing away
    }
    assert sorted(r[3] for r in out) == sorted(r[3] for r in rows)  # the answers are all still there


def test_anonymise_blanks_small_units_and_drops_what_stays_under_the_minimum():
    rows = [["东城", "police", "30-39", 4]] * 5 + [["西城", "police", "30-39", 4]] * 2
    out = thirdparty._anonymise(rows, 5)
    assert Counter(tuple(r[:3]) for r in out) == {("东城", "police", "30-39"): 5}  # 2 left: dropped
    rows += [["南湖", "auxiliary", "20-29", 3]] * 3
    out = thirdparty._anonymise(rows, 5)
    assert Counter(tuple(r[:3]) for r in out) == {("东城", "police", "30-39"): 5, (H, H, H): 5}


def test_the_export_has_no_comment_counties_only_and_every_class_reaches_the_minimum(answered):
    header, rows = thirdparty.export_table(answered, rng=random.Random(1))
    assert header[:3] == ["unit", "officer_kind", "age_band"]
    assert header[3:] == [item.code for item in services.items_of(answered) if item.module == "core"]
    assert not any("老张" in str(value) for row in rows for value in row)
    classes = Counter(tuple(row[:3]) for row in rows)
    assert classes == {
        ("东城分局", "police", "40-49"): 6,
        ("东城分局", H, H): 7,  # the 2 auxiliaries, and the 5 in their 30s (the subtraction rule)
        ("西城分局", "police", "40-49"): 7,
        ("市公安局", "police", "40-49"): 5,  # a centre is folded into the city
    }
    assert {row[3] for row in rows} == {4}


def test_the_rows_come_in_a_random_order(answered):
    orders = {
        tuple(tuple(row[:3]) for row in thirdparty.export_table(answered, rng=random.Random(seed))[1])
        for seed in range(5)
    }
    assert len(orders) > 1


def test_the_welfare_office_downloads_an_audited_formula_safe_workbook(answered, welfare_office, county):
    county.name = '=HYPERLINK("http://x")'
    county.save()
    response = _client(welfare_office.user).get(
        reverse("survey-third-party-export", args=[answered.pk, "xlsx"])
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values.count('\'=HYPERLINK("http://x")') == 13
    entry = AuditEntry.objects.get(action=AuditAction.SENSITIVE_READ)
    assert (entry.actor, entry.detail) == (
        welfare_office.user,
        {"what": "survey_responses_export", "campaign": answered.pk},
    )


def test_others_cannot_export(answered, unit_admin, officer, welfare_office):
    url = reverse("survey-third-party-export", args=[answered.pk, "csv"])
    for user in (unit_admin.user, officer.user):
        assert _client(user).get(url).status_code == 403
        assert _client(user).get(reverse("survey-third-party")).status_code == 403
    Campaign.objects.filter(pk=answered.pk).update(status=CampaignStatus.OPEN)  # still being answered
    assert _client(welfare_office.user).get(url).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ).exists()


def test_the_export_command_writes_a_csv_and_is_audited(answered, tmp_path):
    target = tmp_path / "out.csv"
    call_command("export_responses", str(answered.pk), str(target), stdout=io.StringIO())
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["unit", "officer_kind", "age_band"]
    assert len(rows) == 1 + 25
    entry = AuditEntry.objects.get(action=AuditAction.SENSITIVE_READ)
    assert (entry.actor, entry.actor_username, entry.detail["campaign"]) == (None, "manage.py", answered.pk)
    with pytest.raises(CommandError):
        call_command("export_responses", str(answered.pk), str(tmp_path / "out.txt"))


def test_import_benchmark_adds_then_corrects(db):
    args = ["import_benchmark", "--title", "第三方测评 2025", "--date", "2025-12-15", "--index", "89.9"]
    call_command(*args, stdout=io.StringIO())
    call_command(*args[:-1], "89.7", "--source", "某调查公司", stdout=io.StringIO())
    benchmark = ExternalBenchmark.objects.get()
    assert (benchmark.index, benchmark.source, benchmark.measured_on) == (
        Decimal("89.7"),
        "某调查公司",
        dt.date(2025, 12, 15),
    )
    with pytest.raises(CommandError):
        call_command(*args[:4], "15/12/2025", "--index", "89.9")
    with pytest.raises(CommandError):
        call_command(*args[:-1], "189")


def test_the_page_lists_campaigns_and_takes_a_benchmark(answered, welfare_office):
    client = _client(welfare_office.user)
    response = client.get(reverse("survey-third-party"))
    assert list(response.context["campaigns"]) == [answered]
    response = client.post(
        reverse("survey-third-party"),
        {"title": "第三方测评 2025", "measured_on": "2025-12-15", "index": "89.9", "source": ""},
    )
    assert response.status_code == 302
    assert ExternalBenchmark.objects.get().index == Decimal("89.9")
