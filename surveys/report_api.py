"""GET /api/v1/surveys/campaigns/{id}/results/: a campaign's results as the viewer may see them.

A withheld cell is ``{"withheld": true}`` and carries no number; scope as on the results page
(``surveys.results.scoped_report``), out of scope is 404.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from surveys import results


def _cell(cell: results.Cell) -> dict:
    if cell.withheld:
        return {"withheld": True}
    value = cell.display
    return {"withheld": False, "value": float(value) if value is not None else None}


def _group(group: results.GroupResult, dimensions: list[str]) -> dict:
    body = {
        "unit": None if group.unit is None else {"code": group.unit.code, "name": group.unit.name},
        "withheld": group.withheld,
        "index": _cell(group.index),
        "dimensions": {code: _cell(group.dimensions[code]) for code in dimensions},
        "comments": group.comments,
    }
    if not group.withheld:
        body["respondents"] = group.respondents
    return body


class CampaignResultsView(APIView):
    @extend_schema(
        summary="A survey campaign's results, scoped, with small groups withheld",
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.STR, description="only this reporting unit (code)")
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, pk: int):
        scoped = results.scoped_report(
            viewer=request.user, campaign_id=pk, unit_code=request.query_params.get("unit")
        )
        report = scoped.report
        dimensions = [code for code, _label in report.dimensions]
        return Response(
            {
                "campaign": {"id": scoped.campaign.pk, "title": scoped.campaign.title},
                "status": scoped.campaign.status,
                "min_group": scoped.campaign.min_group,
                "dimensions": [{"code": code, "label": label} for code, label in report.dimensions],
                "total": _group(report.total, dimensions),
                "response_rate": None if report.response_rate is None else round(report.response_rate, 1),
                "units": [_group(row, dimensions) for row in report.units],
                "items": [
                    {
                        "code": item.code,
                        "dimension": item.dimension,
                        "favourable": None if item.favourable is None else round(item.favourable, 1),
                    }
                    for item in report.items
                ],
                "alpha": {code: None if a is None else round(a, 3) for code, a in report.alpha.items()},
                "trend": [
                    {
                        "campaign": point.campaign_id,
                        "title": point.title,
                        "index": float(point.index),
                        "change": None if point.change is None else float(point.change),
                    }
                    for point in report.trend
                ],
                "benchmarks": [
                    {"title": mark.title, "measured_on": mark.measured_on, "index": float(mark.index)}
                    for mark in report.benchmarks
                ],
            }
        )
