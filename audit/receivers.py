"""Log-in events come from Django's and django-axes's signals: the true extension points for them."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.ip import client_ip
from audit.models import AuditAction, AuditResult
from audit.services import audit_record


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in, dispatch_uid="audit_login")
def _on_login(sender, request, user, **kwargs) -> None:
    audit_record(actor=user, action=AuditAction.LOGIN, source_ip=_ip(request), detail={"channel": "portal"})


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(
            actor=user, action=AuditAction.LOGOUT, source_ip=_ip(request), detail={"channel": "portal"}
        )


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    from people.backends import find_user_by_login

    login = str(credentials.get("username", ""))
    user = find_user_by_login(login) if login else None
    locked = bool(getattr(request, "axes_locked_out", False))
    audit_record(
        actor=user,
        actor_username=login,
        action=AuditAction.LOGIN_FAILED,
        result=AuditResult.FAILURE,
        source_ip=_ip(request),
        detail={"reason": "locked" if locked else "bad_credentials", "login": login[:150]},
    )


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def _on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    from people.backends import find_user_by_login

    audit_record(
        actor=find_user_by_login(username) if username else None,
        actor_username=username or "",
        action=AuditAction.LOCKED_OUT,
        result=AuditResult.FAILURE,
        source_ip=ip_address or _ip(request),
    )
