"""Log in with a police number (警号) or a username."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.utils import timezone

from audit.ip import client_ip
from people.models import User

# Longer names are never valid; cut them before they reach a lookup or axes's varchar(255).
MAX_LOGIN_LENGTH = 150


def find_user_by_login(login: str) -> User | None:
    """The account a log-in name means: a username first, else a police number."""
    login = (login or "").strip()
    if not login or len(login) > MAX_LOGIN_LENGTH:
        return None
    matches = list(
        User.objects.filter(Q(username=login) | Q(officer__police_number=login)).select_related("officer")
    )
    for user in matches:
        if user.username == login:
            return user
    return matches[0] if matches else None


def canonical_username_for_axes(request: Any, credentials: dict[str, Any] | None) -> str | None:
    """Count failures per account, whichever of its two log-in names was typed."""
    login = (credentials or {}).get("username")
    if not login:
        return None
    user = find_user_by_login(str(login))
    return user.username if user else str(login)[:MAX_LOGIN_LENGTH]


def account_is_locked(user: User) -> bool:
    """Whether django-axes holds the account locked right now (the same rule its handler applies)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        username=user.username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).exists()


def may_use_tokens(user: User) -> bool:
    """simplejwt's rule for issuing and refreshing tokens: an active account that is not locked."""
    return user is not None and user.is_active and not account_is_locked(user)


def address_is_throttled(address: str | None) -> bool:
    """Too many failed log-ins from one address, whatever the accounts: password spraying.

    Successful log-ins do not count, so a station's officers behind one NAT address are not
    held up by their colleagues' logging in; only failures are.
    """
    if not address:
        return False
    since = timezone.now() - dt.timedelta(hours=1)
    failures = AccessFailureLog.objects.filter(ip_address=address, attempt_time__gte=since).count()
    return failures >= settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR


class PoliceNumberOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username: str | None = None, password: str | None = None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        if request is not None and address_is_throttled(client_ip(request)):
            request.login_throttled = True
            return None
        user = find_user_by_login(username)
        if user is None:
            # Spend the same time as a real check so unknown names cannot be told apart.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
