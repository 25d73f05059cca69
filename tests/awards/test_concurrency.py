"""On PostgreSQL, with real concurrent transactions: one award per child, and payments within the budget."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from awards import services
from awards.models import Application, Status
from care.models import EntryKind, FundEntry, SubBudget
from tests.awards.conftest import YEAR, apply, family_of, make_programme
from tests.conftest import run_at_once
from tests.factories import OfficerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_both_parents_applying_for_the_same_child_at_once_make_one_application(
    programme, officer, child, universities, station
):
    mother = OfficerFactory(org_unit=station, name="林婉清")
    same_child = family_of(mother, relation="child", name=child.name, birth_date=child.birth_date, sex="male")
    results = run_at_once(
        *(
            lambda parent=parent, kid=kid: apply(programme, parent, kid, universities["985"])
            for parent, kid in [(officer, child), (mother, same_child)] * 3
        )
    )
    assert sum(isinstance(r, Application) for r in results) == 1, results
    assert all(isinstance(r, Application | services.ConflictError) for r in results), results
    assert Application.objects.count() == 1


def test_concurrent_payment_approvals_never_exceed_the_programme_budget(
    welfare, head, awards_budget, universities, station, unit_admin
):
    programme = make_programme(welfare, budget="35000")  # three 985 awards of 10,000 fit, not four
    notices = []
    for n in range(6):
        parent = OfficerFactory(org_unit=station)
        kid = family_of(parent, relation="child", birth_date=dt.date(YEAR - 18, 2, 2), name=f"学生{n}")
        application = apply(programme, parent, kid, universities["985"])
        services.application_submit(application=application, actor=parent.user)
        services.unit_review(application=application, reviewer=unit_admin.user, decision="approve")
        services.welfare_review(application=application, reviewer=welfare, decision="approve")
        notices.append(services.notice_start(application=application, actor=welfare))
    after = notices[0].notice_ends_on + dt.timedelta(days=1)
    payers = (welfare, head)

    def pay(application, payer):
        with time_machine.travel(after, tick=False):
            return services.application_pay(application=application, actor=payer)

    # Every award paid by both payers at the same moment: double clicks and races at once.
    results = run_at_once(*(lambda a=a, p=p: pay(a, p) for a in notices for p in payers))
    paid = FundEntry.objects.filter(kind=EntryKind.PAYMENT, settles=programme.commitment)
    assert paid.count() == 3
    assert Application.objects.filter(status=Status.PAID).count() == 3
    refused = [r for r in results if isinstance(r, services.AwardError | services.DomainError)]
    # "¥5,000.00 of this commitment is left to pay" (in the threads' own language, Chinese by default).
    assert refused and all("¥5,000.00" in r.message for r in refused), results
    budget = SubBudget.objects.get(pk=awards_budget.pk)
    assert budget.spent == 30000 and budget.committed == 5000 and budget.available >= 0
