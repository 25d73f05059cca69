"""Health: importing 100,000 checkup results against a plain COPY, and the archive API with 5 years of data.

1. Import. One CSV as a checkup centre delivers it (警号, 姓名, 体检日期 and 15 measured columns, 血压
   as ``138/86`` giving sbp and dbp, 糖化血红蛋白 included; BMI is computed: 17 results a row),
   5,883 rows for the seeded officers (demo accounts left out) on weekly dates in 2015-2016, goes through
   ``health.services.checkups_import`` in this process: parsing, grading, savepoints, chunks, batch.
   Floor: the same results as plain rows (officer id, date, indicator code, value) sent by one
   ``COPY ... FROM STDIN`` into a bare temporary table, in the same run. What the import wrote is found by
   its institution (MARKER) and deleted before and after, then the tables are VACUUM ANALYZEd (this
   PostgreSQL runs no autovacuum), so every run starts from the same database.
   Then the same file again (every row unchanged: nothing written), right after the first import.
   Two more figures say where the time goes, against the same COPY: the same rows written by SQL alone
   into the real tables (one INSERT of the checkups, one COPY of the results, their indexes, unique
   constraints and foreign keys checked at commit: what any import must pay), and the import's own
   reading, checking and grading of the file in Python without any database (its CPU ceiling).

2. Archive API. ``GET /api/v1/health/archive/`` under gunicorn for demo_officer, given 5 years of daily
   exercise records and three meals a day (bulk_create) and three more checkups, against the same
   endpoint for an officer of the benchmark's own with no health data at all (the baseline).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from decimal import Decimal

from bench import harness

TARGET_RESULTS = 100_000
RESULTS_PER_ROW = 17  # 16 measured (血压 gives sbp and dbp) + BMI computed from height and weight
TARGET_RATIO = 0.25  # the issue: at least a quarter of COPY's rate
COPY_REPEATS = 3
FIRST_DATE = dt.date(2015, 1, 6)  # weekly from here: far from the demo's checkups (April 2024 and 2025)
MARKER = "BENCH-健康导入"  # institution of everything the import benchmark writes
ARCHIVE_MARKER = "BENCH-健康档案"  # institution of the archive benchmark's extra checkups and its canteen
ARCHIVE_YEARS = 5
EMPTY_USERNAME = "bench_health_empty"
EMPTY_POLICE_NUMBER = "990001"
SEED = 20260401
HEALTH_TABLES = (
    "health_checkup",
    "health_checkupresult",
    "health_importbatch",
    "health_exerciserecord",
    "health_mealrecord",
)

API = "/api/v1/health/archive/"
WORKERS = 2
CONNECTIONS = 2 * WORKERS
WARMUP_SECONDS = 2.0
ROUNDS = 6
ROUND_SECONDS = 2.0

HEADER = [
    "警号",
    "姓名",
    "体检日期",
    "身高(cm)",
    "体重(kg)",
    "腰围(cm)",
    "血压",
    "心率",
    "空腹血糖(mmol/L)",
    "糖化血红蛋白(%)",
    "总胆固醇",
    "甘油三酯",
    "低密度脂蛋白胆固醇",
    "高密度脂蛋白胆固醇",
    "尿酸",
    "谷丙转氨酶",
    "谷草转氨酶",
    "肌酐",
]


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


# --- The CSV ---------------------------------------------------------------------------------------------


def _row(police_number: str, name: str, sex: str, when: dt.date, rng: random.Random) -> list[str]:
    male = sex == "male"
    height = rng.gauss(172 if male else 161, 6)
    bmi = min(max(rng.gauss(24.5 if male else 22.5, 2.5), 17), 35)
    sbp = rng.gauss(126, 12)
    dbp = min(sbp - 25, rng.gauss(80, 8))
    return [
        police_number,
        name,
        when.isoformat(),
        f"{height:.1f}",
        f"{bmi * (height / 100) ** 2:.1f}",
        f"{rng.gauss(88 if male else 78, 8):.1f}",
        f"{sbp:.0f}/{dbp:.0f}",
        f"{rng.gauss(74, 9):.0f}",
        f"{max(rng.gauss(5.3, 0.6), 3.6):.2f}",
        f"{max(rng.gauss(5.4, 0.5), 4.0):.1f}",
        f"{max(rng.gauss(4.8, 0.8), 2.5):.2f}",
        f"{max(rng.gauss(1.5, 0.6), 0.4):.2f}",
        f"{max(rng.gauss(2.9, 0.7), 1.0):.2f}",
        f"{max(rng.gauss(1.25, 0.25), 0.6):.2f}",
        f"{max(rng.gauss(360 if male else 290, 70), 150):.0f}",
        f"{max(rng.gauss(28, 10), 8):.0f}",
        f"{max(rng.gauss(24, 7), 10):.0f}",
        f"{max(rng.gauss(80 if male else 60, 12), 35):.0f}",
    ]


def _checkup_csv(officers: list[tuple[int, str, str, str]], rows: int, first: dt.date) -> bytes:
    """``rows`` rows: every officer on one date, then every officer a week later, and so on."""
    rng = random.Random(SEED)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for n in range(rows):
        _pk, police_number, name, sex = officers[n % len(officers)]
        writer.writerow(_row(police_number, name, sex, first + dt.timedelta(weeks=n // len(officers)), rng))
    return buffer.getvalue().encode("utf-8")


def _copy_rows(data: bytes, officers: list[tuple[int, str, str, str]]) -> str:
    """The CSV's results as COPY input: officer id, date, indicator code, value (BMI computed as well)."""
    ids = {police_number: pk for pk, police_number, _name, _sex in officers}
    codes = [
        "height",
        "weight",
        "waist",
        "bp",
        "heart_rate",
        "fpg",
        "hba1c",
        "tc",
        "tg",
        "ldl_c",
        "hdl_c",
        "ua",
        "alt",
        "ast",
        "cr",
    ]
    out = io.StringIO()
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    next(reader)
    for police_number, _name, date, *values in reader:
        prefix = f"{ids[police_number]},{date},"
        measured = dict(zip(codes, values, strict=True))
        sbp, dbp = measured.pop("bp").split("/")
        measured.update(sbp=sbp, dbp=dbp)
        height, weight = Decimal(measured["height"]), Decimal(measured["weight"])
        measured["bmi"] = f"{weight / (height / 100) ** 2:.1f}"
        for code, value in measured.items():
            out.write(f"{prefix}{code},{value}\n")
    return out.getvalue()


# --- Import vs COPY ----------------------------------------------------------------------------------------


def _clear_import() -> None:
    from health.models import Checkup, CheckupResult, ImportBatch

    CheckupResult.objects.filter(checkup__institution=MARKER).delete()
    Checkup.objects.filter(institution=MARKER).delete()
    for batch in ImportBatch.objects.filter(institution=MARKER):
        batch.file.delete(save=False)
        batch.delete()


def _vacuum() -> None:
    """VACUUM ANALYZE the tables the benchmark fills and empties: the PostgreSQL here may run no autovacuum
    (``autovacuum = off``), and the dead rows of earlier runs would slow every later one (seq scans)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in HEALTH_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


def _copy_floor(text: str) -> list[float]:
    """Seconds of one COPY of ``text`` into a fresh bare temporary table (and the commit), a few times."""
    from django.db import connection, transaction

    times = []
    for _ in range(COPY_REPEATS):
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_checkup_copy")
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_checkup_copy "
                "(officer_id integer, date date, indicator text, value numeric(10, 3))"
            )
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                "COPY bench_checkup_copy (officer_id, date, indicator, value) FROM STDIN WITH (FORMAT csv)",
                io.StringIO(text),
            )
        times.append(time.perf_counter() - started)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM bench_checkup_copy")
            copied = cursor.fetchone()[0]
            cursor.execute("DROP TABLE bench_checkup_copy")
        if copied != text.count("\n"):
            raise harness.BenchError(f"COPY wrote {copied} rows, not {text.count(chr(10))}")
    return times


def _table_floor(copy_text: str) -> float:
    """Seconds to write the same checkups and results by SQL alone into the real tables, with the commit.

    One INSERT of the checkups, one COPY of the results (unit from the catalogue, ungraded): what the
    database itself costs an import, with every index, unique constraint and foreign key of those tables.
    Building the COPY text (it needs the new checkups' ids) is not counted. Deleted afterwards.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from health.models import Indicator

    indicators = {code: (pk, unit) for pk, code, unit in Indicator.objects.values_list("pk", "code", "unit")}
    rows = [line.split(",") for line in copy_text.splitlines()]
    keys = sorted({(int(officer_id), date) for officer_id, date, _code, _value in rows})
    now = timezone.now()
    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO health_checkup (created_at, updated_at, officer_id, date, institution) "
                "SELECT %s, %s, officer_id, date, %s "
                "FROM unnest(%s::bigint[], %s::date[]) AS t(officer_id, date) RETURNING id, officer_id, date",
                [now, now, MARKER, [key[0] for key in keys], [key[1] for key in keys]],
            )
            ids = {(officer_id, date.isoformat()): pk for pk, officer_id, date in cursor.fetchall()}
        inserted = time.perf_counter() - started
        stamp = now.isoformat()
        text = "".join(
            f"{ids[(int(officer_id), date)]}\t{indicators[code][0]}\t{value}\t{indicators[code][1]}\t\t"
            f"\t{stamp}\t{stamp}\n"
            for officer_id, date, code, value in rows
        )
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                "COPY health_checkupresult "
                "(checkup_id, indicator_id, value, unit, category, flag, created_at, updated_at) FROM STDIN",
                io.StringIO(text),
            )
    seconds = inserted + time.perf_counter() - started  # the COPY and the commit
    _clear_import()
    return seconds


def _parse_only(data: bytes) -> tuple[float, int]:
    """CPU seconds of the import's own reading, checking and grading of the file, no database: the ceiling.

    The same functions ``checkups_import`` runs for every row (health/services.py ``_read_row`` with the
    import's memo of cells already read), given the officers up front; returns (seconds, results).
    """
    from health import importing, services
    from people.models import Officer

    catalogue = services._Catalogue.load()
    officers = {
        o.police_number: o for o in Officer.objects.only("id", "police_number", "name", "sex", "birth_date")
    }
    started = time.process_time()
    table = importing.open_table(data, "bench-checkups.csv")
    layout, rows = importing.find_layout(table, indicators=catalogue.by_code.values())
    importer = services._CheckupRows(layout, catalogue, MARKER)
    known = services._Chunk(officers=officers, checkups={}, results={})
    results = 0
    for number, values in rows:
        cells = layout.cells(values)
        row = services._read_row(number, cells, layout, catalogue, known, MARKER, seen=importer.seen)
        results += len(row.graded)
    return time.process_time() - started, results


def _import_benchmark() -> None:
    from health.models import CheckupResult
    from health.services import checkups_import
    from people.models import Officer

    officers = list(
        Officer.objects.filter(active=True, birth_date__lt=FIRST_DATE)
        .exclude(user__username__startswith="demo_")
        .exclude(user__username=EMPTY_USERNAME)
        .order_by("police_number")
        .values_list("pk", "police_number", "name", "sex")
    )
    if not officers:
        raise harness.BenchError("the benchmark database has no officers; BENCH_FRESH=1 rebuilds it")
    rows = -(-TARGET_RESULTS // RESULTS_PER_ROW)
    dates = -(-rows // len(officers))
    data = _checkup_csv(officers, rows, FIRST_DATE)
    copy_text = _copy_rows(data, officers)
    expected = copy_text.count("\n")
    print(
        f"  CSV: {rows:,} rows × {RESULTS_PER_ROW} results = {expected:,} results "
        f"({len(officers)} officers × up to {dates} weekly dates from {FIRST_DATE}), "
        f"{len(data) / 1e6:.1f} MB",
        flush=True,
    )

    _clear_import()
    _vacuum()
    busy_before = harness.cpu_busy()
    copy_times = _copy_floor(copy_text)
    started = time.perf_counter()
    summary = checkups_import(file=io.BytesIO(data), filename="bench-checkups.csv", institution=MARKER)
    elapsed = time.perf_counter() - started
    written = CheckupResult.objects.filter(checkup__institution=MARKER).count()
    started = time.perf_counter()
    again = checkups_import(file=io.BytesIO(data), filename="bench-checkups.csv", institution=MARKER)
    again_elapsed = time.perf_counter() - started
    busy_after = harness.cpu_busy()
    _clear_import()
    _vacuum()
    table_seconds = _table_floor(copy_text)
    _vacuum()
    parse_seconds, parsed = _parse_only(data)

    print(f"  machine: {harness.machine_note(busy_before, busy_after)}")
    print(
        f"  summary: rows {summary.rows:,}, imported {summary.imported:,}, unchanged {summary.unchanged:,}, "
        f"rejected {summary.rejected:,}; {written:,} results written"
    )
    if summary.rejected:
        print(f"  WARNING: rejected rows, e.g. {summary.errors[:3]}")
    if written != expected:
        print(f"  WARNING: {written:,} results written, {expected:,} expected")
    if (again.unchanged, again.imported, again.rejected) != (summary.rows, 0, 0):
        print(
            f"  WARNING: the same file again: imported {again.imported:,}, unchanged {again.unchanged:,}, "
            f"rejected {again.rejected:,}; all {summary.rows:,} rows should be unchanged"
        )
    rate = written / elapsed
    again_rate = written / again_elapsed
    copy_rate = expected / statistics.median(copy_times)
    ratio = rate / copy_rate
    print(f"  checkups_import: {written:,} results in {elapsed:.1f} s = {rate:,.0f} results/s")
    print(
        f"  the same file again (all unchanged): {again_elapsed:.1f} s = {again_rate:,.0f} results/s "
        f"= {again_rate / copy_rate:.3f}× COPY"
    )
    print(
        f"  floor: COPY of the same {expected:,} rows into a bare temporary table = {copy_rate:,.0f} rows/s "
        f"(runs: {', '.join(f'{expected / t:,.0f}' for t in copy_times)})"
    )
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(
        f"  import = {ratio:.3f}× COPY ({1 / ratio:.0f}× slower): {verdict} the target of "
        f"{TARGET_RATIO:g}× COPY"
    )
    table_rate = expected / table_seconds
    parse_rate = parsed / parse_seconds
    print(
        f"  database floor: the same rows by SQL alone into the real tables (INSERT checkups, COPY results, "
        f"indexes, foreign keys checked at commit) = {table_rate:,.0f} rows/s = "
        f"{table_rate / copy_rate:.3f}× COPY ({table_seconds:.1f} s)"
    )
    print(
        f"  Python ceiling: reading, checking and grading the file without any database = "
        f"{parse_rate:,.0f} results/s ({parse_seconds:.1f} s CPU)"
    )
    print(
        f"  of the import's {elapsed:.1f} s: {table_seconds / elapsed:.0%} database floor, "
        f"{parse_seconds / elapsed:.0%} reading and grading, "
        f"{1 - (table_seconds + parse_seconds) / elapsed:.0%} the rest (prefetch, building rows, "
        "progress, batch, audit, health profiles and follow-ups)"
    )


# --- The archive API ---------------------------------------------------------------------------------------


def _empty_officer():
    """An officer of the benchmark's own, with a log-in and no health data: the baseline."""
    from django.contrib.auth.hashers import make_password

    from people.models import Officer, User
    from people.services import officer_create

    demo = Officer.objects.select_related("org_unit").get(user__username="demo_officer")
    officer = officer_create(
        username=EMPTY_USERNAME,
        police_number=EMPTY_POLICE_NUMBER,
        name="测试空档",
        sex=demo.sex,
        birth_date=demo.birth_date,
        org_unit=demo.org_unit,
        joined_police_on=demo.joined_police_on,
    )
    User.objects.filter(pk=officer.user_id).update(password=make_password(harness.DEMO_PASSWORD))
    return officer


def _seed_archive() -> tuple[int, int, int]:
    """Five years of daily exercise and three meals a day for demo_officer, and three more checkups."""
    from django.utils import timezone

    from health.models import Checkup, ExerciseRecord, ExerciseSource, ImportBatch, Meal, MealRecord
    from health.services import checkups_import
    from people.models import Officer

    officer = Officer.objects.get(user__username="demo_officer")
    today = timezone.localdate()
    days = [today - dt.timedelta(days=n) for n in range(1, ARCHIVE_YEARS * 365 + 1)]
    rng = random.Random(SEED)
    ExerciseRecord.objects.filter(officer=officer, source=ExerciseSource.DEVICE).delete()
    MealRecord.objects.filter(officer=officer, canteen=ARCHIVE_MARKER).delete()
    ExerciseRecord.objects.bulk_create(
        [
            ExerciseRecord(
                officer=officer,
                date=day,
                steps=rng.randint(2000, 15000),
                active_minutes=rng.randint(5, 90),
                distance_km=Decimal(rng.randint(100, 1000)) / 100,
                source=ExerciseSource.DEVICE,
            )
            for day in days
        ],
        batch_size=2000,
    )
    MealRecord.objects.bulk_create(
        [
            MealRecord(
                officer=officer,
                date=day,
                meal=meal,
                canteen=ARCHIVE_MARKER,
                energy_kcal=Decimal(rng.randint(300, 1200)),
                salt_g=Decimal(rng.randint(5, 40)) / 10,
                oil_g=Decimal(rng.randint(50, 150)) / 10,
                sugar_g=Decimal(rng.randint(0, 200)) / 10,
                vegetables_g=Decimal(rng.randint(50, 300)),
                fruit_g=Decimal(rng.randint(0, 200)),
            )
            for day in days
            for meal in (Meal.BREAKFAST, Meal.LUNCH, Meal.DINNER)
        ],
        batch_size=2000,
    )
    Checkup.objects.filter(officer=officer, institution=ARCHIVE_MARKER).delete()
    ImportBatch.objects.filter(institution=ARCHIVE_MARKER).delete()  # an earlier run's; its file is gone
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for year in (2021, 2022, 2023):
        writer.writerow(_row(officer.police_number, officer.name, officer.sex, dt.date(year, 4, 15), rng))
    summary = checkups_import(
        file=io.BytesIO(buffer.getvalue().encode("utf-8")),
        filename="bench-archive-checkups.csv",
        institution=ARCHIVE_MARKER,
    )
    if summary.rejected:
        raise harness.BenchError(f"the archive's checkups were rejected: {summary.errors}")
    for batch in ImportBatch.objects.filter(institution=ARCHIVE_MARKER):  # the checkups stay, not the file
        batch.file.delete(save=False)
    return (
        ExerciseRecord.objects.filter(officer=officer).count(),
        MealRecord.objects.filter(officer=officer).count(),
        Checkup.objects.filter(officer=officer).count(),
    )


def _archive_benchmark() -> None:
    empty = _empty_officer()
    exercise, meals, checkups = _seed_archive()
    _vacuum()
    print(
        f"  demo_officer: {exercise:,} exercise records, {meals:,} meal records, {checkups} checkups; "
        f"baseline {empty.user.username}: no health data",
        flush=True,
    )
    busy_before = harness.cpu_busy()
    with harness.gunicorn(workers=WORKERS) as server:
        full = "GET archive (5 years)"
        bare = "GET archive (no data)"
        headers = {
            full: {"Authorization": f"Bearer {harness.login(server)}"},
            bare: {"Authorization": f"Bearer {harness.login(server, EMPTY_USERNAME)}"},
        }
        keys: set[str] = set()
        for label, auth in headers.items():
            status, body = harness.request(server, "GET", API, headers=auth)
            harness.expect_ok(server, "GET", API, status, body)
            payload = json.loads(body)
            keys |= set(payload)
            points = sum(len(trend["points"]) for trend in payload.get("trends", []))
            print(
                f"  {label}: {len(body):,} bytes, keys {sorted(payload)}, "
                f"{payload.get('checkup_count')} checkups, {points} trend points"
            )
        if not keys & {
            "diet",
            "exercise",
            "meals",
            "diet_summary",
            "exercise_summary",
            "diet_weeks",
            "exercise_weeks",
        }:
            print(
                "  NOTE: the archive API shows checkups, risk and trends only; no diet or exercise summary "
                "is part of it yet, the 5 years of meals and exercise are rows it does not read"
            )
        print(f"  {server.description}")
        print(
            f"  load: {CONNECTIONS} client connections, {ROUNDS} interleaved rounds × {ROUND_SECONDS:g} s "
            "per officer",
            flush=True,
        )
        for label in (full, bare):
            harness.load(server, API, headers=headers[label], seconds=WARMUP_SECONDS, connections=CONNECTIONS)
        rounds: dict[str, list[harness.Round]] = {full: [], bare: []}
        order = [full, bare]
        for _ in range(ROUNDS):
            for label in order:
                rounds[label].append(
                    harness.load(
                        server, API, headers=headers[label], seconds=ROUND_SECONDS, connections=CONNECTIONS
                    )
                )
            order.reverse()
    print(f"  machine: {harness.machine_note(busy_before, harness.cpu_busy())}")
    subject = harness.Summary(full, rounds[full])
    baseline = harness.Summary(bare, rounds[bare])
    harness.report(subject)
    harness.report(baseline)
    harness.compare(subject, baseline, "the same endpoint for an officer with no data")
    print(
        f"  latency: p50 {subject.latency_ms(0.5) / baseline.latency_ms(0.5):.2f}×, "
        f"p95 {subject.latency_ms(0.95) / baseline.latency_ms(0.95):.2f}× the officer with no data"
    )


def main() -> None:
    print(
        f"== Importing {TARGET_RESULTS:,} checkup results from CSV vs COPY; GET {API} with "
        f"{ARCHIVE_YEARS} years of data ==",
        flush=True,
    )
    harness.prepare_database()
    media = tempfile.mkdtemp(prefix="bench-health-media-")
    try:
        # Import files are kept under MEDIA_ROOT: here a temporary folder, removed at the end.
        _setup_django(
            {**harness.server_env(), "DJANGO_SETTINGS_MODULE": "welfare.settings", "MEDIA_ROOT": media}
        )
        print("-- checkups_import vs COPY --", flush=True)
        _import_benchmark()
        print(f"-- GET {API}: demo_officer with {ARCHIVE_YEARS} years of data vs an officer with none --")
        _archive_benchmark()
    finally:
        shutil.rmtree(media, ignore_errors=True)
