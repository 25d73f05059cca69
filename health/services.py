"""Writes about health: importing checkups, meals and exercise; the phone's own exercise record.

``checkups_import`` reads a file (health/importing.py), checks each row, grades its values
(health/grading.py) and records one ``Checkup`` per officer and date with one
``CheckupResult`` per indicator.

- **A row is one unit.** Each row is written in its own savepoint: a rejected row leaves nothing
  behind and does not stop the others. Rows are committed in chunks of ``IMPORT_CHUNK_ROWS``;
  the batch's counters are updated after each chunk (progress). If the import stops half-way
  (a crash), the committed chunks stay and the batch is marked failed; importing the file again
  finishes the job, because importing is idempotent.
- **Idempotent.** The same officer, date and indicator is the same result. A row whose every
  value (with its category and flag) and institution is already recorded is *unchanged* and
  writes nothing. A row that adds anything, or brings a different value for a result already
  recorded, is *imported*: the new value replaces the old one (the newer delivery is taken as
  the centre's correction), and the batch lists each replacement in ``changes`` with the old
  and new value. ``rows = imported + unchanged + rejected`` always, and the database checks it.
- **Institution**: the row's 体检机构 if it has one, else ``institution=``; a different
  non-empty institution replaces the recorded one, an empty one leaves it.
- **Dry run**: the same work inside a transaction that is rolled back, so the summary is exactly
  what a real import would report; no batch and no file are kept.

Every import that is not a dry run writes an audit row (``health_imported``) for its batch; the
batch is the record of which file was imported when, what became of each row and which values
were replaced. ``meals_import`` and ``exercise_import`` follow the same rules through
``run_import`` (see "Meals and exercise" below).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePath
from typing import IO, Any, Protocol

from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from health import followups, grading, importing
from health.importing import BLOOD_PRESSURE, ImportFileError, Layout, ValueProblem
from health.models import (
    MAX_DISTANCE_KM_PER_DAY,
    MAX_STEPS_PER_DAY,
    MINUTES_PER_DAY,
    Checkup,
    CheckupResult,
    ExerciseRecord,
    ExerciseSource,
    ImportBatch,
    ImportKind,
    ImportStatus,
    Indicator,
    MealRecord,
)
from health.selectors import active_indicators
from people.models import Officer, User, age_on
from welfare.domain import DomainError
from welfare.queue import BrokerUnavailable, enqueue

__all__ = [
    "HealthError",
    "ImportFileError",
    "ImportSummary",
    "checkups_import",
    "exercise_import",
    "exercise_record_set",
    "meals_import",
]

logger = logging.getLogger(__name__)

# Rows per transaction (and per progress update). Measured on the benchmark (bench/bench_health.py):
# 2,000 writes about a third faster than 500 (fewer round trips, commits and prefetch queries).
IMPORT_CHUNK_ROWS = 2000


class HealthError(DomainError):
    """A health record that cannot be written as asked."""


@dataclass
class ImportSummary:
    rows: int = 0
    imported: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    batch_id: int | None = None
    dry_run: bool = False
    # Officers whose checkup rows were imported or found unchanged (not rejected): their health
    # profiles and follow-ups are brought up to date after the import.
    touched_officers: set[int] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        """The summary as ``--json`` prints it."""
        return {
            "rows": self.rows,
            "imported": self.imported,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": list(self.errors),
        }


class _RowRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _Catalogue:
    by_code: dict[str, Indicator]
    # Each indicator's rules, ready to grade the many values of an import.
    graders: dict[str, grading.Grader] = field(default_factory=dict)

    @classmethod
    def load(cls) -> _Catalogue:
        by_code = {indicator.code: indicator for indicator in active_indicators()}
        graders = {code: grading.Grader(indicator.rules.all()) for code, indicator in by_code.items()}
        return cls(by_code=by_code, graders=graders)

    def rules(self, code: str) -> list[Any]:
        return list(self.by_code[code].rules.all())


@dataclass(slots=True)
class _KnownCheckup:
    """A checkup as the database holds it (read by the chunk or just written by it)."""

    pk: int
    officer_id: int
    institution: str


# A result as the database holds it: (value, unit, category, flag), what later rows compare with. Plain
# tuples, not model instances: a re-import reads and compares a hundred thousand of them.
_Recorded = tuple[Decimal, str, str, str]
# A new result to write: (checkup id, indicator id, value, unit, category, flag).
_NewResult = tuple[int, int, Decimal, str, str, str]


@dataclass
class _Chunk:
    """What a chunk of rows needs from the database, read up front, kept current as rows are written."""

    officers: dict[str, Officer]
    checkups: dict[tuple[int, Any], _KnownCheckup | Checkup]
    results: dict[tuple[int, int], _Recorded]  # (checkup id, indicator id) → the recorded result
    # New checkups of the chunk, written together when the chunk ends (two INSERTs for all of them).
    pending: list[_Row] = field(default_factory=list)
    pending_keys: set[tuple[int, Any]] = field(default_factory=set)


class _Seen:
    """What one import has worked out already, kept while it runs.

    Reading a cell (cleaning, the number pattern, the unit, Decimal, rounding, the possible range) is a
    pure function of the cell's text and column, so it is done once per distinct text and column; files
    repeat values a lot (``74``, ``5.3``, ``120/80``). Only text cells are remembered (a CSV's cells are
    text; a workbook's numbers are read each time). The rules meant for a person are picked once per
    sex and age.
    """

    def __init__(self) -> None:
        self._columns: list[tuple[str, Indicator, str, dict[str, Any]]] | None = None
        self.pressures: dict[str, Any] = {}  # 血压 text → what _read_blood_pressure() gives
        self._bands: dict[tuple[str, int], dict[str, tuple[Any, ...]]] = {}
        self.no_date = _("No checkup date.")
        self.today = timezone.localdate()  # "in the future" means after the day the import started

    def columns(
        self, layout: Layout, catalogue: _Catalogue
    ) -> list[tuple[str, Indicator, str, dict[str, Any]]]:
        """(code, indicator, column label, what its texts read as) for each indicator the file has."""
        if self._columns is None:
            self._columns = [
                (code, indicator, layout.columns[code].label, {})
                for code, indicator in catalogue.by_code.items()
                if code in layout.columns and code not in importing.COMPUTED
            ]
        return self._columns

    def bands(self, catalogue: _Catalogue, *, sex: str, age: int) -> dict[str, tuple[Any, ...]]:
        """Each indicator's rules meant for a person of this sex and age (``grading.Grader.bands``)."""
        bands = self._bands.get((sex, age))
        if bands is None:
            bands = self._bands[(sex, age)] = {
                code: grader.bands(sex=sex, age=age) for code, grader in catalogue.graders.items()
            }
        return bands


@dataclass
class _Row:
    number: int
    officer: Officer
    date: Any
    institution: str
    graded: dict[str, tuple[Decimal, grading.Grade]]


# --- The service -----------------------------------------------------------------------------------------


def checkups_import(
    *,
    file: str | Path | IO[bytes],
    filename: str,
    institution: str | None = None,
    dry_run: bool = False,
    actor: User | None = None,
    batch: ImportBatch | None = None,
) -> ImportSummary:
    """Import a checkup file (.xlsx or .csv); see the module docstring for the rules.

    Raises ``ImportFileError`` (a DomainError) when the file as a whole cannot be imported;
    then nothing is written. Rejected rows are reported in the summary instead. ``batch``: an
    uploaded batch a worker has claimed (see ``import_batch_run``), instead of a new one.
    """
    default_institution = (institution or "").strip()

    def rows_of(table: importing.Table) -> tuple[Layout, Iterable[tuple[int, list[Any]]], _Rows]:
        catalogue = _Catalogue.load()
        layout, rows = importing.find_layout(table, indicators=catalogue.by_code.values())
        return layout, rows, _CheckupRows(layout, catalogue, default_institution)

    summary = run_import(
        file=file,
        filename=filename,
        kind=ImportKind.CHECKUPS,
        rows_of=rows_of,
        institution=default_institution,
        dry_run=dry_run,
        actor=actor,
        batch=batch,
    )
    if not summary.dry_run:
        # Latest checkup, risk level and follow-ups of everyone in the file (again after a re-import,
        # which is how an import that stopped half-way is finished).
        followups.checkups_imported(officer_ids=summary.touched_officers)
    return summary


class _Rows(Protocol):
    """How one kind of file is imported: what a chunk needs up front, and one row."""

    def prefetch(self, cells: list[tuple[int, dict[str, Any]]]) -> Any: ...

    def import_row(
        self,
        number: int,
        cells: dict[str, Any],
        known: Any,
        batch: ImportBatch | None,
        summary: ImportSummary,
    ) -> bool:
        """Check and record the row; True when anything was new or different. Raises _RowRejected."""
        ...


@dataclass
class _CheckupRows:
    layout: Layout
    catalogue: _Catalogue
    default_institution: str
    seen: _Seen = field(default_factory=_Seen)

    def prefetch(self, cells: list[tuple[int, dict[str, Any]]]) -> _Chunk:
        return _prefetch(cells)

    def import_row(
        self,
        number: int,
        cells: dict[str, Any],
        known: _Chunk,
        batch: ImportBatch | None,
        summary: ImportSummary,
    ) -> bool:
        row = _read_row(
            number, cells, self.layout, self.catalogue, known, self.default_institution, seen=self.seen
        )
        summary.touched_officers.add(row.officer.pk)
        key = (row.officer.pk, row.date)
        if key in known.pending_keys:
            # The same checkup twice in one file: the first must be written before the second compares.
            self.finish_chunk(known, batch, summary)
        if key not in known.checkups:
            known.pending.append(row)
            known.pending_keys.add(key)
            return True
        return _write_row(row, self.catalogue, known, batch, summary.changes)

    def finish_chunk(self, known: _Chunk, batch: ImportBatch | None, summary: ImportSummary) -> None:
        """Write the chunk's new checkups and their results at once; if that collides with another
        import, write them one by one so that only the colliding rows are rejected."""
        rows, known.pending, known.pending_keys = known.pending, [], set()
        if not rows:
            return
        by_code = self.catalogue.by_code
        try:
            with transaction.atomic():
                now = timezone.now()
                checkups = _insert_checkups(rows, batch, now)
                results = [
                    _new_result(checkup, by_code[code], value, grade)
                    for checkup, row in zip(checkups, rows, strict=True)
                    for code, (value, grade) in row.graded.items()
                ]
                _insert_results(results, now)
        except IntegrityError:
            for row in rows:
                try:
                    _write_row(row, self.catalogue, known, batch, summary.changes)
                except _RowRejected as rejection:
                    summary.imported -= 1  # it was counted when it was read
                    summary.rejected += 1
                    summary.errors.append({"row": row.number, "reason": rejection.message})
            summary.errors.sort(key=lambda error: error["row"])
            return
        for checkup, row in zip(checkups, rows, strict=True):
            known.checkups[(row.officer.pk, row.date)] = checkup
        for result in results:
            known.results[result[:2]] = result[2:]


def _new_result(
    checkup: _KnownCheckup | Checkup, indicator: Indicator, value: Decimal, grade: grading.Grade
) -> _NewResult:
    return (checkup.pk, indicator.pk, value, indicator.unit, grade.category, grade.flag)


def _insert_checkups(rows: list[_Row], batch: ImportBatch | None, now: dt.datetime) -> list[_KnownCheckup]:
    """Write the rows' new checkups in one INSERT; the checkups in the rows' order."""
    if connection.vendor != "postgresql":
        checkups = Checkup.objects.bulk_create(
            [
                Checkup(officer=row.officer, date=row.date, institution=row.institution, import_batch=batch)
                for row in rows
            ]
        )
        return [_KnownCheckup(checkup.pk, checkup.officer_id, checkup.institution) for checkup in checkups]
    # PostgreSQL: the same INSERT without building a model instance per row (bulk_create's own cost).
    sql = _checkup_insert_sql().format(values=", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows)))
    batch_id = batch.pk if batch is not None else None
    params = [
        value for row in rows for value in (now, now, row.officer.pk, row.date, row.institution, batch_id)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = {(officer_id, date): pk for pk, officer_id, date in cursor.fetchall()}
    return [_KnownCheckup(ids[(row.officer.pk, row.date)], row.officer.pk, row.institution) for row in rows]


def _insert_results(results: list[_NewResult], now: dt.datetime) -> None:
    """Write new results: by ``COPY ... FROM STDIN`` on PostgreSQL, else by bulk_create.

    A collision with a result already there (another import at the same moment) raises IntegrityError
    either way; created_at and updated_at are set as bulk_create sets them.
    """
    if connection.vendor != "postgresql":
        CheckupResult.objects.bulk_create(
            [
                CheckupResult(
                    checkup_id=checkup_id,
                    indicator_id=indicator_id,
                    value=value,
                    unit=unit,
                    category=category,
                    flag=flag,
                )
                for checkup_id, indicator_id, value, unit, category, flag in results
            ]
        )
        return
    stamp = now.isoformat()
    ends: dict[tuple[str, str, str], str] = {}  # (unit, category, flag) → the end of a line
    lines = []
    for checkup_id, indicator_id, value, *kind in results:
        end = ends.get(kind := tuple(kind))
        if end is None:
            end = ends[kind] = "".join(f"\t{_copy_text(text)}" for text in (*kind, stamp, stamp)) + "\n"
        # A value is rounded to its indicator's decimals (at most 3): str() writes it without an exponent.
        lines.append(f"{checkup_id}\t{indicator_id}\t{value}{end}")
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.copy_expert(_result_copy_sql(), io.StringIO("".join(lines)))


def _copy_text(text: str) -> str:
    """``text`` as a column of COPY's text format."""
    return text.translate(_COPY_ESCAPES)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _sql_columns(model: Any, names: tuple[str, ...]) -> str:
    return ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)


@functools.cache
def _checkup_insert_sql() -> str:
    """PostgreSQL: INSERT new checkups; ``{values}`` is for the rows' placeholders."""
    columns = ("created_at", "updated_at", "officer", "date", "institution", "import_batch")
    # Only the models' own table and column names, quoted, go into the text; the values are parameters.
    table = connection.ops.quote_name(Checkup._meta.db_table)
    returning = _sql_columns(Checkup, ("id", "officer", "date"))
    return f"INSERT INTO {table} ({_sql_columns(Checkup, columns)}) VALUES {{values}} RETURNING {returning}"  # noqa: S608


@functools.cache
def _result_copy_sql() -> str:
    """PostgreSQL: COPY new results in the order ``_insert_results`` writes their columns."""
    columns = ("checkup", "indicator", "value", "unit", "category", "flag", "created_at", "updated_at")
    table = connection.ops.quote_name(CheckupResult._meta.db_table)
    return f"COPY {table} ({_sql_columns(CheckupResult, columns)}) FROM STDIN"


def run_import(
    *,
    file: str | Path | IO[bytes],
    filename: str,
    kind: ImportKind,
    rows_of: Callable[[importing.Table], tuple[Layout, Iterable[tuple[int, list[Any]]], _Rows]],
    institution: str = "",
    dry_run: bool = False,
    actor: User | None = None,
    batch: ImportBatch | None = None,
) -> ImportSummary:
    """What every import shares: read the file, a dry run or a kept batch, chunks, counters, the audit row.

    ``rows_of(table)`` finds the file's layout and says how its rows are imported. ``batch`` is an
    uploaded batch a worker has claimed (``import_batch_run``): the import is recorded on it instead
    of a new one, and whatever stops the import, even before the first row, marks it failed.
    """
    with _failing(batch):
        data = importing.read_limited(file)
        table = importing.open_table(data, filename)
    try:
        with _failing(batch):
            layout, rows, importer = rows_of(table)
        if dry_run:
            with transaction.atomic():
                summary = _import_rows(rows, layout, importer, batch=None)
                transaction.set_rollback(True)
            summary.dry_run = True
            return summary
        if batch is None:
            batch = _batch_start(
                data=data, filename=filename, kind=kind, institution=institution, actor=actor
            )
        with _failing(batch):
            summary = _import_rows(rows, layout, importer, batch=batch)
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.DONE,
            finished_at=timezone.now(),
            rows=summary.rows,
            imported=summary.imported,
            unchanged=summary.unchanged,
            rejected=summary.rejected,
            errors=summary.errors,
            changes=summary.changes,
        )
        summary.batch_id = batch.pk
        audit_record(
            actor=actor,
            action=AuditAction.HEALTH_IMPORTED,
            target=batch,
            detail={
                "rows": summary.rows,
                "imported": summary.imported,
                "unchanged": summary.unchanged,
                "rejected": summary.rejected,
            },
        )
        return summary
    finally:
        if table.close is not None:
            table.close()


@contextmanager
def _failing(batch: ImportBatch | None) -> Iterator[None]:
    """Whatever escapes the block marks ``batch`` (if any) failed, then goes on."""
    try:
        yield
    except BaseException:
        if batch is not None:
            _batch_failed(batch)
        raise


def _batch_start(
    *,
    data: bytes,
    filename: str,
    kind: ImportKind,
    institution: str,
    actor: User | None,
    status: ImportStatus = ImportStatus.RUNNING,
    total_rows: int | None = None,
) -> ImportBatch:
    batch = ImportBatch(
        kind=kind,
        original_filename=PurePath(filename).name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        institution=institution[:100],
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        status=status,
        total_rows=total_rows,
    )
    # The file is kept first: a batch that fails half-way can be looked at and imported again.
    batch.file.save(batch.original_filename, ContentFile(data), save=False)
    try:
        batch.save()
    except BaseException:
        batch.file.delete(save=False)  # no batch, no file
        raise
    return batch


def _batch_failed(batch: ImportBatch) -> None:
    """Mark the batch failed; its counters are those of the committed chunks."""
    try:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED, finished_at=timezone.now())
    except DatabaseError:  # the database itself is what failed: the import's own error says more
        logger.exception("could not mark import batch %s as failed", batch.pk)


def _non_empty(rows: Iterable[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    for number, values in rows:
        if any(importing.clean_text(value) for value in values):
            yield number, values


def _chunks(rows: Iterable[tuple[int, list[Any]]], size: int) -> Iterator[list[tuple[int, list[Any]]]]:
    chunk: list[tuple[int, list[Any]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _import_rows(
    rows: Iterable[tuple[int, list[Any]]],
    layout: Layout,
    importer: _Rows,
    *,
    batch: ImportBatch | None,
) -> ImportSummary:
    summary = ImportSummary(ignored_columns=list(layout.ignored))
    for chunk in _chunks(_non_empty(rows), IMPORT_CHUNK_ROWS):
        cells = [(number, layout.cells(values)) for number, values in chunk]
        with transaction.atomic():
            known = importer.prefetch(cells)
            for number, row_cells in cells:
                try:
                    changed = importer.import_row(number, row_cells, known, batch, summary)
                except _RowRejected as rejection:
                    summary.rejected += 1
                    summary.errors.append({"row": number, "reason": rejection.message})
                else:
                    if changed:
                        summary.imported += 1
                    else:
                        summary.unchanged += 1
                summary.rows += 1
            finish = getattr(importer, "finish_chunk", None)
            if finish is not None:
                finish(known, batch, summary)
            if batch is not None:
                # Progress: committed with the chunk's rows.
                ImportBatch.objects.filter(pk=batch.pk).update(
                    rows=summary.rows,
                    imported=summary.imported,
                    unchanged=summary.unchanged,
                    rejected=summary.rejected,
                )
    return summary


def _prefetch(cells: list[tuple[int, dict[str, Any]]]) -> _Chunk:
    officers = _officers_named(cells)
    dates = _dates_named(cells)
    # Plain values, not model instances: a re-import compares a hundred thousand of them. Unordered: the
    # models' default orderings would join officers and indicators and sort every chunk's rows.
    checkups = {
        (officer_id, date): _KnownCheckup(pk, officer_id, institution)
        for pk, officer_id, date, institution in Checkup.objects.filter(
            officer_id__in=[officer.pk for officer in officers.values()], date__in=dates
        )
        .order_by()
        .values_list("pk", "officer_id", "date", "institution")
    }
    results = {
        (checkup_id, indicator_id): (value, unit, category, flag)
        for checkup_id, indicator_id, value, unit, category, flag in CheckupResult.objects.filter(
            checkup_id__in=[checkup.pk for checkup in checkups.values()]
        )
        .order_by()
        .values_list("checkup_id", "indicator_id", "value", "unit", "category", "flag")
    }
    return _Chunk(officers=officers, checkups=checkups, results=results)


# --- One row ---------------------------------------------------------------------------------------------


def _read_row(
    number: int,
    cells: dict[str, Any],
    layout: Layout,
    catalogue: _Catalogue,
    known: _Chunk,
    default_institution: str,
    *,
    seen: _Seen | None = None,
) -> _Row:
    """Check the row and grade its values; raises _RowRejected with every problem found."""
    seen = seen if seen is not None else _Seen()
    officer = _row_officer(cells, known.officers)
    date = _row_date(cells, layout, officer, missing=seen.no_date, today=seen.today)
    values, problems = _read_values(cells, layout, catalogue, seen=seen)
    if problems:
        raise _RowRejected(" ".join(problems))
    if not values:
        raise _RowRejected(_("Nothing was measured in this row."))
    institution = importing.clean_text(cells.get("institution"))[:100] or default_institution
    return _Row(
        number=number,
        officer=officer,
        date=date,
        institution=institution,
        graded=_grade(values, catalogue, sex=officer.sex, age=age_on(officer.birth_date, date), seen=seen),
    )


def _row_officer(cells: dict[str, Any], officers: dict[str, Officer]) -> Officer:
    """The officer a row names by 警号 (and, when the row has one, by a name that must match)."""
    police_number = importing.clean_police_number(cells.get("police_no"))
    if not police_number:
        raise _RowRejected(_("No police number."))
    officer = officers.get(police_number)
    if officer is None:
        raise _RowRejected(_("Unknown police number %(number)s.") % {"number": police_number})
    name = importing.clean_name(cells.get("name"))
    if name and name != importing.clean_name(officer.name):
        raise _RowRejected(
            _("The name %(name)s does not match the officer with police number %(number)s.")
            % {"name": importing.clean_text(cells.get("name")), "number": police_number}
        )
    return officer


def _row_date(
    cells: dict[str, Any], layout: Layout, officer: Officer, *, missing: str, today: dt.date | None = None
) -> dt.date:
    """The row's date: required, not in the future (after ``today``, by default now's), not before the
    officer was born."""
    date_label = layout.columns["date"].label
    if importing.is_not_measured(cells.get("date")):
        raise _RowRejected(missing)
    try:
        date = importing.parse_date(cells.get("date"), column=date_label)
    except ValueProblem as problem:
        raise _RowRejected(problem.message) from None
    if date > (today or timezone.localdate()):
        raise _RowRejected(
            _("%(column)s: %(date)s is in the future.") % {"column": date_label, "date": date.isoformat()}
        )
    if date < officer.birth_date:
        raise _RowRejected(
            _("%(column)s: %(date)s is before the officer's birth date.")
            % {"column": date_label, "date": date.isoformat()}
        )
    return date


def _officers_named(cells: list[tuple[int, dict[str, Any]]]) -> dict[str, Officer]:
    """The officers a chunk's rows name, by police number (one query)."""
    numbers = {importing.clean_police_number(row.get("police_no")) for _number, row in cells}
    return {
        officer.police_number: officer
        for officer in Officer.objects.filter(police_number__in=numbers - {""}).only(
            "id", "police_number", "name", "sex", "birth_date"
        )
    }


def _dates_named(cells: list[tuple[int, dict[str, Any]]]) -> set[dt.date]:
    dates = set()
    for _number, row in cells:
        try:
            dates.add(importing.parse_date(row.get("date"), column=""))
        except ValueProblem:
            continue
    return dates


_UNREAD = object()


def _read_values(
    cells: dict[str, Any], layout: Layout, catalogue: _Catalogue, *, seen: _Seen | None = None
) -> tuple[dict[str, Decimal], list[str]]:
    """The row's measured values, rounded to each indicator's decimals and checked as possible."""
    seen = seen if seen is not None else _Seen()
    values: dict[str, Decimal] = {}
    checks: dict[str, tuple[Decimal, bool]] = {}  # code → (value rounded, whether possible)
    labels: dict[str, str] = {}
    problems: list[str] = []
    for code, indicator, label, memo in seen.columns(layout, catalogue):
        raw = cells.get(code)
        text = type(raw) is str
        read = memo.get(raw, _UNREAD) if text else _UNREAD
        if read is _UNREAD:
            read = _read_measurement(raw, indicator, column=label)
            if text:
                memo[raw] = read
        if read is None:
            continue
        if type(read) is str:
            problems.append(read)
            continue
        values[code], checks[code] = read
        labels[code] = label
    bp_column = layout.columns.get(BLOOD_PRESSURE)
    if bp_column is not None:
        raw = cells.get(BLOOD_PRESSURE)
        text = type(raw) is str
        pair = seen.pressures.get(raw, _UNREAD) if text else _UNREAD
        if pair is _UNREAD:
            pair = _read_blood_pressure(raw, catalogue, column=bp_column.label)
            if text:
                seen.pressures[raw] = pair
        if type(pair) is str:
            problems.append(pair)
        elif pair is not None:
            for code, (value, check) in zip(("sbp", "dbp"), pair, strict=True):
                if code not in catalogue.by_code:
                    continue
                if code in values and values[code] != value:
                    problems.append(
                        _("%(column)s and %(other)s disagree.")
                        % {"column": bp_column.label, "other": labels[code]}
                    )
                    continue
                values[code], checks[code], labels[code] = value, check, bp_column.label
    for code in values:
        values[code], possible = checks[code]
        if not possible:
            problems.append(_impossible(labels[code], values[code], catalogue.by_code[code]))
    if "sbp" in values and "dbp" in values and values["sbp"] <= values["dbp"] and not problems:
        problems.append(
            _("The systolic pressure %(sbp)s must be higher than the diastolic pressure %(dbp)s.")
            % {"sbp": values["sbp"], "dbp": values["dbp"]}
        )
    bmi_indicator = catalogue.by_code.get("bmi")
    if bmi_indicator is not None and "height" in values and "weight" in values and not problems:
        bmi = grading.quantize(
            grading.bmi(height_cm=values["height"], weight_kg=values["weight"]), bmi_indicator.decimals
        )
        if not bmi_indicator.plausible_min <= bmi <= bmi_indicator.plausible_max:
            problems.append(
                _("The BMI %(bmi)s from height %(height)s and weight %(weight)s is impossible; check both.")
                % {"bmi": bmi, "height": labels["height"], "weight": labels["weight"]}
            )
        else:
            values["bmi"] = bmi
    return values, problems


def _checked(value: Decimal, indicator: Indicator) -> tuple[Decimal, tuple[Decimal, bool]]:
    """The value as read, and (the value rounded to the indicator's decimals, whether it is possible)."""
    rounded = grading.quantize(value, indicator.decimals)
    return value, (rounded, indicator.plausible_min <= rounded <= indicator.plausible_max)


def _read_measurement(
    raw: Any, indicator: Indicator, *, column: str
) -> tuple[Decimal, tuple[Decimal, bool]] | str | None:
    """A cell's number (``_checked``), the problem with it (a message), or None when not measured."""
    if importing.is_not_measured(raw):
        return None
    try:
        return _checked(importing.parse_measurement(raw, column=column, unit=indicator.unit), indicator)
    except ValueProblem as problem:
        return problem.message


def _read_blood_pressure(raw: Any, catalogue: _Catalogue, *, column: str) -> Any:
    """A 血压 cell's two readings (each ``_checked``, or None where the catalogue has no such indicator),
    the problem with it (a message), or None when not measured."""
    if importing.is_not_measured(raw):
        return None
    try:
        pair = importing.parse_blood_pressure(raw, column=column)
    except ValueProblem as problem:
        return problem.message
    return tuple(
        _checked(value, catalogue.by_code[code]) if code in catalogue.by_code else (value, None)
        for code, value in zip(("sbp", "dbp"), pair, strict=True)
    )


def _impossible(column: str, value: Decimal, indicator: Indicator) -> str:
    return _("%(column)s: %(value)s %(unit)s is impossible (possible: %(min)s–%(max)s).") % {
        "column": column,
        "value": f"{value.normalize():f}",
        "unit": indicator.unit,
        "min": f"{indicator.plausible_min.normalize():f}",
        "max": f"{indicator.plausible_max.normalize():f}",
    }


def _grade(
    values: dict[str, Decimal], catalogue: _Catalogue, *, sex: str, age: int, seen: _Seen | None = None
) -> dict[str, tuple[Decimal, grading.Grade]]:
    bands = (seen if seen is not None else _Seen()).bands(catalogue, sex=sex, age=age)
    grade_in = grading.grade_in
    graded = {
        code: (value, grade_in(bands[code], value))
        for code, value in values.items()
        if code not in importing.BLOOD_PRESSURE_CODES
    }
    # Each reading graded by its own rules, then the worse category for both (grading.grade_blood_pressure).
    sbp, dbp = values.get("sbp"), values.get("dbp")
    sbp_grade, dbp_grade = grading.share_blood_pressure(
        grade_in(bands["sbp"], sbp) if sbp is not None else None,
        grade_in(bands["dbp"], dbp) if dbp is not None else None,
    )
    for code, pair_grade in (("sbp", sbp_grade), ("dbp", dbp_grade)):
        if pair_grade is not None:
            graded[code] = (values[code], pair_grade)
    return graded


def _write_row(
    row: _Row, catalogue: _Catalogue, known: _Chunk, batch: ImportBatch | None, changes: list[dict[str, Any]]
) -> bool:
    """Record the row in its own savepoint; True when anything was new or different."""
    checkup = known.checkups.get((row.officer.pk, row.date))
    new_checkup = checkup is None
    new_institution = not new_checkup and bool(row.institution) and checkup.institution != row.institution
    # What differs from the record, worked out before writing: an unchanged row costs no query.
    plan: list[tuple[str, Indicator, Decimal, grading.Grade, _Recorded | None]] = []
    for code, (value, grade) in row.graded.items():
        indicator = catalogue.by_code[code]
        current = None if new_checkup else known.results.get((checkup.pk, indicator.pk))
        wanted = (value, indicator.unit, grade.category, grade.flag)
        if current != wanted:  # None (not recorded yet) or different
            plan.append((code, indicator, value, grade, current))
    if not (new_checkup or new_institution or plan):
        return False

    now = timezone.now()
    creates: list[CheckupResult] = []
    try:
        with transaction.atomic():
            if new_checkup:
                checkup = Checkup.objects.create(
                    officer=row.officer, date=row.date, institution=row.institution, import_batch=batch
                )
            elif new_institution:
                Checkup.objects.filter(pk=checkup.pk).update(institution=row.institution, updated_at=now)
            for _code, indicator, value, grade, current in plan:
                if current is None:
                    creates.append(
                        CheckupResult(
                            checkup_id=checkup.pk,
                            indicator=indicator,
                            value=value,
                            unit=indicator.unit,
                            category=grade.category,
                            flag=grade.flag,
                        )
                    )
                else:
                    # By its key: a result this import wrote by COPY has no id at hand.
                    CheckupResult.objects.filter(checkup_id=checkup.pk, indicator_id=indicator.pk).update(
                        value=value,
                        unit=indicator.unit,
                        category=grade.category,
                        flag=grade.flag,
                        updated_at=now,
                    )
            CheckupResult.objects.bulk_create(creates)
    except IntegrityError:
        # Another import wrote this checkup at the same moment; this row's savepoint is rolled back.
        raise _RowRejected(
            _("Another import wrote this checkup at the same moment; import the file again.")
        ) from None

    # The savepoint is released: keep the chunk's picture current for later rows of the same file.
    if new_checkup:
        known.checkups[(row.officer.pk, row.date)] = checkup
    elif new_institution:
        checkup.institution = row.institution
    for code, indicator, value, grade, current in plan:
        known.results[(checkup.pk, indicator.pk)] = (value, indicator.unit, grade.category, grade.flag)
        if current is None:
            continue
        old_value, _unit, old_category, _flag = current
        changes.append(
            {
                "row": row.number,
                "police_no": row.officer.police_number,
                "date": row.date.isoformat(),
                "indicator": code,
                "old": f"{old_value.normalize():f}",
                "new": f"{value.normalize():f}",
                "old_category": old_category,
                "new_category": grade.category,
            }
        )
    return True


# --- Meals and exercise ------------------------------------------------------------------------------------
#
# The same contract as checkups (one savepoint per row, chunks, idempotence, dry run, a kept batch, the
# audit row), with simpler records: one MealRecord per officer, date, meal and canteen; one ExerciseRecord
# per officer, date and source. A value the row leaves empty keeps what is recorded (a new record leaves
# it empty: "not recorded", which is not zero); a different value replaces it and is listed in ``changes``.

# The most one meal can hold; beyond this a value is a typing or unit error (grams typed as milligrams).
MEAL_LIMITS: dict[str, Decimal] = {
    "energy_kcal": Decimal(5000),
    "salt_g": Decimal(50),
    "oil_g": Decimal(200),
    "sugar_g": Decimal(300),
    "vegetables_g": Decimal(3000),
    "fruit_g": Decimal(3000),
}
EXERCISE_LIMITS: dict[str, Decimal] = {
    "steps": Decimal(MAX_STEPS_PER_DAY),
    "active_minutes": Decimal(MINUTES_PER_DAY),
    "distance_km": Decimal(MAX_DISTANCE_KM_PER_DAY),
}
_EXERCISE_VALUES = ("steps", "active_minutes", "distance_km")


def meals_import(
    *,
    file: str | Path | IO[bytes],
    filename: str,
    dry_run: bool = False,
    actor: User | None = None,
    batch: ImportBatch | None = None,
) -> ImportSummary:
    """Import a canteen system's meal export (.xlsx or .csv), one row per officer and meal.

    Columns: 警号/police_no, 姓名/name (optional), 日期/date, 餐次/meal (早餐/午餐/晚餐/加餐 or English),
    食堂/canteen (optional), and any of 能量/energy_kcal (kcal), 盐/salt_g, 油/oil_g, 糖/sugar_g,
    蔬菜/vegetables_g, 水果/fruit_g (grams). Raises ``ImportFileError`` for a file that cannot be imported.
    """

    def rows_of(table: importing.Table) -> tuple[Layout, Iterable[tuple[int, list[Any]]], _Rows]:
        layout, rows = _meal_layout(table)
        return layout, rows, _DailyRows(layout, _MEAL_KIND)

    return run_import(
        file=file,
        filename=filename,
        kind=ImportKind.MEALS,
        rows_of=rows_of,
        dry_run=dry_run,
        actor=actor,
        batch=batch,
    )


def exercise_import(
    *,
    file: str | Path | IO[bytes],
    filename: str,
    dry_run: bool = False,
    actor: User | None = None,
    batch: ImportBatch | None = None,
) -> ImportSummary:
    """Import a wristband's or fitness app's daily export (.xlsx or .csv), one row per officer and day.

    Columns: 警号/police_no, 姓名/name (optional), 日期/date, any of 步数/steps, 活动分钟/active_minutes,
    距离/distance_km (km), and 来源/source (设备/应用/手动 or device/app/manual; ``device`` when the
    file has no such column). Raises ``ImportFileError`` for a file that cannot be imported.
    """

    def rows_of(table: importing.Table) -> tuple[Layout, Iterable[tuple[int, list[Any]]], _Rows]:
        layout, rows = _exercise_layout(table)
        return layout, rows, _DailyRows(layout, _EXERCISE_KIND)

    return run_import(
        file=file,
        filename=filename,
        kind=ImportKind.EXERCISE,
        rows_of=rows_of,
        dry_run=dry_run,
        actor=actor,
        batch=batch,
    )


def _meal_layout(table: importing.Table) -> tuple[Layout, Iterator[tuple[int, list[Any]]]]:
    return importing.read_layout(
        table,
        aliases=importing.aliases_of(importing.MEAL_HEADERS),
        units=importing.MEAL_UNITS,
        required={
            "date": _("The file has no 日期 (date) column."),
            "meal": _("The file has no 餐次 (meal) column."),
        },
    )


def _exercise_layout(table: importing.Table) -> tuple[Layout, Iterator[tuple[int, list[Any]]]]:
    return importing.read_layout(
        table,
        aliases=importing.aliases_of(importing.EXERCISE_HEADERS),
        units=importing.EXERCISE_UNITS,
        required={"date": _("The file has no 日期 (date) column.")},
    )


@dataclass(frozen=True)
class _DailyKind:
    """What differs between meal and exercise rows: the model, the key beside officer and date, the values."""

    model: type[MealRecord] | type[ExerciseRecord]
    key_fields: tuple[str, ...]  # beside officer and date
    values: dict[str, tuple[str, Decimal]]  # field → (unit, highest possible value)
    whole_numbers: frozenset[str]
    decimals: int

    def key_of(self, record: Any) -> tuple[Any, ...]:
        return (record.officer_id, record.date, *(getattr(record, name) for name in self.key_fields))


_MEAL_KIND = _DailyKind(
    model=MealRecord,
    key_fields=("meal", "canteen"),
    values={name: (importing.MEAL_UNITS[name], limit) for name, limit in MEAL_LIMITS.items()},
    whole_numbers=frozenset(),
    decimals=1,
)
_EXERCISE_KIND = _DailyKind(
    model=ExerciseRecord,
    key_fields=("source",),
    values={name: (importing.EXERCISE_UNITS[name], limit) for name, limit in EXERCISE_LIMITS.items()},
    whole_numbers=frozenset({"steps", "active_minutes"}),
    decimals=2,
)


@dataclass
class _DailyChunk:
    officers: dict[str, Officer]
    records: dict[tuple[Any, ...], Any]  # _DailyKind.key_of → record


@dataclass
class _DailyRows:
    layout: Layout
    kind: _DailyKind

    def prefetch(self, cells: list[tuple[int, dict[str, Any]]]) -> _DailyChunk:
        officers = _officers_named(cells)
        records = self.kind.model.objects.filter(
            officer_id__in=[officer.pk for officer in officers.values()], date__in=_dates_named(cells)
        )
        return _DailyChunk(
            officers=officers, records={self.kind.key_of(record): record for record in records}
        )

    def import_row(
        self,
        number: int,
        cells: dict[str, Any],
        known: _DailyChunk,
        batch: ImportBatch | None,
        summary: ImportSummary,
    ) -> bool:
        officer = _row_officer(cells, known.officers)
        date = _row_date(cells, self.layout, officer, missing=_("No date."))
        key_values = self._key_values(cells)
        values = self._values(cells)
        if not values:
            raise _RowRejected(_("Nothing was recorded in this row."))
        key = (officer.pk, date, *key_values.values())
        record = known.records.get(key)
        if record is None:
            try:
                with transaction.atomic():
                    record = self.kind.model.objects.create(
                        officer=officer, date=date, import_batch=batch, **key_values, **values
                    )
            except IntegrityError:
                raise _RowRejected(
                    _("Another import wrote this record at the same moment; import the file again.")
                ) from None
            known.records[key] = record
            return True
        different = {name: value for name, value in values.items() if getattr(record, name) != value}
        if not different:
            return False
        self.kind.model.objects.filter(pk=record.pk).update(updated_at=timezone.now(), **different)
        for name, value in different.items():
            old = getattr(record, name)
            summary.changes.append(
                {
                    "row": number,
                    "police_no": officer.police_number,
                    "date": date.isoformat(),
                    **key_values,
                    "field": name,
                    "old": None if old is None else _plain(old),
                    "new": _plain(value),
                }
            )
            setattr(record, name, value)
        return True

    def _key_values(self, cells: dict[str, Any]) -> dict[str, str]:
        columns = self.layout.columns
        if self.kind.model is MealRecord:
            if importing.is_not_measured(cells.get("meal")):
                raise _RowRejected(_("No meal (餐次)."))
            try:
                meal = importing.parse_meal(cells.get("meal"), column=columns["meal"].label)
            except ValueProblem as problem:
                raise _RowRejected(problem.message) from None
            return {"meal": meal, "canteen": importing.clean_text(cells.get("canteen"))[:100]}
        if "source" not in columns or importing.is_not_measured(cells.get("source")):
            return {"source": ExerciseSource.DEVICE}
        try:
            return {"source": importing.parse_source(cells.get("source"), column=columns["source"].label)}
        except ValueProblem as problem:
            raise _RowRejected(problem.message) from None

    def _values(self, cells: dict[str, Any]) -> dict[str, Any]:
        """The row's values, each possible; raises _RowRejected listing every problem."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        for name, (unit, highest) in self.kind.values.items():
            column = self.layout.columns.get(name)
            if column is None or importing.is_not_measured(cells.get(name)):
                continue
            try:
                if name in self.kind.whole_numbers:
                    value = Decimal(
                        importing.parse_whole_number(cells.get(name), column=column.label, unit=unit)
                    )
                else:
                    value = grading.quantize(
                        importing.parse_measurement(cells.get(name), column=column.label, unit=unit),
                        self.kind.decimals,
                    )
            except ValueProblem as problem:
                problems.append(problem.message)
                continue
            if not Decimal(0) <= value <= highest:
                problems.append(out_of_range(column.label, value, unit, highest))
                continue
            values[name] = int(value) if name in self.kind.whole_numbers else value
        if problems:
            raise _RowRejected(" ".join(problems))
        return values


def out_of_range(label: str, value: Decimal | int, unit: str, highest: Decimal | int) -> str:
    return _("%(column)s: %(value)s %(unit)s is impossible (possible: %(min)s–%(max)s).") % {
        "column": label,
        "value": _plain(value),
        "unit": unit,
        "min": "0",
        "max": _plain(highest),
    }


def _plain(value: Decimal | int) -> str:
    return f"{Decimal(value).normalize():f}"


# --- The phone's own daily record ---------------------------------------------------------------------


@transaction.atomic
def exercise_record_set(
    *,
    officer: Officer,
    date: dt.date,
    steps: int | None,
    active_minutes: int | None,
    distance_km: Decimal | None,
    source: str = ExerciseSource.APP,
    actor: User | None,
) -> tuple[ExerciseRecord, bool]:
    """Record an officer's day from one source; the same date and source again replaces it.

    Returns (record, created). A record that already holds these values is returned untouched
    (no write, no audit row), so a phone that syncs the same day twice changes nothing. Refuses a
    future date and impossible values with a ``HealthError`` naming the field.
    """
    if source not in ExerciseSource.values:
        raise HealthError(_("Unknown source %(source)s.") % {"source": source}, field="source")
    if date > timezone.localdate():
        raise HealthError(_("The date %(date)s is in the future.") % {"date": date.isoformat()}, field="date")
    given = {"steps": steps, "active_minutes": active_minutes, "distance_km": distance_km}
    if all(value is None for value in given.values()):
        raise HealthError(_("Give the steps, the active minutes or the distance."))
    labels = {"steps": _("steps"), "active_minutes": _("active minutes"), "distance_km": _("distance")}
    for name, value in given.items():
        unit, highest = _EXERCISE_KIND.values[name]
        if value is not None and not 0 <= value <= highest:
            raise HealthError(out_of_range(str(labels[name]), value, unit, highest), field=name)
    if distance_km is not None:
        given["distance_km"] = grading.quantize(Decimal(distance_km), _EXERCISE_KIND.decimals)

    # Lock the officer: two syncs of the same day at once serialise instead of colliding on insert.
    Officer.objects.select_for_update().filter(pk=officer.pk).first()
    record = ExerciseRecord.objects.filter(officer=officer, date=date, source=source).first()
    if record is None:
        record = ExerciseRecord.objects.create(officer=officer, date=date, source=source, **given)
        created = True
    else:
        old = {name: getattr(record, name) for name in given}
        if old == given:
            return record, False
        for name, value in given.items():
            setattr(record, name, value)
        record.save(update_fields=[*given, "updated_at"])
        created = False
    audit_record(
        actor=actor,
        action=AuditAction.HEALTH_IMPORTED,
        target=record,
        detail={
            "kind": ImportKind.EXERCISE,
            "source": source,
            "date": date.isoformat(),
            "created": created,
            **{name: None if value is None else _plain(value) for name, value in given.items()},
        },
    )
    return record, created


# --- Uploads on the portal, imported by a worker -------------------------------------------------------
#
# The portal checks an uploaded file at once (size, type, header row) and counts its rows, keeps it as a
# queued batch and, once that has committed, hands the batch's id to a worker on the ``imports`` queue
# (health/tasks.py). The worker claims the batch and runs its file through the same function as the
# command line, recording the import on that batch; the counters it updates after every chunk are the
# page's progress bar. A broker that is down leaves the batch queued, file kept: it is late, never lost,
# and "Send again" on its page hands it over once the broker is back (the web request never imports a
# file itself: a large one would outlast the request).

# How long a worker may hold a batch it has claimed. Longer than the task's hard time limit
# (health/tasks.py), so a batch still running past it has lost its worker and may be claimed again.
# The claim writes the lease's end into ``lease_until``.
IMPORT_LEASE = dt.timedelta(minutes=40)

_ACTIVE = (ImportStatus.QUEUED, ImportStatus.RUNNING)


def _checkup_layout(table: importing.Table) -> tuple[Layout, Iterator[tuple[int, list[Any]]]]:
    return importing.find_layout(table, indicators=active_indicators())


_LAYOUTS: dict[str, Callable[[importing.Table], tuple[Layout, Iterator[tuple[int, list[Any]]]]]] = {
    ImportKind.CHECKUPS: _checkup_layout,
    ImportKind.MEALS: _meal_layout,
    ImportKind.EXERCISE: _exercise_layout,
}


def import_file_rows(*, kind: str, data: bytes, filename: str, count: bool = True) -> int | None:
    """The file's data rows (wholly empty rows not counted); raises ``ImportFileError`` as an import would.

    Counting reads the whole file, so a sheet damaged below its header is refused too. ``count=False``
    only checks the file up to its header row and returns None.
    """
    table = importing.open_table(data, filename)
    try:
        _layout, rows = _LAYOUTS[kind](table)
        return sum(1 for _row in _non_empty(rows)) if count else None
    finally:
        if table.close is not None:
            table.close()


def _counted_on_upload(filename: str) -> bool:
    # A CSV is counted in a second or so (16 MB, 250,000 rows: 1.0 s); a workbook takes openpyxl far
    # longer (150,000 rows: 34 s), too long for a web request, so the worker counts it before importing.
    return PurePath(filename).suffix.lower() == ".csv"


def import_upload(
    *,
    kind: str,
    file: IO[bytes],
    filename: str,
    institution: str = "",
    actor: User | None,
) -> ImportBatch:
    """Keep an uploaded file as a queued batch and hand it to a worker once committed.

    A file that cannot be imported (too large, not .xlsx or .csv by content, no header row with
    警号 or another column its kind needs) raises ``ImportFileError`` with the same message as the
    command line, and nothing is kept. A CSV's data rows are counted for the progress bar
    (``total_rows``); a workbook's are counted by the worker, which has the time. The same content
    of the same kind uploaded again while the first is still queued or running (a double click)
    returns that batch instead of a second one.
    """
    kind = ImportKind(kind)
    data = importing.read_limited(file)
    total_rows = import_file_rows(kind=kind, data=data, filename=filename, count=_counted_on_upload(filename))
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        if actor is not None and actor.is_authenticated:
            # Serialises one person's uploads, so a double click finds the first batch (on SQLite the
            # write transaction already does).
            User.objects.select_for_update().filter(pk=actor.pk).first()
        existing = ImportBatch.objects.filter(kind=kind, sha256=digest, status__in=_ACTIVE).first()
        if existing is not None:
            return existing
        batch = _batch_start(
            data=data,
            filename=filename,
            kind=kind,
            institution=(institution or "").strip() if kind == ImportKind.CHECKUPS else "",
            actor=actor,
            status=ImportStatus.QUEUED,
            total_rows=total_rows,
        )
        audit_record(
            actor=actor,
            action=AuditAction.HEALTH_IMPORTED,
            target=batch,
            detail={"step": "uploaded", "kind": kind, "total_rows": total_rows},
        )
        batch_id = batch.pk
        transaction.on_commit(lambda: import_batch_send(batch_id=batch_id))
    return batch


def import_batch_send(*, batch_id: int) -> bool:
    """Hand a batch to a worker now; False (and a warning in the log) when the broker cannot be reached.

    Sending twice is harmless: only one worker can claim the batch.
    """
    from health.tasks import import_batch  # the task module imports this one

    try:
        enqueue(import_batch, batch_id)
    except BrokerUnavailable as exc:
        logger.warning("import batch %s stays queued: %s", batch_id, exc)
        return False
    return True


def _stalled(now: dt.datetime) -> Q:
    """Running batches whose worker has died: past the lease, or started by a command that never finished."""
    return Q(status=ImportStatus.RUNNING) & (
        Q(lease_until__lt=now) | Q(lease_until__isnull=True, created_at__lt=now - IMPORT_LEASE)
    )


def import_batch_stalled(batch: ImportBatch, *, now: dt.datetime | None = None) -> bool:
    """True when a running batch has outlived its worker (see IMPORT_LEASE)."""
    now = now or timezone.now()
    if batch.status != ImportStatus.RUNNING:
        return False
    if batch.lease_until is not None:
        return batch.lease_until < now
    return batch.created_at < now - IMPORT_LEASE


def import_batch_can_retry(batch: ImportBatch, *, now: dt.datetime | None = None) -> bool:
    """Failed, stalled, or still queued (its task may have been lost with a broker that was down)."""
    return batch.status in (ImportStatus.FAILED, ImportStatus.QUEUED) or import_batch_stalled(batch, now=now)


def _claim(batch_id: int, now: dt.datetime) -> bool:
    """Take the batch for this worker with one conditional UPDATE; False when it is not there to take."""
    claimable = Q(status__in=(ImportStatus.QUEUED, ImportStatus.FAILED)) | _stalled(now)
    return bool(
        ImportBatch.objects.filter(claimable, pk=batch_id).update(
            status=ImportStatus.RUNNING,
            lease_until=now + IMPORT_LEASE,
            finished_at=None,
            rows=0,
            imported=0,
            unchanged=0,
            rejected=0,
            errors=[],
            changes=[],
        )
    )


def import_batch_run(*, batch_id: int) -> ImportSummary | None:
    """Import a batch's stored file on a worker; None when there is nothing to do. Safe to run twice.

    The batch is claimed first (queued → running, one conditional UPDATE): a batch another worker
    holds, or one that is done, is left alone. A failed batch, or one running past its lease (its
    worker died), is claimed again and imported from the start; importing is idempotent, so the
    records come out the same and the rows the dead run wrote count as unchanged.
    """
    if not _claim(batch_id, timezone.now()):
        logger.info("import batch %s is done, gone or held by another worker; nothing to do", batch_id)
        return None
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    with _failing(batch):
        handle = batch.file.open("rb")
        if batch.total_rows is None:  # a workbook: counted here, not on upload
            with handle:
                batch.total_rows = import_file_rows(
                    kind=batch.kind, data=importing.read_limited(handle), filename=batch.original_filename
                )
            ImportBatch.objects.filter(pk=batch.pk).update(total_rows=batch.total_rows)
            handle = batch.file.open("rb")
    with handle:
        common = {
            "file": handle,
            "filename": batch.original_filename,
            "actor": batch.uploaded_by,
            "batch": batch,
        }
        if batch.kind == ImportKind.CHECKUPS:
            return checkups_import(institution=batch.institution, **common)
        if batch.kind == ImportKind.MEALS:
            return meals_import(**common)
        return exercise_import(**common)


def import_batch_retry(*, batch: ImportBatch, actor: User) -> bool:
    """Queue a failed or stalled batch again (or send a queued one again) and hand it to a worker.

    False, changing nothing, when the batch is running or done by the time this runs.
    """
    now = timezone.now()
    with transaction.atomic():
        requeued = ImportBatch.objects.filter(
            Q(status__in=(ImportStatus.FAILED, ImportStatus.QUEUED)) | _stalled(now), pk=batch.pk
        ).update(status=ImportStatus.QUEUED, finished_at=None, lease_until=None)
        if not requeued:
            return False
        audit_record(
            actor=actor,
            action=AuditAction.HEALTH_IMPORTED,
            target=batch,
            detail={"step": "retry", "status": batch.status},
        )
        batch_id = batch.pk
        transaction.on_commit(lambda: import_batch_send(batch_id=batch_id))
    batch.status, batch.finished_at, batch.lease_until = ImportStatus.QUEUED, None, None
    return True
