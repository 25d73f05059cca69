"""Small helpers that portal views share."""

from __future__ import annotations

from django.http import Http404, HttpRequest


def query_without_page(request: HttpRequest) -> str:
    """The query string without ``page``: pagination links keep the filters."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def require_or_404(allowed: bool, what: str = "no such page") -> None:
    """Out of one's role is out of sight: 404, never 403, so pages and ids cannot be probed."""
    if not allowed:
        raise Http404(what)
