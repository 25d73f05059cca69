"""Health fixtures: the shipped catalogue, officers with known sex and age, files built in the test."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import translation

from health.models import Indicator
from tests.factories import OfficerFactory

_catalogue = importlib.import_module("health.migrations.0002_indicator_catalogue")


@pytest.fixture
def catalogue(db):
    """The catalogue the data migration ships (again, if a transactional test elsewhere flushed it)."""
    if not Indicator.objects.exists():
        _catalogue.install(apps)
    return {indicator.code: indicator for indicator in Indicator.objects.prefetch_related("rules")}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def zhang(station):
    """A man born 1985-06-01: 39 at a checkup on 2025-03-05."""
    return OfficerFactory(
        org_unit=station, police_number="500001", name="张伟", sex="male", birth_date=dt.date(1985, 6, 1)
    )


@pytest.fixture
def li(station):
    """A woman born 1990-02-14."""
    return OfficerFactory(
        org_unit=station, police_number="500002", name="李娜", sex="female", birth_date=dt.date(1990, 2, 14)
    )


@pytest.fixture
def english():
    """Messages in English (the msgids), whatever the catalogue holds."""
    with translation.override("en"):
        yield
