"""Error pages: Chinese HTML for the portal, the API's JSON error shape under /api/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from welfare.api import error_body


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _respond(request: HttpRequest, status: int, code: str, message: str, template: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body(status_code=status, code=code, message=message), status=status)
    return render(request, template, {"message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(request, 400, "bad_request", _("The request could not be understood."), "400.html")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(
        request, 403, "permission_denied", _("You do not have permission to do this."), "403.html"
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(request, 404, "not_found", _("Not found."), "404.html")


def server_error(request: HttpRequest) -> HttpResponse:
    message = _("Something went wrong on our side. The error has been logged; please try again later.")
    if _is_api(request):
        return JsonResponse(error_body(status_code=500, code="server_error", message=message), status=500)
    # No context processors here: the failure may come from them.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({"message": message}), status=500)
