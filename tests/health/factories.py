"""Factories for health records. The indicator catalogue is the shipped one (data migration)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from health.models import Checkup, CheckupResult, ExerciseRecord, ImportBatch, Indicator, MealRecord
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


class MealRecordFactory(DjangoModelFactory):
    """A canteen lunch; amounts not given stay empty (not recorded)."""

    class Meta:
        model = MealRecord

    officer = factory.SubFactory(OfficerFactory)
    date = dt.date(2025, 3, 3)
    meal = "lunch"
    canteen = "机关食堂"


class ExerciseRecordFactory(DjangoModelFactory):
    class Meta:
        model = ExerciseRecord

    officer = factory.SubFactory(OfficerFactory)
    date = dt.date(2025, 3, 3)
    steps = 6000
    active_minutes = 30
    distance_km = Decimal("4.20")
    source = "device"

    class Params:
        from_app = factory.Trait(source="app")
