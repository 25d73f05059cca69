"""Writing the audit log. Every other app records its audited events through ``audit_record``."""

from __future__ import annotations

from typing import Any

from django.db import models

from audit.context import current_source_ip
from audit.models import AuditAction, AuditEntry, AuditResult


def audit_record(
    *,
    actor: Any | None,
    action: AuditAction,
    target: models.Model | None = None,
    result: AuditResult = AuditResult.SUCCESS,
    actor_username: str = "",
    source_ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit row. ``actor`` may be None (an unknown name at the log-in form, a worker)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        actor=actor,
        actor_username=(actor.get_username() if actor is not None else actor_username)[:150],
        action=action,
        result=result,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        source_ip=source_ip if source_ip is not None else current_source_ip.get(),
        detail=detail or {},
    )
