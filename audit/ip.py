"""The client's address, trusting X-Forwarded-For only as far as TRUSTED_PROXY_COUNT proxies."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            # Each trusted proxy appends the address it saw; the client is the one the outermost proxy saw.
            found = _valid(forwarded[-proxies])
            if found:
                return found
    return _valid(request.META.get("REMOTE_ADDR", ""))
