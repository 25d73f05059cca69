"""Care fixtures: the welfare office (a member and a head), a fund with money, and requests in each state.

The people: ``officer`` (100001, 城关派出所 in 东城分局) asks for help; ``unit_admin`` covers 东城分局;
``welfare`` is a welfare-office member over the city; ``head`` is a head of the welfare office (also a
member); ``outsider`` is an officer of 西城分局.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from care import fund as ledger
from care import services
from care.models import BudgetKind, CareRequest
from tests.factories import OfficerFactory, RoleAssignmentFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


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


@pytest.fixture
def fund(db):
    return ledger.default_fund()


def fill(fund, **amounts) -> None:
    """Donate and allocate: fill(fund, care_grants="100000", awards="50000")."""
    total = sum((Decimal(v) for v in amounts.values()), Decimal("0"))
    ledger.donation_record(
        fund=fund, amount=total, donor="市慈善总会", idempotency_key=f"test-donation-{total}", actor=None
    )
    for kind, amount in amounts.items():
        ledger.allocation_record(
            budget=ledger.budget_of(kind, fund=fund),
            amount=amount,
            idempotency_key=f"test-allocation-{kind}-{amount}",
            actor=None,
        )


@pytest.fixture
def funded(fund):
    fill(fund, care_grants="100000.00", awards="50000.00")
    fund.refresh_from_db()
    return fund


@pytest.fixture
def care_budget(funded):
    return ledger.budget_of(BudgetKind.CARE_GRANTS)


def submit(officer, *, by=None, category="hardship", confidential=False, **values) -> CareRequest:
    return services.request_submit(
        officer=officer,
        submitted_by=by or officer.user,
        category=category,
        title=values.pop("title", "家中老人住院"),
        description=values.pop("description", "父亲脑梗住院，需要陪护和费用支持。"),
        confidential=confidential,
        **values,
    )


@pytest.fixture
def submitted(officer):
    return submit(officer)


@pytest.fixture
def accepted(submitted, welfare):
    return services.request_accept(request=submitted, handler=welfare, actor=welfare)


@pytest.fixture
def in_progress(accepted, welfare):
    services.action_add(
        request=accepted, actor=welfare, kind="call", text="电话了解情况", visible_to_officer=True
    )
    accepted.refresh_from_db()
    return accepted


@pytest.fixture
def resolved(in_progress, welfare):
    return services.request_resolve(request=in_progress, actor=welfare, outcome="已协调医院床位并发放慰问金")


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(name: str = "诊断证明.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)
