"""Shared REST API plumbing: pagination and the one error shape every endpoint answers with.

Every error body looks like::

    {"error": {"status": 404, "code": "not_found", "message": "未找到。", "fields": {}}}

``message`` is a sentence a person can read (translated); ``fields`` maps input
fields to their messages for validation errors.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from welfare.domain import DomainError


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def error_body(*, status_code: int, code: str, message: str, fields: dict | None = None) -> dict[str, Any]:
    return {"error": {"status": status_code, "code": code, "message": message, "fields": fields or {}}}


def _first_message(detail: Any) -> str | None:
    if isinstance(detail, list | tuple):
        for item in detail:
            found = _first_message(item)
            if found:
                return found
        return None
    if isinstance(detail, dict):
        for value in detail.values():
            found = _first_message(value)
            if found:
                return found
        return None
    return str(detail) if detail else None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        fields = {exc.field: [exc.message]} if exc.field else {}
        body = error_body(status_code=exc.status_code, code=exc.code, message=exc.message, fields=fields)
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handler answers (also in JSON under /api/)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {key: value for key, value in detail.items() if key != "non_field_errors"}
            general = _first_message(detail.get("non_field_errors"))
            message = general or _("Some of the data sent is not valid; see the fields for details.")
        else:
            fields = {}
            message = _first_message(detail) or _("The data sent is not valid.")
        code = "invalid"
    else:
        fields = {}
        detail = getattr(exc, "detail", None)
        message = _first_message(detail) or _("The request could not be completed.")
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if isinstance(detail, dict) and "code" in detail:
            code = str(detail["code"])  # simplejwt puts its code inside the detail
            message = _first_message(detail.get("detail")) or message
        else:
            code = codes if isinstance(codes, str) else "error"
    response.data = error_body(status_code=response.status_code, code=code, message=message, fields=fields)
    return response


def not_found_response() -> Response:
    return Response(
        error_body(status_code=status.HTTP_404_NOT_FOUND, code="not_found", message=_("Not found.")),
        status=status.HTTP_404_NOT_FOUND,
    )
