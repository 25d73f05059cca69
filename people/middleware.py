"""Sessions whose idle timeout background polls do not reset."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that a passive request (an unread-badge poll) does not extend the session.

    With SESSION_SAVE_EVERY_REQUEST every request pushes the expiry 30 minutes forward; a
    page that polls every minute would then never log out an officer who walked away.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(request, "passive_session", False) and not request.session.modified:
            patch_vary_headers(response, ("Cookie",))  # the answer depends on whose session it is
            return response
        return super().process_response(request, response)


def passive_session(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view's requests as passive: they read the session but never extend it."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.passive_session = True
        return view(request, *args, **kwargs)

    return wrapper
