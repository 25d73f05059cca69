"""Log in with a police number (警号) or a username."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from people.models import User


def find_user_by_login(login: str) -> User | None:
    """The account a log-in name means: a username first, else a police number."""
    login = (login or "").strip()
    if not login:
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
    return user.username if user else str(login)


class PoliceNumberOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username: str | None = None, password: str | None = None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        user = find_user_by_login(username)
        if user is None:
            # Spend the same time as a real check so unknown names cannot be told apart.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
