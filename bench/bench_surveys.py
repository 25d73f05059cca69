"""Surveys: the full results report (every reporting unit × dimension, withholding applied) at scale.

For 6,000 and 60,000 anonymous responses to a benchmark campaign of the shipped instrument (inserted with
``bulk_create``, spread unevenly over the seeded reporting units, a few of them kept under the minimum so
that withholding and the subtraction rule have work to do), ``surveys.results.campaign_report`` is timed
end to end: the query of the answers, grouping, ``scoring.figures`` per unit and for the city (scores,
% favourable per item, Cronbach's α per dimension), the withholding. Baseline in the same run: the same
figures computed with NumPy from the same answers already in memory (a matrix built from the answer
dicts, then vectorised means, top-2-box and α), checked to agree with the report's.
What the benchmark writes is found by its campaign title (MARKER) and deleted before and after.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time

from bench import harness

SIZES = (6_000, 60_000)
REPEATS = 3
MARKER = "BENCH-幸福指数"
SEED = 20260601
SMALL_UNITS = 2  # reporting units given only a handful of responses (withheld)
UNITS = 20  # reporting units of the benchmark's own under the city (the small seed has only a few)
UNIT_PREFIX = "BSV"


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def _clear() -> None:
    from surveys.models import Campaign, PublishedResult, Response

    campaigns = Campaign.objects.filter(title=MARKER)
    Response.objects.filter(campaign__in=campaigns).delete()
    PublishedResult.objects.filter(campaign__in=campaigns).delete()
    campaigns.delete()
    from people.models import OrgUnit

    OrgUnit.objects.filter(code__startswith=UNIT_PREFIX).delete()


def _vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE surveys_response")


def _campaign():
    from django.utils import timezone

    from people.models import OrgUnit
    from surveys.models import Campaign, Instrument

    city = OrgUnit.objects.filter(parent=None).order_by("path").first()
    if city is None:
        raise harness.BenchError("the benchmark database has no org units; BENCH_FRESH=1 rebuilds it")
    OrgUnit.objects.bulk_create(
        OrgUnit(
            code=f"{UNIT_PREFIX}{n:02d}",
            name=f"基准分局{n:02d}",
            kind="county_bureau",
            parent=city,
            path=OrgUnit.path_for(parent=city, code=f"{UNIT_PREFIX}{n:02d}"),
            depth=city.depth + 1,
        )
        for n in range(1, UNITS + 1)
    )
    now = timezone.now()
    return Campaign.objects.create(
        title=MARKER,
        instrument=Instrument.objects.get(code="welfare-index", version=1),
        population_unit=city,
        opens_at=now - dt.timedelta(days=20),
        closes_at=now - dt.timedelta(days=5),
        status="closed",
    )


def _insert(campaign, size: int) -> float:
    from people.models import OrgUnit
    from surveys.models import Item, Response

    units = list(OrgUnit.objects.filter(code__startswith=UNIT_PREFIX).order_by("path"))
    if len(units) < SMALL_UNITS + 2:
        raise harness.BenchError(f"the benchmark database has only {len(units)} reporting units")
    items = list(Item.objects.filter(instrument=campaign.instrument, module="core"))
    rng = random.Random(SEED + size)
    small = units[:SMALL_UNITS]
    large = units[SMALL_UNITS:]
    weights = [rng.uniform(0.3, 3) for _ in large]
    picks = [unit for unit in small for _ in range(campaign.min_group - 1 - small.index(unit))]
    picks += rng.choices(large, weights=weights, k=size - len(picks))
    started = time.perf_counter()
    Response.objects.bulk_create(
        (
            Response(
                campaign=campaign,
                unit=unit,
                officer_kind="police",
                age_band=rng.choice(["20-29", "30-39", "40-49", "50-59"]),
                answers={item.code: min(5, max(1, round(rng.gauss(3.8, 0.9)))) for item in items},
            )
            for unit in picks
        ),
        batch_size=5000,
    )
    return time.perf_counter() - started


def _numpy_figures(rows, specs, weights, minimum):
    """The report's figures with NumPy: units × dimensions, index, % favourable, α, withholding."""
    import numpy as np

    from surveys import scoring

    unit_ids = np.array([unit_id for unit_id, _answers in rows])
    codes = [spec.code for spec in specs]
    raw = np.array([[answers.get(code, np.nan) for code in codes] for _unit, answers in rows], dtype=float)
    low = np.array([spec.scale_min for spec in specs], dtype=float)
    high = np.array([spec.scale_max for spec in specs], dtype=float)
    reverse = np.array([spec.reverse for spec in specs])
    built = time.perf_counter()
    scores = (raw - low) / (high - low) * 100
    scores = np.where(reverse, 100 - scores, scores)
    favourable = np.where(reverse, raw <= low + 1, raw >= high - 1)
    dimensions = list(dict.fromkeys(spec.dimension for spec in specs))
    columns = {d: [i for i, spec in enumerate(specs) if spec.dimension == d] for d in dimensions}

    def group(mask):
        part = scores[mask]
        dims = {d: float(np.nanmean(part[:, cols])) for d, cols in columns.items()}
        alpha = {}
        for d, cols in columns.items():
            block = part[:, cols]
            block = block[~np.isnan(block).any(axis=1)]
            k = len(cols)
            total_var = block.sum(axis=1).var(ddof=1)
            alpha[d] = k / (k - 1) * (1 - block.var(axis=0, ddof=1).sum() / total_var) if total_var else None
        return {
            "n": int(mask.sum()),
            "dimensions": dims,
            "index": sum(weights[d] * s for d, s in dims.items()),
            "favourable": dict(zip(codes, (100 * favourable[mask].mean(axis=0)).tolist(), strict=True)),
            "alpha": alpha,
        }

    units, counts = np.unique(unit_ids, return_counts=True)
    hidden = scoring.withheld(dict(zip(units.tolist(), counts.tolist(), strict=True)), minimum)
    out = {"city": group(np.ones(len(rows), dtype=bool))}
    for unit in units.tolist():
        if unit not in hidden:
            out[unit] = group(unit_ids == unit)
    return out, hidden, built


def _measure(campaign, size: int) -> dict:
    from surveys import results
    from surveys.models import Response

    inserted = _insert(campaign, size)
    _vacuum()
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        report = results.campaign_report(campaign=campaign, with_trend=False)
        times.append(time.perf_counter() - started)
    rows = list(Response.objects.filter(campaign=campaign).values_list("unit_id", "answers"))
    specs = results.item_specs(campaign)
    weights = results.weights_of(campaign, specs)
    numpy_times, build_times = [], []
    for _ in range(REPEATS):
        started = time.perf_counter()
        figures, hidden, built = _numpy_figures(rows, specs, weights, campaign.min_group)
        numpy_times.append(time.perf_counter() - started)
        build_times.append(built - started)
    # The two must agree: same units withheld, same city index and unit indexes.
    report_hidden = {row.unit.pk for row in report.units if row.withheld}
    if report_hidden != hidden:
        print(f"  WARNING: withheld units differ: report {sorted(report_hidden)}, NumPy {sorted(hidden)}")
    if abs(report.total.index.value - figures["city"]["index"]) > 1e-6:
        print(f"  WARNING: city index {report.total.index.value} vs NumPy {figures['city']['index']}")
    for row in report.units:
        if not row.withheld and abs(row.index.value - figures[row.unit.pk]["index"]) > 1e-6:
            print(
                f"  WARNING: {row.unit.code}: index {row.index.value} "
                f"vs NumPy {figures[row.unit.pk]['index']}"
            )
    for d, value in report.alpha.items():
        if value is not None and abs(value - figures["city"]["alpha"][d]) > 1e-6:
            print(f"  WARNING: α {d}: {value} vs NumPy {figures['city']['alpha'][d]}")
    seconds, numpy_seconds = statistics.median(times), statistics.median(numpy_times)
    print(
        f"  {size:,} responses (bulk_create {inserted:.1f} s): {len(report.units)} units × "
        f"{len(report.dimensions)} dimensions, {len(report_hidden)} units withheld; "
        f"campaign_report {seconds:.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)}); "
        f"NumPy from memory {numpy_seconds:.3f} s, of which {statistics.median(build_times):.3f} s building "
        f"the matrix from the answer dicts (report = {seconds / numpy_seconds:.0f}× NumPy)",
        flush=True,
    )
    Response.objects.filter(campaign=campaign).delete()
    return {"seconds": seconds, "numpy": numpy_seconds}


def main() -> None:
    print(f"== Survey results: the full report for {' and '.join(f'{n:,}' for n in SIZES)} responses ==")
    harness.prepare_database()
    _setup_django({**harness.server_env(), "DJANGO_SETTINGS_MODULE": "welfare.settings"})
    from django.utils import translation

    translation.activate("en")
    busy_before = harness.cpu_busy()
    _clear()
    try:
        campaign = _campaign()
        measured = {size: _measure(campaign, size) for size in SIZES}
    finally:
        _clear()
        _vacuum()
    print(f"  machine: {harness.machine_note(busy_before, harness.cpu_busy())}")
    small, large = (measured[size] for size in SIZES)
    print(
        f"  scaling {SIZES[1]:,}/{SIZES[0]:,}: campaign_report {large['seconds'] / small['seconds']:.1f}× "
        f"(NumPy {large['numpy'] / small['numpy']:.1f}×) for {SIZES[1] / SIZES[0]:.0f}× the responses"
    )
    print(
        f"  campaign_report / NumPy in memory: {small['seconds'] / small['numpy']:.0f}× at {SIZES[0]:,}, "
        f"{large['seconds'] / large['numpy']:.0f}× at {SIZES[1]:,}"
    )
