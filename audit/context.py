"""The source address of the request being served, so services can audit without taking ``request``."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

from audit.ip import client_ip

current_source_ip: ContextVar[str | None] = ContextVar("current_source_ip", default=None)


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_source_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_source_ip.reset(token)
