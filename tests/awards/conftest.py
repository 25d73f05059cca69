"""Award fixtures: universities of each tier, a funded awards budget, the two programmes of the year,
and an officer's child admitted this year.

The people (tests/conftest.py and these): ``officer`` (100001, 城关派出所) with a child 陈思源; the
``unit_admin`` of 东城分局 reviews the first stage; ``welfare`` and ``head`` are welfare-office members
over the city; ``outsider`` is an officer of 西城分局.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from awards import services
from awards.models import ProgrammeKind, University
from care import fund as ledger
from tests.factories import FamilyMemberFactory, OfficerFactory, RoleAssignmentFactory

YEAR = timezone.localdate().year
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def welfare(city):
    member = OfficerFactory(org_unit=city, police_number="100020", name="赵敏", user__username="welfare")
    RoleAssignmentFactory(user=member.user, role="welfare_office", org_unit=city)
    return member.user


@pytest.fixture
def head(city):
    boss = OfficerFactory(org_unit=city, police_number="100021", name="王静", user__username="head")
    RoleAssignmentFactory(user=boss.user, role="welfare_office", org_unit=city)
    RoleAssignmentFactory(user=boss.user, role="welfare_head", org_unit=city)
    return boss.user


def _university(code: str, name: str, province: str, **flags) -> University:
    """The shipped row when the data migration loaded it (transactional tests flush it: made again)."""
    values = {"is_985": False, "is_211": False, "is_double_first_class": False, **flags}
    university, _created = University.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "province": province,
            "list_date": dt.date(2022, 2, 14),
            "active": True,
            **values,
        },
    )
    return university


@pytest.fixture
def shipped_universities(db):
    """The shipped list, loaded again by the data migration's own function if a flush emptied the table."""
    import importlib

    from django.apps import apps

    if not University.objects.filter(is_985=True).exists():
        importlib.import_module("awards.migrations.0002_universities").load(apps, None)
    return University.objects.all()


@pytest.fixture
def universities(db):
    return {
        "985": _university(
            "4111010001", "北京大学", "北京", is_985=True, is_211=True, is_double_first_class=True
        ),
        "211": _university("4111010004", "北京交通大学", "北京", is_211=True, is_double_first_class=True),
        "dfc": _university("4132010312", "南京医科大学", "江苏", is_double_first_class=True),
        "none": _university("4111010009", "北方工业大学", "北京"),
    }


@pytest.fixture
def awards_budget(db):
    fund = ledger.default_fund()
    ledger.donation_record(fund=fund, amount="200000", donor="爱警基金", idempotency_key="t-don", actor=None)
    ledger.allocation_record(
        budget=ledger.budget_of("awards"), amount="200000", idempotency_key="t-alloc", actor=None
    )
    return ledger.budget_of("awards")


def make_programme(actor, *, kind=ProgrammeKind.SCHOLARSHIP, budget="50000", **values):
    today = timezone.localdate()
    defaults = {
        "title": f"{YEAR}年金盾优学奖" if kind == ProgrammeKind.SCHOLARSHIP else f"{YEAR}年金盾园丁奖",
        "opens_on": today - dt.timedelta(days=10),
        "closes_on": today + dt.timedelta(days=20),
        "amount_985": Decimal("10000"),
        "amount_211": Decimal("6000"),
        "amount_dfc": Decimal("3000"),
        "notice_days": 5,
    }
    if kind == ProgrammeKind.TEACHER:
        defaults.update(amount_985=Decimal("2000"), amount_211=Decimal("1500"), amount_dfc=Decimal("1000"))
    return services.programme_create(actor=actor, kind=kind, year=values.pop("year", YEAR), budget=budget,
                                     **{**defaults, **values})  # fmt: skip


@pytest.fixture
def programme(welfare, awards_budget):
    return make_programme(welfare)


@pytest.fixture
def teacher_programme(welfare, awards_budget):
    return make_programme(welfare, kind=ProgrammeKind.TEACHER, budget="10000")


@pytest.fixture
def child(officer):
    """陈思源, born 2008: 18 on 1 September of this year's admissions (the officer fixture's child)."""
    found = officer.family_members.get(relation="child")
    found.birth_date = dt.date(YEAR - 18, 3, 9)
    found.save()
    return found


def letter(name="录取通知书.pdf", content=PDF):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def apply(programme, officer, child, university, **values):
    return services.application_create(
        programme=programme,
        officer=officer,
        child=child,
        university=university,
        admission_year=values.pop("admission_year", programme.year),
        actor=officer.user,
        letter=values.pop("letter", letter()),
        **values,
    )


@pytest.fixture
def draft(programme, officer, child, universities):
    return apply(programme, officer, child, universities["985"])


@pytest.fixture
def submitted(draft, officer):
    return services.application_submit(application=draft, actor=officer.user)


@pytest.fixture
def unit_approved(submitted, unit_admin):
    return services.unit_review(application=submitted, reviewer=unit_admin.user, decision="approve")


@pytest.fixture
def approved(unit_approved, welfare):
    return services.welfare_review(application=unit_approved, reviewer=welfare, decision="approve")


@pytest.fixture
def in_notice(approved, welfare):
    return services.notice_start(application=approved, actor=welfare)


def family_of(officer, **values):
    return FamilyMemberFactory(officer=officer, **values)
