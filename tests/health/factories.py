"""Factories for health records. The indicator catalogue is the shipped one (data migration)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from health.models import Checkup, CheckupResult, ImportBatch, Indicator
from tests.factories import OfficerFactory


class CheckupFactory(DjangoModelFactory):
    class Meta:
        model = Checkup

    officer = factory.SubFactory(OfficerFactory)
    date = dt.date(2025, 3, 5)
    institution = "市人民医院体检中心"


class CheckupResultFactory(DjangoModelFactory):
    """A result of a shipped indicator: ``CheckupResultFactory(code="fpg", value="7.2", diabetes=True)``."""

    class Meta:
        model = CheckupResult

    checkup = factory.SubFactory(CheckupFactory)
    indicator = factory.LazyAttribute(lambda o: Indicator.objects.get(code=o.code))
    value = Decimal("5.2")
    unit = factory.LazyAttribute(lambda o: o.indicator.unit)
    category = "normal"
    flag = "normal"

    class Params:
        code = "fpg"
        high = factory.Trait(category="high", flag="high")
        low = factory.Trait(category="low", flag="low")
        diabetes = factory.Trait(code="fpg", value=Decimal("7.4"), category="diabetes", flag="high")
        ifg = factory.Trait(code="fpg", value=Decimal("6.3"), category="ifg", flag="high")


class ImportBatchFactory(DjangoModelFactory):
    class Meta:
        model = ImportBatch

    kind = "checkups"
    original_filename = "体检结果.csv"
    file = factory.django.FileField(filename="体检结果.csv", data="警号,体检日期\n".encode())
    sha256 = "0" * 64
    status = "done"
