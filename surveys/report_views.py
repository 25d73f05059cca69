"""The results pages: /surveys/<id>/results/ (scoped, with withholding), its xlsx export, publishing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from surveys import results
from welfare.domain import DomainError
from welfare.spreadsheets import spreadsheet_safe, xlsx_response


def _trend_data(report: results.Report) -> dict:
    return {
        "campaigns": [
            {"label": point.title, "date": point.opens_at.date().isoformat(), "index": float(point.index)}
            for point in report.trend
        ],
        "benchmarks": [
            {"label": mark.title, "date": mark.measured_on.isoformat(), "index": float(mark.index)}
            for mark in report.benchmarks
        ],
        "index_label": _("Welfare index"),
        "benchmark_label": _("External benchmarks"),
    }


@login_required
def campaign_results(request: HttpRequest, pk: int) -> HttpResponse:
    scoped = results.scoped_report(viewer=request.user, campaign_id=pk, unit_code=request.GET.get("unit"))
    report = scoped.report
    rows = [
        {"row": row, "cells": [row.dimensions[code] for code, _label in report.dimensions]}
        for row in report.units
    ]
    return render(
        request,
        "surveys/results.html",
        {
            "campaign": scoped.campaign,
            "report": report,
            "scoped": scoped,
            "rows": rows,
            "total_cells": [report.total.dimensions[code] for code, _label in report.dimensions],
            "alpha": [(label, report.alpha.get(code)) for code, label in report.dimensions],
            "trend_data": _trend_data(report),
            "minimum": scoped.campaign.min_group,
        },
    )


def _cell(cell: results.Cell) -> object:
    if cell.withheld:
        return "—"
    value = cell.display
    return float(value) if value is not None else ""


@login_required
def campaign_results_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The heatmap as an xlsx workbook, withheld cells as "—" exactly as on the page."""
    from openpyxl import Workbook  # only the export needs it

    scoped = results.scoped_report(viewer=request.user, campaign_id=pk, unit_code=request.GET.get("unit"))
    report = scoped.report
    book = Workbook()
    sheet = book.active
    sheet.title = _("Results")[:31]
    sheet.append(
        [spreadsheet_safe(str(v)) for v in (_("Unit"), _("Respondents"), _("Index"))]
        + [spreadsheet_safe(label) for _code, label in report.dimensions]
    )
    groups = [(_("Total"), report.total), *((row.unit.name, row) for row in report.units)]
    for name, group in groups:
        sheet.append(
            [
                spreadsheet_safe(str(name)),
                "—" if group.withheld else group.respondents,
                _cell(group.index),
                *(_cell(group.dimensions[code]) for code, _label in report.dimensions),
            ]
        )
    if report.items:
        items = book.create_sheet(_("Items")[:31])
        items.append([_("Item"), _("Question"), _("Favourable, per cent")])
        for item in report.items:
            items.append(
                [
                    spreadsheet_safe(item.code),
                    spreadsheet_safe(item.text),
                    float(results.rounded(item.favourable)) if item.favourable is not None else "",
                ]
            )
    return xlsx_response(book, f"survey-results-{scoped.campaign.pk}.xlsx")


@login_required
@require_POST
def campaign_publish(request: HttpRequest, pk: int) -> HttpResponse:
    scoped = results.scoped_report(viewer=request.user, campaign_id=pk)
    if not scoped.whole or not results.scope.has_any_role(request.user, {results.Role.WELFARE_OFFICE}):
        raise Http404("no such campaign")
    try:
        result = results.result_publish(campaign=scoped.campaign, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Published: index %(index)s.") % {"index": result.index})
    return redirect("survey-results", pk=pk)
