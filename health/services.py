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
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePath
from typing import IO, Any, Protocol

from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from health import grading, importing
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
from people.models import Officer, User
from welfare.domain import DomainError

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

IMPORT_CHUNK_ROWS = 500


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

    @classmethod
    def load(cls) -> _Catalogue:
        return cls(by_code={indicator.code: indicator for indicator in active_indicators()})

    def rules(self, code: str) -> list[Any]:
        return list(self.by_code[code].rules.all())


@dataclass
class _Chunk:
    """What a chunk of rows needs from the database, read up front, kept current as rows are written."""

    officers: dict[str, Officer]
    checkups: dict[tuple[int, Any], Checkup]
    results: dict[tuple[int, int], CheckupResult]  # (checkup id, indicator id)
    # New checkups of the chunk, written together when the chunk ends (two INSERTs for all of them).
    pending: list[_Row] = field(default_factory=list)
    pending_keys: set[tuple[int, Any]] = field(default_factory=set)


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
) -> ImportSummary:
    """Import a checkup file (.xlsx or .csv); see the module docstring for the rules.

    Raises ``ImportFileError`` (a DomainError) when the file as a whole cannot be imported;
    then nothing is written. Rejected rows are reported in the summary instead.
    """
    default_institution = (institution or "").strip()

    def rows_of(table: importing.Table) -> tuple[Layout, Iterable[tuple[int, list[Any]]], _Rows]:
        catalogue = _Catalogue.load()
        layout, rows = importing.find_layout(table, indicators=catalogue.by_code.values())
        return layout, rows, _CheckupRows(layout, catalogue, default_institution)

    return run_import(
        file=file,
        filename=filename,
        kind=ImportKind.CHECKUPS,
        rows_of=rows_of,
        institution=default_institution,
        dry_run=dry_run,
        actor=actor,
    )


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
        row = _read_row(number, cells, self.layout, self.catalogue, known, self.default_institution)
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
        try:
            with transaction.atomic():
                checkups = Checkup.objects.bulk_create(
                    [
                        Checkup(
                            officer=row.officer,
                            date=row.date,
                            institution=row.institution,
                            import_batch=batch,
                        )
                        for row in rows
                    ]
                )
                results = [
                    _new_result(checkup, self.catalogue.by_code[code], value, grade)
                    for checkup, row in zip(checkups, rows, strict=True)
                    for code, (value, grade) in row.graded.items()
                ]
                CheckupResult.objects.bulk_create(results)
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
            known.results[(result.checkup_id, result.indicator_id)] = result


def _new_result(
    checkup: Checkup, indicator: Indicator, value: Decimal, grade: grading.Grade
) -> CheckupResult:
    return CheckupResult(
        checkup=checkup,
        indicator=indicator,
        value=value,
        unit=indicator.unit,
        category=grade.category,
        flag=grade.flag,
    )


def run_import(
    *,
    file: str | Path | IO[bytes],
    filename: str,
    kind: ImportKind,
    rows_of: Callable[[importing.Table], tuple[Layout, Iterable[tuple[int, list[Any]]], _Rows]],
    institution: str = "",
    dry_run: bool = False,
    actor: User | None = None,
) -> ImportSummary:
    """What every import shares: read the file, a dry run or a kept batch, chunks, counters, the audit row.

    ``rows_of(table)`` finds the file's layout and says how its rows are imported.
    """
    data = importing.read_limited(file)
    table = importing.open_table(data, filename)
    try:
        layout, rows, importer = rows_of(table)
        if dry_run:
            with transaction.atomic():
                summary = _import_rows(rows, layout, importer, batch=None)
                transaction.set_rollback(True)
            summary.dry_run = True
            return summary
        batch = _batch_start(data=data, filename=filename, kind=kind, institution=institution, actor=actor)
        try:
            summary = _import_rows(rows, layout, importer, batch=batch)
        except BaseException:
            _batch_failed(batch)
            raise
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


def _batch_start(
    *, data: bytes, filename: str, kind: ImportKind, institution: str, actor: User | None
) -> ImportBatch:
    batch = ImportBatch(
        kind=kind,
        original_filename=PurePath(filename).name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        institution=institution[:100],
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    # The file is kept first: a batch that fails half-way can be looked at and imported again.
    batch.file.save(batch.original_filename, ContentFile(data), save=False)
    batch.save()
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
    checkups = {
        (checkup.officer_id, checkup.date): checkup
        for checkup in Checkup.objects.filter(
            officer_id__in=[officer.pk for officer in officers.values()], date__in=dates
        )
    }
    results = {
        (result.checkup_id, result.indicator_id): result
        for result in CheckupResult.objects.filter(checkup__in=list(checkups.values()))
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
) -> _Row:
    """Check the row and grade its values; raises _RowRejected with every problem found."""
    officer = _row_officer(cells, known.officers)
    date = _row_date(cells, layout, officer, missing=_("No checkup date."))
    values, problems = _read_values(cells, layout, catalogue)
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
        graded=_grade(values, catalogue, sex=officer.sex, age=grading.age_on(officer.birth_date, date)),
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


def _row_date(cells: dict[str, Any], layout: Layout, officer: Officer, *, missing: str) -> dt.date:
    """The row's date: required, not in the future, not before the officer was born."""
    date_label = layout.columns["date"].label
    if importing.is_not_measured(cells.get("date")):
        raise _RowRejected(missing)
    try:
        date = importing.parse_date(cells.get("date"), column=date_label)
    except ValueProblem as problem:
        raise _RowRejected(problem.message) from None
    if date > timezone.localdate():
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


def _read_values(
    cells: dict[str, Any], layout: Layout, catalogue: _Catalogue
) -> tuple[dict[str, Decimal], list[str]]:
    """The row's measured values, rounded to each indicator's decimals and checked as possible."""
    values: dict[str, Decimal] = {}
    labels: dict[str, str] = {}
    problems: list[str] = []
    for code, indicator in catalogue.by_code.items():
        column = layout.columns.get(code)
        if column is None or code in importing.COMPUTED or importing.is_not_measured(cells.get(code)):
            continue
        try:
            values[code] = importing.parse_measurement(
                cells.get(code), column=column.label, unit=indicator.unit
            )
            labels[code] = column.label
        except ValueProblem as problem:
            problems.append(problem.message)
    bp_column = layout.columns.get(BLOOD_PRESSURE)
    if bp_column is not None and not importing.is_not_measured(cells.get(BLOOD_PRESSURE)):
        try:
            pair = importing.parse_blood_pressure(cells.get(BLOOD_PRESSURE), column=bp_column.label)
        except ValueProblem as problem:
            problems.append(problem.message)
        else:
            for code, value in zip(("sbp", "dbp"), pair, strict=True):
                if code not in catalogue.by_code:
                    continue
                if code in values and values[code] != value:
                    problems.append(
                        _("%(column)s and %(other)s disagree.")
                        % {"column": bp_column.label, "other": labels[code]}
                    )
                    continue
                values[code], labels[code] = value, bp_column.label
    for code, value in list(values.items()):
        indicator = catalogue.by_code[code]
        values[code] = value = grading.quantize(value, indicator.decimals)
        if not indicator.plausible_min <= value <= indicator.plausible_max:
            problems.append(_impossible(labels[code], value, indicator))
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


def _impossible(column: str, value: Decimal, indicator: Indicator) -> str:
    return _("%(column)s: %(value)s %(unit)s is impossible (possible: %(min)s–%(max)s).") % {
        "column": column,
        "value": f"{value.normalize():f}",
        "unit": indicator.unit,
        "min": f"{indicator.plausible_min.normalize():f}",
        "max": f"{indicator.plausible_max.normalize():f}",
    }


def _grade(
    values: dict[str, Decimal], catalogue: _Catalogue, *, sex: str, age: int
) -> dict[str, tuple[Decimal, grading.Grade]]:
    graded = {
        code: (value, grading.grade(value, catalogue.rules(code), sex=sex, age=age))
        for code, value in values.items()
        if code not in importing.BLOOD_PRESSURE_CODES
    }
    sbp_grade, dbp_grade = grading.grade_blood_pressure(
        sbp=values.get("sbp"),
        dbp=values.get("dbp"),
        sbp_rules=catalogue.rules("sbp") if "sbp" in values else [],
        dbp_rules=catalogue.rules("dbp") if "dbp" in values else [],
        sex=sex,
        age=age,
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
    plan: list[tuple[str, Indicator, Decimal, grading.Grade, CheckupResult | None]] = []
    for code, (value, grade) in row.graded.items():
        indicator = catalogue.by_code[code]
        current = None if new_checkup else known.results.get((checkup.pk, indicator.pk))
        wanted = (value, indicator.unit, grade.category, grade.flag)
        if current is None or (current.value, current.unit, current.category, current.flag) != wanted:
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
                            checkup=checkup,
                            indicator=indicator,
                            value=value,
                            unit=indicator.unit,
                            category=grade.category,
                            flag=grade.flag,
                        )
                    )
                else:
                    CheckupResult.objects.filter(pk=current.pk).update(
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
    for result in creates:
        known.results[(checkup.pk, result.indicator_id)] = result
    for code, indicator, value, grade, current in plan:
        if current is None:
            continue
        changes.append(
            {
                "row": row.number,
                "police_no": row.officer.police_number,
                "date": row.date.isoformat(),
                "indicator": code,
                "old": f"{current.value.normalize():f}",
                "new": f"{value.normalize():f}",
                "old_category": current.category,
                "new_category": grade.category,
            }
        )
        current.value, current.unit, current.category, current.flag = (
            value,
            indicator.unit,
            grade.category,
            grade.flag,
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
    *, file: str | Path | IO[bytes], filename: str, dry_run: bool = False, actor: User | None = None
) -> ImportSummary:
    """Import a canteen system's meal export (.xlsx or .csv), one row per officer and meal.

    Columns: 警号/police_no, 姓名/name (optional), 日期/date, 餐次/meal (早餐/午餐/晚餐/加餐 or English),
    食堂/canteen (optional), and any of 能量/energy_kcal (kcal), 盐/salt_g, 油/oil_g, 糖/sugar_g,
    蔬菜/vegetables_g, 水果/fruit_g (grams). Raises ``ImportFileError`` for a file that cannot be imported.
    """

    def rows_of(table: importing.Table) -> tuple[Layout, Iterable[tuple[int, list[Any]]], _Rows]:
        layout, rows = importing.read_layout(
            table,
            aliases=importing.aliases_of(importing.MEAL_HEADERS),
            units=importing.MEAL_UNITS,
            required={
                "date": _("The file has no 日期 (date) column."),
                "meal": _("The file has no 餐次 (meal) column."),
            },
        )
        return layout, rows, _DailyRows(layout, _MEAL_KIND)

    return run_import(
        file=file, filename=filename, kind=ImportKind.MEALS, rows_of=rows_of, dry_run=dry_run, actor=actor
    )


def exercise_import(
    *, file: str | Path | IO[bytes], filename: str, dry_run: bool = False, actor: User | None = None
) -> ImportSummary:
    """Import a wristband's or fitness app's daily export (.xlsx or .csv), one row per officer and day.

    Columns: 警号/police_no, 姓名/name (optional), 日期/date, any of 步数/steps, 活动分钟/active_minutes,
    距离/distance_km (km), and 来源/source (设备/应用/手动 or device/app/manual; ``device`` when the
    file has no such column). Raises ``ImportFileError`` for a file that cannot be imported.
    """

    def rows_of(table: importing.Table) -> tuple[Layout, Iterable[tuple[int, list[Any]]], _Rows]:
        layout, rows = importing.read_layout(
            table,
            aliases=importing.aliases_of(importing.EXERCISE_HEADERS),
            units=importing.EXERCISE_UNITS,
            required={"date": _("The file has no 日期 (date) column.")},
        )
        return layout, rows, _DailyRows(layout, _EXERCISE_KIND)

    return run_import(
        file=file, filename=filename, kind=ImportKind.EXERCISE, rows_of=rows_of, dry_run=dry_run, actor=actor
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
