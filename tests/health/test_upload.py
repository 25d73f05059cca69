"""The upload page: a file checked at once, kept as a queued batch, imported by a worker with progress."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from health import services, tasks
from health.models import Checkup, ImportBatch, MealRecord
from people.models import WorkerHeartbeat
from tests.factories import OfficerFactory, RoleAssignmentFactory
from tests.health.factories import ImportBatchFactory
from tests.health.files import csv_bytes, xlsx_bytes
from welfare.queue import BrokerUnavailable

pytestmark = pytest.mark.usefixtures("catalogue", "english")

ROWS = [
    ["警号", "姓名", "体检日期", "血压", "空腹血糖(mmol/L)"],
    ["500001", "张伟", "2025-03-05", "150/95", "7.2"],
    ["", "", "", "", ""],  # wholly empty: not a row
    ["500002", "李娜", "2025-03-05", "118/76", "偏高"],
    ["999999", "王五", "2025-03-05", "118/76", "5.0"],
]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"  # the pages in English (the msgids)
    return client


@pytest.fixture
def sent(monkeypatch):
    """The batch ids handed to the broker (nothing reaches a real one)."""
    ids: list[int] = []

    def enqueue(task, *args, **options):
        assert task.name == "health.import_batch"
        ids.extend(args)

    monkeypatch.setattr(services, "enqueue", enqueue)
    return ids


@pytest.fixture
def staff(city):
    """Health staff of the whole bureau."""
    person = OfficerFactory(org_unit=city, police_number="100004", user__username="health")
    RoleAssignmentFactory(user=person.user, role="health_staff", org_unit=city)
    return person.user


@pytest.fixture
def county_staff(county):
    person = OfficerFactory(org_unit=county, police_number="100088", user__username="county_doctor")
    RoleAssignmentFactory(user=person.user, role="health_staff", org_unit=county)
    return person.user


@pytest.fixture
def officers(zhang, li):
    return zhang, li


def _upload(client, content: bytes, name: str = "体检结果.csv", kind: str = "checkups", **extra):
    return client.post(
        "/health/imports/",
        {
            "kind": kind,
            "file": SimpleUploadedFile(name, content),
            "institution": extra.get("institution", ""),
        },
    )


def _media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- Upload --------------------------------------------------------------------------------------------


def test_it_keeps_a_good_file_as_a_queued_batch_and_hands_it_to_a_worker_after_commit(
    staff, officers, sent, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(_client(staff), csv_bytes(ROWS), institution="市人民医院")
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/health/imports/{batch.pk}/"
    assert (batch.status, batch.kind, batch.total_rows, batch.rows) == ("queued", "checkups", 3, 0)
    assert (batch.original_filename, batch.institution, batch.uploaded_by) == (
        "体检结果.csv",
        "市人民医院",
        staff,
    )
    assert sent == [batch.pk]
    assert [path.read_bytes() for path in _media_files(settings)] == [csv_bytes(ROWS)]
    assert not Checkup.objects.exists()  # the worker imports, not the web request
    audit = AuditEntry.objects.get(action="health_imported")
    assert audit.detail == {"step": "uploaded", "kind": "checkups", "total_rows": 3}


def test_nothing_is_sent_before_the_batch_is_committed(staff, officers, sent):
    _upload(_client(staff), csv_bytes(ROWS))  # the test's transaction never commits
    assert ImportBatch.objects.get().status == "queued"
    assert sent == []


def test_the_task_body_imports_the_batch_with_its_counts(staff, officers, sent):
    batch = services.import_upload(
        kind="checkups",
        file=SimpleUploadedFile("体检结果.csv", csv_bytes(ROWS)),
        filename="体检结果.csv",
        actor=staff,
    )
    outcome = tasks.import_batch(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.rows, batch.imported, batch.unchanged, batch.rejected) == ("done", 3, 1, 0, 2)
    assert batch.rows == batch.total_rows
    assert batch.finished_at is not None and batch.finished_at <= timezone.now()
    assert batch.errors == [
        {"row": 4, "reason": "空腹血糖(mmol/L): 偏高 is not a number."},
        {"row": 5, "reason": "Unknown police number 999999."},
    ]
    assert outcome == {
        "rows": 3,
        "imported": 1,
        "unchanged": 0,
        "rejected": 2,
        "errors": 2,
        "batch": batch.pk,
    }
    checkup = Checkup.objects.get()
    assert (checkup.officer.police_number, checkup.import_batch) == ("500001", batch)
    done = AuditEntry.objects.filter(action="health_imported", actor=staff).exclude(detail__has_key="step")
    assert [entry.detail["imported"] for entry in done] == [1]


def test_a_workbook_is_checked_on_upload_and_its_rows_counted_by_the_worker(staff, officers, sent):
    response = _upload(_client(staff), xlsx_bytes(ROWS), name="体检结果.xlsx")
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/health/imports/{batch.pk}/"
    assert (batch.status, batch.total_rows) == ("queued", None)
    fragment = _client(staff).get(f"/health/imports/{batch.pk}/progress/").content.decode()
    assert "0 rows read" in fragment and 'aria-valuenow="0"' in fragment
    tasks.import_batch(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.total_rows, batch.rows, batch.imported) == ("done", 3, 3, 1)


def test_meals_are_uploaded_and_imported_the_same_way(staff, zhang, sent):
    rows = [["警号", "日期", "餐次", "盐"], ["500001", "2025-03-03", "午餐", "3.5"]]
    _upload(_client(staff), csv_bytes(rows), name="食堂.csv", kind="meals", institution="ignored")
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.total_rows, batch.institution) == ("meals", 1, "")
    tasks.import_batch(batch.pk)
    assert MealRecord.objects.get().salt_g == 3.5
    assert ImportBatch.objects.get().status == "done"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("体检结果.png", b"\x89PNG\r\n\x1a\nxxxx", "Only .xlsx and .csv files can be imported."),
        ("体检结果.csv", b"%PDF-1.7 binary", "This is not a spreadsheet but a PDF file."),
        (
            "体检结果.csv",
            csv_bytes([["姓名", "体检日期"], ["张伟", "2025-03-05"]]),
            "No header row with a 警号 (police_no) column was found in the first 10 rows.",
        ),
        ("体检结果.xlsx", xlsx_bytes([["姓名"], ["张伟"]]), "No header row with a 警号 (police_no) column"),
        ("体检结果.csv", b"", "The submitted file is empty."),  # Django's own check, before ours
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_at_once_and_nothing_is_kept(
    staff, officers, sent, settings, name, content, message
):
    response = _upload(_client(staff), content, name=name)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert _media_files(settings) == []
    assert sent == []


def test_a_file_over_the_size_limit_is_refused(staff, officers, sent, settings):
    settings.IMPORT_MAX_BYTES = 1024
    big = csv_bytes([ROWS[0]] + [ROWS[1]] * 60)
    assert len(big) > 1024
    response = _upload(_client(staff), big)
    assert response.context["form"].errors["file"] == ["The file is larger than 0.000976562 MB."]
    assert not ImportBatch.objects.exists()
    assert _media_files(settings) == []


def test_a_double_submit_makes_one_batch(staff, officers, sent, django_capture_on_commit_callbacks):
    client = _client(staff)
    with django_capture_on_commit_callbacks(execute=True):
        first = _upload(client, csv_bytes(ROWS))
        second = _upload(client, csv_bytes(ROWS), name="体检结果(1).csv")
    batch = ImportBatch.objects.get()
    assert first["Location"] == second["Location"] == f"/health/imports/{batch.pk}/"
    assert sent == [batch.pk]
    # Once the first is done, the same file is a new delivery (kept as its own batch, like the command's).
    tasks.import_batch(batch.pk)
    _upload(client, csv_bytes(ROWS))
    assert ImportBatch.objects.count() == 2


def test_a_broker_that_is_down_leaves_the_batch_queued_to_be_sent_again(
    staff, officers, monkeypatch, django_capture_on_commit_callbacks
):
    def down(task, *args, **options):
        raise BrokerUnavailable("The task queue is not reachable")

    monkeypatch.setattr(services, "enqueue", down)
    client = _client(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    assert batch.status == "queued" and batch.file.read() == csv_bytes(ROWS)
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-no-worker"' in page  # no worker has reported on the imports queue
    assert "Send to a worker again" in page

    sent: list[int] = []
    monkeypatch.setattr(services, "enqueue", lambda task, *args, **options: sent.extend(args))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/health/imports/{batch.pk}/retry/")
    assert sent == [batch.pk]


def test_a_queued_batch_says_nothing_of_workers_when_one_is_there(staff, officers):
    WorkerHeartbeat.objects.create(queue="imports", hostname="w1", seen_at=timezone.now())
    batch = ImportBatchFactory(status="queued", total_rows=3)
    page = _client(staff).get(f"/health/imports/{batch.pk}/").content.decode()
    assert "import-no-worker" not in page


# --- Who may ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "unit_admin", "outsider"])
def test_it_refuses_everybody_but_health_staff(request, who, officers):
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)
    batch = ImportBatchFactory()
    client = _client(user)
    for url in ("/health/imports/", f"/health/imports/{batch.pk}/", f"/health/imports/{batch.pk}/progress/"):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/health/imports/{batch.pk}/file/").status_code == 403
    assert client.post(f"/health/imports/{batch.pk}/retry/").status_code == 403
    assert _upload(client, csv_bytes(ROWS)).status_code == 403
    assert ImportBatch.objects.count() == 1


def test_a_health_adviser_does_not_import(officers, station):
    adviser = OfficerFactory(org_unit=station, user__username="adviser").user
    RoleAssignmentFactory(user=adviser, role="health_adviser", org_unit=station)
    assert _client(adviser).get("/health/imports/").status_code == 403


def test_it_asks_anonymous_visitors_to_log_in(db):
    assert Client().get("/health/imports/").status_code == 302
    poll = Client().get("/health/imports/1/progress/")
    assert (poll.status_code, poll["HX-Redirect"]) == (204, reverse("login"))


def test_an_unknown_batch_is_404(staff):
    assert _client(staff).get("/health/imports/999999/").status_code == 404


def test_the_navigation_offers_imports_to_health_staff_only(staff, officer):
    def labels(user):
        return [str(item["label"]) for item in _client(user).get("/").context["nav_items"]]

    assert "Imports" in labels(staff)
    assert "Imports" not in labels(officer.user)


def _done_batch(uploader) -> ImportBatch:
    return ImportBatchFactory(
        uploaded_by=uploader,
        total_rows=2,
        rows=2,
        imported=1,
        rejected=1,
        errors=[{"row": 3, "reason": "Unknown police number 999999."}],
        changes=[
            {
                "row": 2,
                "police_no": "500001",
                "date": "2025-03-05",
                "indicator": "fpg",
                "old": "5.1",
                "new": "7.2",
            }
        ],
        finished_at=timezone.now(),
    )


def test_rows_and_file_are_for_the_uploader_and_city_wide_staff_and_each_read_is_audited(
    staff, county_staff, officers
):
    batch = _done_batch(uploader=county_staff)
    for user in (county_staff, staff):
        page = _client(user).get(f"/health/imports/{batch.pk}/").content.decode()
        assert "Unknown police number 999999." in page
        assert 'data-testid="import-changes"' in page and "7.2" in page
        download = _client(user).get(f"/health/imports/{batch.pk}/file/")
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment;")
        assert b"".join(download.streaming_content) == "警号,体检日期\n".encode()
    reads = AuditEntry.objects.filter(action="sensitive_read", object_id=str(batch.pk))
    assert sorted((entry.actor.username, entry.detail["what"]) for entry in reads) == [
        ("county_doctor", "health_import_file"),
        ("county_doctor", "health_import_rows"),
        ("health", "health_import_file"),
        ("health", "health_import_rows"),
    ]


def test_a_county_colleague_sees_the_status_but_not_the_rows_of_someone_elses_file(
    staff, county_staff, officers
):
    batch = _done_batch(uploader=staff)
    client = _client(county_staff)
    page = client.get(f"/health/imports/{batch.pk}/").content.decode()
    assert 'data-testid="import-summary"' in page and "1 imported" in page
    assert "Unknown police number 999999." not in page and "500001" not in page
    assert client.get(f"/health/imports/{batch.pk}/file/").status_code == 403
    assert not AuditEntry.objects.filter(action="sensitive_read").exists()


# --- Progress ------------------------------------------------------------------------------------------


def test_the_progress_fragment_shows_a_percentage_and_polls_while_running(
    staff, officers, django_assert_num_queries
):
    batch = ImportBatchFactory(status="running", total_rows=200, rows=50, imported=50)
    client = _client(staff)
    client.get("/")  # the session is warm
    # session, user, role assignments, the batch with its uploader, the navigation's officer profile
    with django_assert_num_queries(5):
        response = client.get(f"/health/imports/{batch.pk}/progress/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "25%" in html and 'aria-valuenow="25"' in html
    assert 'hx-trigger="every 2s"' in html
    assert "HX-Refresh" not in response
    assert "50 of 200 rows read" in html


def test_the_progress_fragment_stops_polling_and_reloads_the_page_when_done(staff, officers):
    batch = ImportBatchFactory(status="done", total_rows=3, rows=3, unchanged=3)
    response = _client(staff).get(f"/health/imports/{batch.pk}/progress/", HTTP_HX_REQUEST="true")
    assert "100%" in response.content.decode()
    assert "hx-trigger" not in response.content.decode()
    assert response["HX-Refresh"] == "true"


def test_the_list_shows_recent_batches_with_a_fixed_number_of_queries(
    staff, county_staff, officers, django_assert_num_queries
):
    for n in range(25):
        ImportBatchFactory(uploaded_by=county_staff if n % 2 else staff, original_filename=f"f{n}.csv")
    client = _client(staff)
    client.get("/")
    # session, user, role assignments, count, officer profile (navigation), the page of batches with their
    # uploaders, and the session saved (savepoint, update, release)
    with django_assert_num_queries(9):
        response = client.get("/health/imports/")
    page = response.context["page"]
    assert len(page) == 20 and page.paginator.count == 25
    html = response.content.decode()
    assert "f24.csv" in html and "f0.csv" not in html  # newest first
    assert "1 / 2" in html
    assert "f0.csv" in client.get("/health/imports/?page=2").content.decode()


# --- Claims and retries ----------------------------------------------------------------------------------


def _queued(staff) -> ImportBatch:
    return services.import_upload(
        kind="checkups", file=SimpleUploadedFile("a.csv", csv_bytes(ROWS)), filename="a.csv", actor=staff
    )


def test_running_the_task_twice_imports_once(staff, officers, sent):
    batch = _queued(staff)
    assert tasks.import_batch(batch.pk) is not None
    assert tasks.import_batch(batch.pk) is None  # done: left alone
    batch.refresh_from_db()
    assert (batch.status, batch.imported, batch.unchanged) == ("done", 1, 0)
    assert AuditEntry.objects.filter(action="health_imported").exclude(detail__has_key="step").count() == 1


def test_a_batch_another_worker_holds_is_left_alone(staff, officers, sent):
    batch = _queued(staff)
    lease_end = timezone.now() + dt.timedelta(minutes=5)
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", rows=0, lease_until=lease_end)
    assert services.import_batch_run(batch_id=batch.pk) is None
    batch.refresh_from_db()
    assert (batch.status, batch.lease_until) == ("running", lease_end)
    assert not Checkup.objects.exists()
    assert not services.import_batch_can_retry(batch)
    assert not services.import_batch_retry(batch=batch, actor=staff)


def test_a_batch_whose_worker_died_is_claimed_again_after_the_lease(staff, officers, sent):
    batch = _queued(staff)
    assert services._claim(batch.pk, timezone.now() - services.IMPORT_LEASE - dt.timedelta(seconds=1))
    batch.refresh_from_db()
    assert services.import_batch_stalled(batch)
    page = _client(staff).get(f"/health/imports/{batch.pk}/").content.decode()
    assert "its worker has stopped" in page and 'data-testid="import-retry"' in page
    assert tasks.import_batch(batch.pk) is not None
    assert ImportBatch.objects.get(pk=batch.pk).status == "done"


def test_a_failed_batch_is_retried_from_its_page_and_gives_the_same_result(
    staff, officers, sent, monkeypatch, django_capture_on_commit_callbacks
):
    batch = _queued(staff)
    real_rows = services._import_rows

    def crash_after_committing(rows, layout, importer, *, batch):
        real_rows(rows, layout, importer, batch=batch)  # the rows are in, the counters committed
        raise RuntimeError("worker crashed")

    monkeypatch.setattr(services, "_import_rows", crash_after_committing)
    with pytest.raises(RuntimeError):
        tasks.import_batch(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.rows) == ("failed", 3)
    client = _client(staff)
    page = client.get(f"/health/imports/{batch.pk}/").content.decode()
    assert 'data-testid="import-failed"' in page and "Import again" in page

    monkeypatch.setattr(services, "_import_rows", real_rows)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/health/imports/{batch.pk}/retry/")
    assert response.status_code == 302
    assert sent == [batch.pk]  # the retry hands it to a worker (the upload's send never committed here)
    assert ImportBatch.objects.get(pk=batch.pk).status == "queued"
    tasks.import_batch(batch.pk)
    batch.refresh_from_db()
    # What the crashed run wrote is now unchanged; the rejected rows are rejected again.
    assert (batch.status, batch.rows, batch.imported, batch.unchanged, batch.rejected) == ("done", 3, 0, 1, 2)
    assert Checkup.objects.count() == 1
    retry = AuditEntry.objects.get(action="health_imported", detail__step="retry")
    assert (retry.actor, retry.detail["status"]) == (staff, "failed")


def test_a_retry_of_a_done_batch_changes_nothing(staff, officers, sent):
    batch = _done_batch(uploader=staff)
    response = _client(staff).post(f"/health/imports/{batch.pk}/retry/")
    assert response.status_code == 302
    assert ImportBatch.objects.get(pk=batch.pk).status == "done"
    assert sent == []


def test_a_run_that_cannot_open_its_file_marks_the_batch_failed(staff, officers, sent):
    batch = _queued(staff)
    batch.file.storage.delete(batch.file.name)
    with pytest.raises(FileNotFoundError):
        services.import_batch_run(batch_id=batch.pk)
    assert ImportBatch.objects.get(pk=batch.pk).status == "failed"


def test_the_task_goes_to_the_imports_queue_and_its_lease_outlives_it():
    from welfare.celery import app

    assert app.amqp.router.route({}, "health.import_batch")["queue"].name == "imports"
    assert tasks.import_batch.acks_late and tasks.import_batch.reject_on_worker_lost
    assert tasks.import_batch.soft_time_limit < tasks.import_batch.time_limit
    assert tasks.import_batch.time_limit < services.IMPORT_LEASE.total_seconds()


# --- A real worker ------------------------------------------------------------------------------------


@pytest.mark.broker
def test_a_real_worker_on_the_imports_queue_imports_an_uploaded_file(
    celery_worker_process, staff, officers, settings
):
    worker = celery_worker_process(["imports"], env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)})
    response = _upload(_client(staff), csv_bytes(ROWS))  # committed: the task goes through the broker
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/health/imports/{batch.pk}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and ImportBatch.objects.get(pk=batch.pk).status != "done":
        time.sleep(0.3)
    batch.refresh_from_db()
    assert batch.status == "done", "".join(worker.log[-40:])
    assert (batch.rows, batch.imported, batch.rejected, batch.total_rows) == (3, 1, 2, 3)
    assert Checkup.objects.get().import_batch_id == batch.pk
    page = _client(staff).get(f"/health/imports/{batch.pk}/").content.decode()
    assert "100%" in page
    assert "999999" in page  # the rejected row (its reason in the worker's language, Chinese by default)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_uploads_of_the_same_file_at_the_same_moment_make_one_batch(staff, officers, sent, monkeypatch):
    from tests.conftest import run_at_once

    real_start = services._batch_start

    def slow_start(**kwargs):
        time.sleep(0.5)  # both requests are past their look for an existing batch, unless one waits
        return real_start(**kwargs)

    monkeypatch.setattr(services, "_batch_start", slow_start)

    def upload():
        return services.import_upload(
            kind="checkups", file=SimpleUploadedFile("a.csv", csv_bytes(ROWS)), filename="a.csv", actor=staff
        ).pk

    first, second = run_at_once(upload, upload)
    batch = ImportBatch.objects.get()
    assert first == second == batch.pk
    assert sent == [batch.pk]  # handed to a worker once
