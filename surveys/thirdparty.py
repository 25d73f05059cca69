"""What goes to and comes from third parties: anonymised response exports and external benchmarks.

An export for an outside analyst has one row per response, in a random order, with the core answers
and three coarse attributes: the unit at the county level (a centre or a city-level department is
folded into the city), the officer kind and the age band. Comments are left out: free text may
identify its writer. Then k-anonymity with k = ``campaign.min_group``:

1. In each unit, a (kind, age band) group under k has its kind and age band blanked ("*"); where
   exactly one is blanked, the next smallest is blanked too (``scoring.withheld``: otherwise the
   unit's total minus the visible groups gives it away), and more groups are blanked until the
   blanked rows of the unit number at least k.
2. A unit with fewer than k responses in all is blanked as well; if those rows together are still
   fewer than k, they are left out.

Every export is audited (SENSITIVE_READ, with the campaign) — the page's and the command's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import Counter, defaultdict
from decimal import Decimal

from django.db import transaction

from audit.models import AuditAction
from audit.services import audit_record
from people import scope
from people.models import OrgUnit, OrgUnitKind, Role, User
from surveys import scoring
from surveys.models import Campaign, CampaignStatus, ExternalBenchmark, Module, Response
from welfare.spreadsheets import spreadsheet_safe

HIDDEN = "*"
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXPORT_ROLES = frozenset({Role.WELFARE_OFFICE})
ATTRIBUTES = ["unit", "officer_kind", "age_band"]


def can_export(user: User) -> bool:
    """The welfare office runs campaigns city-wide; it alone hands data to third parties."""
    return scope.has_any_role(user, EXPORT_ROLES)


def exportable_campaigns():
    return Campaign.objects.filter(status__in=[CampaignStatus.CLOSED, CampaignStatus.PUBLISHED]).order_by(
        "-opens_at"
    )


def _county_labels(campaign: Campaign) -> dict[int, str]:
    """Reporting unit id → the label the analyst sees: a county bureau's name, or the city's."""
    units = OrgUnit.objects.filter(pk__in=Response.objects.filter(campaign=campaign).values("unit_id"))
    city_path = campaign.population_unit.path.strip("/").split("/")[0]
    city = OrgUnit.objects.filter(path=f"/{city_path}/").first()
    city_name = city.name if city else HIDDEN
    return {unit.pk: unit.name if unit.kind == OrgUnitKind.COUNTY_BUREAU else city_name for unit in units}


def _anonymise(rows: list[list], k: int) -> list[list]:
    """Apply the k-anonymity rules of the module docstring to [unit, kind, age band, *answers] rows."""
    by_unit: dict[str, list[list]] = defaultdict(list)
    for row in rows:
        by_unit[row[0]].append(row)
    kept: list[list] = []
    leftovers: list[list] = []
    for unit_rows in by_unit.values():
        if len(unit_rows) < k:
            leftovers.extend([HIDDEN, HIDDEN, HIDDEN, *row[3:]] for row in unit_rows)
            continue
        counts = Counter((row[1], row[2]) for row in unit_rows)
        hidden = scoring.withheld(counts, k, partition=True)
        while hidden and sum(counts[group] for group in hidden) < k:
            hidden.add(min((n, group) for group, n in counts.items() if group not in hidden)[1])
        for row in unit_rows:
            kept.append([row[0], HIDDEN, HIDDEN, *row[3:]] if (row[1], row[2]) in hidden else row)
    if len(leftovers) >= k:
        kept.extend(leftovers)
    return kept


def export_table(campaign: Campaign, *, rng: random.Random | None = None) -> tuple[list[str], list[list]]:
    """The header and the anonymised, shuffled rows of the campaign's responses."""
    codes = list(
        campaign.instrument.items.filter(module=Module.CORE).order_by("order").values_list("code", flat=True)
    )
    labels = _county_labels(campaign)
    rows = [
        [labels[unit_id], kind, band, *(answers.get(code) for code in codes)]
        for unit_id, kind, band, answers in Response.objects.filter(campaign=campaign).values_list(
            "unit_id", "officer_kind", "age_band", "answers"
        )
    ]
    rows = _anonymise(rows, campaign.min_group)
    (rng or random.SystemRandom()).shuffle(rows)
    return [*ATTRIBUTES, *codes], rows


def _csv(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(value) for value in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()  # the BOM lets Excel read UTF-8


def _xlsx(header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook  # only the export needs it

    book = Workbook()
    sheet = book.active
    sheet.title = "responses"
    sheet.append(header)
    for row in rows:
        sheet.append([spreadsheet_safe(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_bytes(campaign: Campaign, *, fmt: str, actor: User | None, actor_username: str = "") -> bytes:
    """The export as a file's bytes (``fmt`` csv or xlsx); the export is audited."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose csv or xlsx")
    header, rows = export_table(campaign)
    content = _csv(header, rows) if fmt == "csv" else _xlsx(header, rows)
    audit_record(
        actor=actor,
        actor_username=actor_username,
        action=AuditAction.SENSITIVE_READ,
        target=campaign,
        detail={"what": "survey_responses_export", "campaign": campaign.pk},
    )
    return content


@transaction.atomic
def benchmark_import(
    *, title: str, measured_on: dt.date, index: Decimal, source: str = ""
) -> ExternalBenchmark:
    """Add an external benchmark, or correct the one of the same title and date (a second import)."""
    title, source = title.strip(), source.strip()
    benchmark = (
        ExternalBenchmark.objects.select_for_update().filter(title=title, measured_on=measured_on).first()
    )
    if benchmark is None:
        return ExternalBenchmark.objects.create(
            title=title, measured_on=measured_on, index=index, source=source
        )
    if (benchmark.index, benchmark.source) != (Decimal(index), source):
        benchmark.index, benchmark.source = index, source
        benchmark.save(update_fields=["index", "source", "updated_at"])
    return benchmark  # unchanged: a second import of the same figure
