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
    "DATABASE_URL": "postgres://welfare@db.gaj.local:5432/welfare",
    "CELERY_BROKER_URL": "redis://redis.gaj.local:6379/0",
    "SMS_BACKEND": "notifications.sms.ConsoleBackend",
    "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "welfare.gaj.local",
}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    ours = {
        "DJANGO_ENV",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DEBUG",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "SMS_BACKEND",
    }
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL", "SMS_BACKEND"]
)
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert f"The environment variable {missing} must be set" in result.stderr


def test_production_refuses_debug():
    result = _run(["manage.py", "check"], {**PRODUCTION, "DEBUG": "1"})
    assert result.returncode != 0
    assert "DEBUG must be off when DJANGO_ENV=production" in result.stderr


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
        ("SESSION_IDLE_SECONDS", "5", "SESSION_IDLE_SECONDS=5 is below the minimum of 60"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL='LOUD'"),
        ("API_TOKEN_THROTTLE", "thirty", "API_TOKEN_THROTTLE='thirty'"),
        ("GREETING_HOUR", "25", "GREETING_HOUR=25"),
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
