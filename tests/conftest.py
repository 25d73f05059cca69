"""Shared fixtures: the fast hasher, three kinds of user (owner, staff, outsider), service checks.

Tests that need PostgreSQL, a broker with a worker, or Chromium are marked. In CI
(``CI=true``) a missing service fails them; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import FamilyMemberFactory, OfficerFactory, OrgUnitFactory, RoleAssignmentFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = "/usr/bin/chromium"


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"required in CI but missing: {reason}", pytrace=False)
    pytest.skip(reason)


def _broker_reachable() -> str | None:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        return None
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=2):
            return None
    except OSError as exc:
        return f"broker {url} is not reachable ({exc})"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("broker"):
        problem = _broker_reachable()
        if problem:
            _missing(problem)
    if item.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        _missing(f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- The org tree and the three users -------------------------------------------------------------


@pytest.fixture
def city(db):
    return OrgUnitFactory(code="C", name="市公安局", kind="city_bureau", parent=None)


@pytest.fixture
def county(city):
    return OrgUnitFactory(code="X01", name="东城分局", kind="county_bureau", parent=city)


@pytest.fixture
def other_county(city):
    return OrgUnitFactory(code="X02", name="西城分局", kind="county_bureau", parent=city)


@pytest.fixture
def station(county):
    return OrgUnitFactory(code="X01-P01", name="城关派出所", kind="police_station", parent=county)


@pytest.fixture
def other_station(other_county):
    return OrgUnitFactory(code="X02-P01", name="河西派出所", kind="police_station", parent=other_county)


@pytest.fixture
def officer(station):
    """The owner: an officer at a station with a spouse and a child."""
    owner = OfficerFactory(org_unit=station, police_number="100001", user__username="owner")
    FamilyMemberFactory(officer=owner, relation="spouse", name="林婉清", sex="female")
    FamilyMemberFactory(officer=owner, child=True, name="陈思源")
    return owner


@pytest.fixture
def outsider(other_station):
    """Another officer, elsewhere, with a family of their own."""
    other = OfficerFactory(org_unit=other_station, police_number="200002", user__username="outsider")
    FamilyMemberFactory(officer=other, child=True, name="王小明")
    return other


@pytest.fixture
def unit_admin(county):
    admin = OfficerFactory(org_unit=county, police_number="100009", user__username="unitadmin")
    RoleAssignmentFactory(user=admin.user, role="unit_admin", org_unit=county)
    return admin


def api_client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def api_client():
    return APIClient()


# --- A real Celery worker ----------------------------------------------------------------------------


def test_database_url() -> str:
    """The URL of the database the tests run on, for a worker subprocess to share it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    raise RuntimeError(f"no worker URL for {connection.vendor}")


class WorkerProcess:
    """A ``celery worker`` subprocess on the configured broker, consuming only the given queues."""

    def __init__(self, queues: list[str], env: dict[str, str] | None = None) -> None:
        import subprocess
        import sys
        import uuid

        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "DJANGO_SETTINGS_MODULE": "welfare.settings",
            **(env or {}),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "welfare",
                "worker",
                "--queues",
                ",".join(queues),
                "--pool",
                "solo",
                "--hostname",
                self.name,
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.log: list[str] = []

    def wait_ready(self, timeout: float = 60) -> None:
        import threading
        import time

        ready = threading.Event()

        def pump():
            for line in self.process.stdout:
                self.log.append(line)
                if " ready." in line:
                    ready.set()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the worker did not start:\n" + "".join(self.log[-40:]))

    def stop(self) -> None:
        import subprocess

        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


@pytest.fixture
def celery_worker_process(transactional_db):
    """Start a worker subprocess: ``celery_worker_process(["queue"], env={...})``; stopped after the test."""
    started: list[WorkerProcess] = []

    def start(queues: list[str], env: dict[str, str] | None = None) -> WorkerProcess:
        worker = WorkerProcess(queues, env)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()


# --- Real concurrency ---------------------------------------------------------------------------------


def run_at_once(*calls) -> list[object]:
    """Run the callables in threads released at the same moment, each on its own database connection.

    Returns, in order, what each returned or the exception it raised. For ``transaction=True`` tests on
    PostgreSQL, where row locks and constraints are what is being tested.
    """
    import threading

    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
