"""The printable personal health report (PDF): the archive on paper, with the recent diet and exercise.

One officer's report holds their risk level with its reasons, the latest checkup, the trend of each
indicator over the last five checkups, and the canteen diet and exercise of the last four complete
weeks (Monday to Sunday) against the guidelines. Who may print whose is the archive's rule
(``health.archive``): the officer their own, health staff the officers of their subtree and an
adviser the officers assigned to them — audited with channel ``pdf`` — and everybody else gets 404.

Everything comes from ``archive.archive_of`` (with its weekly diet and exercise summaries), so the
report costs the archive's fixed number of queries whatever the years of data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from health import archive, selectors
from health.models import Category, Flag, RiskLevel
from health.selectors import Verdict
from people import selectors as people_selectors
from people.models import Officer
from welfare.pdf import PdfDocument, new_document, pdf_response

TREND_DATES = 5
ARROWS = {"high": "↑", "low": "↓"}
RISK_COLOURS = {
    RiskLevel.RED: colors.HexColor("#dc3545"),
    RiskLevel.ORANGE: colors.HexColor("#fd7e14"),
    RiskLevel.YELLOW: colors.HexColor("#ffc107"),
    RiskLevel.GREEN: colors.HexColor("#198754"),
}
NO_VALUE = "—"
LABEL_BACKGROUND = colors.HexColor("#f8f9fa")


def _number(value: Decimal | int | None) -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value.normalize():f}"


def _category(code: str) -> str:
    return str(Category(code).label) if code in Category.values else code


class _Marks:
    """How "high" and "low" are printed: arrows when the font has them, else the words (偏高/偏低)."""

    def __init__(self, document: PdfDocument) -> None:
        arrows = document.font.covers("".join(ARROWS.values()))
        self.high = ARROWS["high"] if arrows else _("high")
        self.low = ARROWS["low"] if arrows else _("low")

    def flag(self, flag: str) -> str:
        return {Flag.HIGH: self.high, Flag.LOW: self.low}.get(flag, "")

    def verdict(self, verdict: str) -> str:
        return {Verdict.ABOVE: self.high, Verdict.BELOW: self.low}.get(verdict, "")

    def value(self, text: str, mark: str) -> str:
        return f"{text} {mark}" if mark else text


def _header(
    document: PdfDocument, officer: Officer, found: archive.Archive, today: dt.date
) -> list[Flowable]:
    width = document.width
    details = document.table(
        [
            [_("Name"), officer.name, _("Police number"), officer.police_number],
            [_("Unit"), officer.org_unit.name, _("Printed on"), today.isoformat()],
        ],
        header_rows=0,
        col_widths=[width * 0.15, width * 0.40, width * 0.15, width * 0.30],
        extra_style=[("BACKGROUND", (column, 0), (column, -1), LABEL_BACKGROUND) for column in (0, 2)],
    )
    return [
        document.paragraph(_("幸福警营"), "brand"),
        document.paragraph(_("Personal health report"), "title"),
        details,
        Spacer(1, 1 * mm),
        document.paragraph(
            ngettext("%(counter)s checkup on record", "%(counter)s checkups on record", found.checkup_count)
            % {"counter": found.checkup_count},
            "small",
        ),
    ]


def _risk(document: PdfDocument, found: archive.Archive) -> list[Flowable]:
    story: list[Flowable] = [document.paragraph(_("Risk level"), "heading")]
    if not found.risk.level:
        story.append(document.paragraph(_("No checkup on record yet.")))
        return story
    on_colour = colors.black if found.risk.level == RiskLevel.YELLOW else colors.white
    label = document.paragraph(
        found.risk_label, ParagraphStyle("risk", document.styles["cell"], textColor=on_colour)
    )
    level = document.table(
        [[label]],
        header_rows=0,
        col_widths=[30 * mm],
        extra_style=[("BACKGROUND", (0, 0), (0, 0), RISK_COLOURS[found.risk.level])],
    )
    story.append(level)
    story.append(Spacer(1, 2 * mm))
    if found.risk.reasons:
        story.extend(document.paragraph(f"• {reason.text}") for reason in found.risk.reasons)
    else:
        story.append(document.paragraph(_("Nothing in the latest checkup needs attention.")))
    return story


def _latest(document: PdfDocument, found: archive.Archive, marks: _Marks) -> list[Flowable]:
    checkup = found.latest
    if checkup is None:
        return []
    heading = _("Latest checkup: %(date)s, %(place)s") % {
        "date": checkup.date.isoformat(),
        "place": checkup.institution or NO_VALUE,
    }
    rows: list[list[object]] = [[_("Indicator"), _("Value"), _("Unit"), _("Result"), _("Flag")]]
    highlight = []
    for number, result in enumerate(checkup.results.all(), start=1):
        rows.append(
            [
                result.indicator.name,
                _number(result.value),
                result.unit,
                _category(result.category),
                marks.flag(result.flag),
            ]
        )
        if result.flag in (Flag.HIGH, Flag.LOW):
            highlight.append(("BACKGROUND", (0, number), (-1, number), colors.HexColor("#fff3cd")))
    width = document.width
    table = document.table(
        rows,
        right_columns=(1,),
        col_widths=[width * 0.34, width * 0.14, width * 0.14, width * 0.28, width * 0.10],
        extra_style=highlight,
    )
    return [document.paragraph(heading, "heading"), table]


def _trends(document: PdfDocument, found: archive.Archive, marks: _Marks) -> list[Flowable]:
    dates = sorted({point.date for trend in found.trends for point in trend.points})[-TREND_DATES:]
    if len(dates) < 2:  # one checkup: the latest table says it all
        return []
    # Trends carry the Chinese name; the latest checkup's indicators give the name in the page's language.
    names = {result.indicator.code: result.indicator.name for result in found.latest.results.all()}
    rows: list[list[object]] = [[_("Indicator"), *dates]]
    for trend in found.trends:
        by_date = {point.date: point for point in trend.points if point.date in dates}
        if not by_date:
            continue
        label = names.get(trend.code, trend.name)
        cells = [
            marks.value(_number(by_date[date].value), marks.flag(by_date[date].flag))
            if date in by_date
            else NO_VALUE
            for date in dates
        ]
        rows.append([f"{label} ({trend.unit})" if trend.unit else label, *cells])
    width = document.width
    first = width * 0.30
    table = document.table(
        rows,
        right_columns=tuple(range(1, len(dates) + 1)),
        col_widths=[first] + [(width - first) / len(dates)] * len(dates),
    )
    return [document.paragraph(_("Trends across checkups"), "heading"), table]


def _diet(document: PdfDocument, found: archive.Archive, marks: _Marks) -> list[Flowable]:
    summaries = sorted(found.diet_weeks, key=lambda week: week.week_start)  # oldest first, like the trends
    story: list[Flowable] = [
        document.paragraph(_("Canteen diet, last %(weeks)d weeks") % {"weeks": len(summaries)}, "heading")
    ]
    if not any(week.days_recorded for week in summaries):
        story.append(document.paragraph(_("No canteen records in these weeks.")))
        return story
    amounts = ("salt_g", "oil_g", "sugar_g", "vegetables_g", "fruit_g")
    rows: list[list[object]] = [
        [
            _("Week of"),
            _("Days"),
            _("Energy (kcal)"),
            _("Salt (g)"),
            _("Oil (g)"),
            _("Added sugar (g)"),
            _("Vegetables (g)"),
            _("Fruit (g)"),
        ]
    ]
    for week in summaries:
        cells = []
        for name in amounts:
            amount = getattr(week, name)
            cells.append(marks.value(_number(amount.per_day), marks.verdict(amount.verdict)))
        rows.append([week.week_start.isoformat(), str(week.days_recorded), _number(week.energy_kcal), *cells])
    rows.append(
        [
            _("Guideline"),
            "",
            "",
            f"< {_number(selectors.SALT_BELOW_G)}",
            "–".join(_number(g) for g in selectors.OIL_RANGE_G),
            f"≤ {_number(selectors.SUGAR_AT_MOST_G)} (< {_number(selectors.SUGAR_IDEAL_BELOW_G)})",
            f"≥ {_number(selectors.VEGETABLES_AT_LEAST_G)}",
            "–".join(_number(g) for g in selectors.FRUIT_RANGE_G),
        ]
    )
    width = document.width
    table = document.table(
        rows,
        right_columns=tuple(range(1, 8)),
        col_widths=[width * 0.16, width * 0.08] + [width * 0.76 / 6] * 6,
        extra_style=[("BACKGROUND", (0, -1), (-1, -1), LABEL_BACKGROUND)],
    )
    note = _(
        "Daily averages over the days with canteen meals (中国居民膳食指南 2022). "
        "%(high)s above the guideline, %(low)s below it."
    ) % {"high": marks.high, "low": marks.low}
    story.extend([table, Spacer(1, 1 * mm), document.paragraph(note, "small")])
    return story


def _exercise(document: PdfDocument, found: archive.Archive, marks: _Marks) -> list[Flowable]:
    summaries = sorted(found.exercise_weeks, key=lambda week: week.week_start)
    story: list[Flowable] = [
        document.paragraph(_("Exercise, last %(weeks)d weeks") % {"weeks": len(summaries)}, "heading")
    ]
    if not any(week.days_recorded or week.active_minutes_verdict != Verdict.NO_DATA for week in summaries):
        story.append(document.paragraph(_("No exercise records in these weeks.")))
        return story
    rows: list[list[object]] = [
        [
            _("Week of"),
            _("Days with steps"),
            _("Steps a day"),
            _("Days with %(steps)s steps") % {"steps": _number(selectors.STEPS_PER_DAY)},
            _("Active minutes in the week"),
        ]
    ]
    for week in summaries:
        minutes = NO_VALUE if week.active_minutes_verdict == Verdict.NO_DATA else _number(week.active_minutes)
        rows.append(
            [
                week.week_start.isoformat(),
                str(week.days_recorded),
                marks.value(_number(week.steps_per_day), marks.verdict(week.steps_verdict)),
                str(week.days_meeting_steps),
                marks.value(minutes, marks.verdict(week.active_minutes_verdict)),
            ]
        )
    rows.append(
        [
            _("Guideline"),
            "",
            f"≥ {_number(selectors.STEPS_PER_DAY)}",
            "",
            f"≥ {_number(selectors.ACTIVE_MINUTES_PER_WEEK)}",
        ]
    )
    width = document.width
    table = document.table(
        rows,
        right_columns=(1, 2, 3, 4),
        col_widths=[width * 0.20] + [width * 0.20] * 4,
        extra_style=[("BACKGROUND", (0, -1), (-1, -1), LABEL_BACKGROUND)],
    )
    note = _(
        "Steps: the average over the days the device counted; active minutes: moderate activity, "
        "the week's total (中国人群身体活动指南 2021). %(low)s below the guideline."
    ) % {"low": marks.low}
    story.extend([table, Spacer(1, 1 * mm), document.paragraph(note, "small")])
    return story


def _follow_ups(document: PdfDocument, found: archive.Archive) -> list[Flowable]:
    story: list[Flowable] = [document.paragraph(_("Follow-ups"), "heading")]
    adviser = found.adviser.display_name if found.adviser is not None else NO_VALUE
    story.append(document.paragraph(_("Health adviser: %(name)s") % {"name": adviser}))
    if not found.follow_ups:
        story.append(document.paragraph(_("No follow-ups.")))
        return story
    rows: list[list[object]] = [[_("Checkup"), _("Risk level"), _("Status"), _("Due date"), _("Outcome")]]
    for item in found.follow_ups:
        rows.append(
            [
                item.checkup.date.isoformat(),
                str(item.get_risk_level_display()),
                str(item.get_status_display()),
                item.due_date.isoformat(),
                str(item.get_outcome_display()) if item.outcome else NO_VALUE,
            ]
        )
    width = document.width
    story.append(
        document.table(
            rows, col_widths=[width * 0.18, width * 0.14, width * 0.14, width * 0.18, width * 0.36]
        )
    )
    return story


def health_report_pdf(officer: Officer, *, today: dt.date | None = None) -> bytes:
    """The officer's personal health report as PDF bytes (``officer`` with its org unit loaded)."""
    today = today or timezone.localdate()
    found = archive.archive_of(officer, today=today)
    document = new_document(
        title=_("Personal health report"),
        footer=_("This report contains personal health information; keep it safe."),
    )
    marks = _Marks(document)
    story: list[Flowable] = [
        *_header(document, officer, found, today),
        KeepTogether(_risk(document, found)),
        *_latest(document, found, marks),
        *_trends(document, found, marks),
        KeepTogether(_diet(document, found, marks)),
        KeepTogether(_exercise(document, found, marks)),
        KeepTogether(_follow_ups(document, found)),
    ]
    return document.build(story)


def _report_response(officer: Officer) -> HttpResponse:
    today = timezone.localdate()
    data = health_report_pdf(officer, today=today)
    return pdf_response(data, f"health-report-{officer.police_number}-{today:%Y%m%d}.pdf")


@login_required
@require_GET
def my_report(request: HttpRequest) -> HttpResponse:
    officer = people_selectors.officer_profile_of(request.user)  # with its unit, for the header
    if officer is None:
        raise Http404("no officer profile")
    return _report_response(officer)


@login_required
@require_GET
def officer_report(request: HttpRequest, police_number: str) -> HttpResponse:
    officer = archive.archive_officer_or_404(viewer=request.user, police_number=police_number)
    archive.record_archive_read(viewer=request.user, officer=officer, channel="pdf")
    return _report_response(officer)
