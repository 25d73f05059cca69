"""Survey fixtures: the shipped instrument (a transactional test elsewhere may have flushed it)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from surveys.models import Instrument

_default_instrument = importlib.import_module("surveys.migrations.0002_default_instrument")


@pytest.fixture
def shipped_instrument(db) -> Instrument:
    _default_instrument.install(apps)
    return Instrument.objects.get(code="welfare-index", version=1)
