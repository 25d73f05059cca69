"""Settings from the environment: production refuses to start without secrets and passes check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "welfare.gaj.local",
}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert f"The environment variable {missing} must be set" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("SESSION_IDLE_SECONDS", "half an hour", "SESSION_IDLE_SECONDS='half an hour' is not a whole number"),
        ("DATABASE_URL", "mysql-ish://nowhere", "DATABASE_URL"),
        ("CELERY_BROKER_URL", "kafka://x", "CELERY_BROKER_URL"),
        ("DJANGO_ENV", "staging", "DJANGO_ENV='staging'"),
        ("AUDIT_RETENTION_DAYS", "30", "AUDIT_RETENTION_DAYS=30 is below the minimum of 186"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(variable, value, message):
    result = _run(["manage.py", "check"], {variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_the_defaults_are_chinese_shanghai_and_embedded():
    from django.conf import settings

    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.CELERY_TASK_SERIALIZER == "json"
    assert {q.name for q in settings.CELERY_TASK_QUEUES} == {"default", "reminders", "imports", "reports"}
