"""SMS gateways, chosen by the SMS_BACKEND setting. No outside service is assumed.

- ``FileBackend`` (the default): appends one JSON line per message to SMS_FILE_PATH.
- ``ConsoleBackend``: logs the message.
- ``HttpGatewayBackend``: POSTs ``{"mobile", "text"}`` as JSON to SMS_GATEWAY_URL with the
  key in an ``Authorization: Bearer`` header; any non-2xx answer or network error is a failure
  that the reminder engine retries with back-off.
"""

from __future__ import annotations

import fcntl
import json
import logging
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The gateway did not take the message."""


class BaseBackend:
    def send(self, *, mobile: str, text: str) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Logs that an SMS would go out; the number is masked and the text left out (logs are kept long)."""

    def send(self, *, mobile: str, text: str) -> None:
        logger.info("SMS to %s (%d characters)", mobile[:3] + "****" + mobile[-4:], len(text))


class FileBackend(BaseBackend):
    def send(self, *, mobile: str, text: str) -> None:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"at": timezone.now().isoformat(), "mobile": mobile, "text": text}, ensure_ascii=False
        )
        with path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # several workers append to the same file
            handle.write(line + "\n")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        # A redirect would resend the key elsewhere and turn the POST into a bodiless GET.
        raise SmsError(f"gateway answered {code} (a redirect to {newurl}); redirects are not followed")


# No redirects and no proxy from the environment: the gateway is on the intranet, reached directly.
_opener = urllib.request.build_opener(_NoRedirects, urllib.request.ProxyHandler({}))


class HttpGatewayBackend(BaseBackend):
    def send(self, *, mobile: str, text: str) -> None:
        url = settings.SMS_GATEWAY_URL
        if not url.startswith(("http://", "https://")):
            raise SmsError("SMS_GATEWAY_URL must be an http(s) URL")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url,
            data=json.dumps({"mobile": mobile, "text": text}, ensure_ascii=False).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_KEY}",
            },
            method="POST",
        )
        try:
            with _opener.open(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise SmsError(f"gateway answered {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"gateway unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise SmsError(f"gateway answered {status}")


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()
