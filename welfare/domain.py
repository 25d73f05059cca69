"""The base class of business-rule errors raised by services.

Portal views show ``message`` next to the form; the API answers it in the standard
error shape with ``status_code`` (400 by default, 409 for conflicts).
"""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(DomainError):
    status_code = 409
    code = "conflict"
