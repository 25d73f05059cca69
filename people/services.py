"""Writes about people: org units, officers, family members, roles, worker heartbeats.

Every function is keyword-only, transactional, audited, and safe to call twice.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from audit.models import AuditAction
from audit.services import audit_record
from people import scope
from people.models import (
    FamilyMember,
    FamilyRelation,
    Officer,
    OfficerKind,
    OrgUnit,
    OrgUnitKind,
    Role,
    RoleAssignment,
    Sex,
    User,
    WorkerHeartbeat,
)
from welfare.domain import ConflictError, DomainError


class PeopleError(DomainError):
    pass


_UNSET: Any = object()
ORG_UNIT_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}")


# --- Org units -----------------------------------------------------------------------------------


@transaction.atomic
def org_unit_create(
    *,
    kind: str,
    code: str,
    name: str,
    parent: OrgUnit | None = None,
    sort_order: int = 0,
    actor: User | None = None,
) -> OrgUnit:
    # Upper case only: SQLite's LIKE ignores case, so "ab" would fall inside "AB"'s subtree there.
    code = code.strip().upper()
    if not ORG_UNIT_CODE.fullmatch(code):
        raise PeopleError(
            _("A unit code is upper-case letters, digits and '-' only, e.g. X01-P03."), field="code"
        )
    if kind not in OrgUnitKind.values:
        raise PeopleError(_("Unknown kind of unit."), field="kind")
    existing = OrgUnit.objects.filter(code=code).first()
    if existing is not None:
        if (
            existing.parent_id == (parent.pk if parent else None)
            and existing.name == name
            and existing.kind == kind
        ):
            return existing
        raise ConflictError(_("Another unit already has the code %(code)s.") % {"code": code}, field="code")
    unit = OrgUnit.objects.create(
        kind=kind,
        code=code,
        name=name,
        parent=parent,
        sort_order=sort_order,
        path=OrgUnit.path_for(parent=parent, code=code),
        depth=(parent.depth + 1) if parent else 0,
    )
    audit_record(actor=actor, action=AuditAction.ORG_UNIT_CHANGED, target=unit, detail={"op": "create"})
    return unit


@transaction.atomic
def org_unit_update(
    *,
    unit: OrgUnit,
    actor: User | None,
    name: str | None = None,
    kind: str | None = None,
    parent: OrgUnit | None = _UNSET,
    sort_order: int | None = None,
    active: bool | None = None,
) -> OrgUnit:
    """Change a unit; a new parent moves its whole subtree in one UPDATE."""
    if parent is not _UNSET:
        # Moves are serialised on the root unit: two moves at once could otherwise build a cycle
        # from stale paths. The new parent is re-read under that lock.
        OrgUnit.objects.select_for_update().filter(depth=0).order_by("pk").first()
        if parent is not None:
            parent = OrgUnit.objects.get(pk=parent.pk)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    changes: dict[str, Any] = {}
    for field, value in (("name", name), ("kind", kind), ("sort_order", sort_order), ("active", active)):
        if value is not None and getattr(unit, field) != value:
            changes[field] = value
            setattr(unit, field, value)
    if parent is not _UNSET and parent != unit.parent:
        if parent is not None and parent.path.startswith(unit.path):
            raise PeopleError(_("A unit cannot be moved under itself or its own subtree."), field="parent")
        old_path, old_depth = unit.path, unit.depth
        new_path = OrgUnit.path_for(parent=parent, code=unit.code)
        new_depth = (parent.depth + 1) if parent else 0
        OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
            path=Concat(Value(new_path), Substr("path", Length(Value(old_path)) + 1)),
            depth=F("depth") + (new_depth - old_depth),
        )
        unit.parent, unit.path, unit.depth = parent, new_path, new_depth
        changes["parent"] = parent.code if parent else None
    if not changes:
        return unit
    unit.save()
    audit_record(
        actor=actor,
        action=AuditAction.ORG_UNIT_CHANGED,
        target=unit,
        detail={"op": "update", "changes": {k: str(v) for k, v in changes.items()}},
    )
    return unit


# --- Officers ------------------------------------------------------------------------------------


@transaction.atomic
def officer_create(
    *,
    username: str,
    police_number: str,
    name: str,
    sex: str,
    birth_date: dt.date,
    org_unit: OrgUnit,
    joined_police_on: dt.date,
    kind: str = OfficerKind.POLICE,
    position: str = "",
    mobile: str = "",
    email: str = "",
    password: str | None = None,
    actor: User | None = None,
) -> Officer:
    """Create an account and its officer profile. Without a password the account cannot log in yet."""
    existing = Officer.objects.filter(police_number=police_number).select_related("user").first()
    if existing is not None:
        if existing.user.username == username:
            return existing
        raise ConflictError(_("Police number %(number)s is already taken.") % {"number": police_number})
    if User.objects.filter(username=username).exists():
        raise ConflictError(_("Username %(name)s is already taken.") % {"name": username}, field="username")
    if joined_police_on <= birth_date:
        raise PeopleError(_("The date of joining the police must come after the birth date."))
    user = User(username=username, email=email)
    if password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
            officer = Officer.objects.create(
                user=user,
                police_number=police_number,
                name=name,
                sex=sex,
                birth_date=birth_date,
                org_unit=org_unit,
                joined_police_on=joined_police_on,
                kind=kind,
                position=position,
                mobile=mobile,
            )
    except IntegrityError:
        # Created at the same moment by another import: theirs stands.
        raise ConflictError(
            _("Police number %(number)s is already taken.") % {"number": police_number}
        ) from None
    audit_record(actor=actor, action=AuditAction.OFFICER_CHANGED, target=officer, detail={"op": "create"})
    return officer


OFFICER_EDITABLE_FIELDS = frozenset(
    {"name", "sex", "birth_date", "kind", "org_unit", "position", "joined_police_on", "mobile"}
)


@transaction.atomic
def officer_update(*, officer: Officer, actor: User | None, **changes: Any) -> Officer:
    """Change an officer's profile (HR corrections, a transfer to another unit)."""
    unknown = set(changes) - OFFICER_EDITABLE_FIELDS
    if unknown:
        raise PeopleError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    changed = {field: value for field, value in changes.items() if getattr(officer, field) != value}
    if not changed:
        return officer
    for field, value in changed.items():
        setattr(officer, field, value)
    if officer.joined_police_on <= officer.birth_date:
        raise PeopleError(_("The date of joining the police must come after the birth date."))
    officer.save()
    audit_record(
        actor=actor,
        action=AuditAction.OFFICER_CHANGED,
        target=officer,
        detail={"op": "update", "fields": sorted(changed)},
    )
    return officer


@transaction.atomic
def officer_set_active(*, officer: Officer, active: bool, actor: User | None) -> Officer:
    """Deactivate (or reactivate) an officer together with the account's log-in."""
    officer = Officer.objects.select_for_update().select_related("user").get(pk=officer.pk)
    if officer.active == active and officer.user.is_active == active:
        return officer
    officer.active = active
    officer.save(update_fields=["active", "updated_at"])
    User.objects.filter(pk=officer.user_id).update(is_active=active)
    audit_record(
        actor=actor,
        action=AuditAction.OFFICER_CHANGED,
        target=officer,
        detail={"op": "set_active", "active": active},
    )
    return officer


# --- Family members ------------------------------------------------------------------------------


def _check_family_fields(*, relation: str, sex: str, birth_date: dt.date, school: str, grade: str) -> None:
    if relation not in FamilyRelation.values:
        raise PeopleError(_("Unknown family relation."), field="relation")
    if sex not in Sex.values:
        raise PeopleError(_("Unknown sex."), field="sex")
    if birth_date > timezone.localdate():
        raise PeopleError(_("The birth date cannot be in the future."), field="birth_date")
    if birth_date < dt.date(1900, 1, 1):
        raise PeopleError(_("The birth date is too far in the past."), field="birth_date")
    if relation != FamilyRelation.CHILD and (school or grade):
        raise PeopleError(_("School and grade are recorded for children only."), field="school")


def _check_one_spouse(*, officer: Officer, relation: str, exclude_pk: int | None = None) -> None:
    if relation != FamilyRelation.SPOUSE:
        return
    spouses = FamilyMember.objects.filter(officer=officer, relation=FamilyRelation.SPOUSE)
    if exclude_pk is not None:
        spouses = spouses.exclude(pk=exclude_pk)
    if spouses.exists():
        raise ConflictError(_("A spouse is already on record."), field="relation")


@transaction.atomic
def family_member_add(
    *,
    officer: Officer,
    relation: str,
    name: str,
    sex: str,
    birth_date: dt.date,
    school: str = "",
    grade: str = "",
    actor: User | None,
) -> FamilyMember:
    """Add a family member; the same person submitted twice (a double click) is recorded once."""
    name = name.strip()
    if not name:
        raise PeopleError(_("The name cannot be empty."), field="name")
    _check_family_fields(relation=relation, sex=sex, birth_date=birth_date, school=school, grade=grade)
    # Lock the officer so two concurrent adds serialise on PostgreSQL.
    Officer.objects.select_for_update().filter(pk=officer.pk).first()
    same = FamilyMember.objects.filter(
        officer=officer, relation=relation, name=name, birth_date=birth_date
    ).first()
    if same is not None:
        return same
    _check_one_spouse(officer=officer, relation=relation)
    try:
        with transaction.atomic():
            member = FamilyMember.objects.create(
                officer=officer,
                relation=relation,
                name=name,
                sex=sex,
                birth_date=birth_date,
                school=school.strip(),
                grade=grade.strip(),
            )
    except IntegrityError:
        raise ConflictError(_("This family member is already on record.")) from None
    audit_record(
        actor=actor,
        action=AuditAction.FAMILY_CHANGED,
        target=member,
        detail={"op": "add", "officer": officer.police_number},
    )
    return member


@transaction.atomic
def family_member_update(*, member: FamilyMember, actor: User | None, **changes: Any) -> FamilyMember:
    allowed = {"relation", "name", "sex", "birth_date", "school", "grade"}
    unknown = set(changes) - allowed
    if unknown:
        raise PeopleError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    member = FamilyMember.objects.select_for_update().get(pk=member.pk)
    changed = {field: value for field, value in changes.items() if getattr(member, field) != value}
    if not changed:
        return member
    for field, value in changed.items():
        setattr(member, field, value.strip() if isinstance(value, str) else value)
    if member.relation != FamilyRelation.CHILD:
        member.school = member.grade = ""
    if not member.name:
        raise PeopleError(_("The name cannot be empty."), field="name")
    _check_family_fields(
        relation=member.relation,
        sex=member.sex,
        birth_date=member.birth_date,
        school=member.school,
        grade=member.grade,
    )
    _check_one_spouse(officer=member.officer, relation=member.relation, exclude_pk=member.pk)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise ConflictError(_("This family member is already on record.")) from None
    audit_record(
        actor=actor,
        action=AuditAction.FAMILY_CHANGED,
        target=member,
        detail={"op": "update", "fields": sorted(changed)},
    )
    return member


@transaction.atomic
def family_member_remove(*, member: FamilyMember, actor: User | None) -> None:
    deleted, _detail = FamilyMember.objects.filter(pk=member.pk).delete()
    if deleted:
        audit_record(
            actor=actor,
            action=AuditAction.FAMILY_CHANGED,
            target=member,
            detail={"op": "remove", "officer_id": member.officer_id},
        )


# --- Roles ----------------------------------------------------------------------------------------

# Separation of duties (MLPS): the system administrator manages accounts and the org tree but
# cannot read the audit log; the security auditor reads the audit log and nothing else.
ADMIN_GROUPS: dict[str, dict[str, list[str] | None]] = {
    Role.SYSADMIN: {
        "people": None,  # every permission of the app
        "auth": ["view_group"],
        "django_celery_beat": None,
        # Unlocking goes through the audited "unlock" action on accounts, not by deleting attempts.
        "axes": ["view_accessattempt", "view_accessfailurelog", "view_accesslog"],
        "token_blacklist": ["view_outstandingtoken", "view_blacklistedtoken"],
        # Operations of the reminder engine: see states and errors, retry; never an inbox's content.
        "notifications": ["view_reminder", "change_reminder", "view_delivery", "view_broadcast"],
        # The health indicator catalogue and its cut-offs (never anyone's results).
        "health": [
            "view_indicator",
            "change_indicator",
            "view_gradingrule",
            "add_gradingrule",
            "change_gradingrule",
            "delete_gradingrule",
        ],
    },
    Role.AUDITOR: {"audit": ["view_auditentry"], "axes": ["view_accessattempt", "view_accessfailurelog"]},
}


def _admin_group(role: str) -> Group:
    group, _created = Group.objects.get_or_create(name=f"role:{role}")
    wanted = Permission.objects.none()
    for app_label, codenames in ADMIN_GROUPS[role].items():
        perms = Permission.objects.filter(content_type__app_label=app_label)
        if codenames is not None:
            perms = perms.filter(codename__in=codenames)
        wanted = wanted | perms
    group.permissions.set(wanted)
    return group


def _sync_admin_access(user: User) -> None:
    """Django admin access follows the sysadmin and auditor roles."""
    held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    for role in ADMIN_GROUPS:
        group = _admin_group(role)
        if role in held:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    is_staff = user.is_superuser or bool(held & set(ADMIN_GROUPS))
    if user.is_staff != is_staff:
        User.objects.filter(pk=user.pk).update(is_staff=is_staff)
        user.is_staff = is_staff


# Roles of the separation of duties: granted by a superuser (or the system), never both to one account.
DUTY_ROLES = frozenset({Role.SYSADMIN, Role.AUDITOR})


def role_check_grant(*, user: User, role: str, actor: User | None) -> None:
    """Raise PeopleError when ``actor`` may not grant ``role`` to ``user`` (the admin form asks first)."""
    if actor is not None and actor.pk == user.pk:
        raise PeopleError(_("Nobody can grant a role to their own account."), field="user")
    if role in DUTY_ROLES and actor is not None and not actor.is_superuser:
        raise PeopleError(
            _("Only a superuser grants the system administrator and auditor roles."), field="role"
        )
    held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    if role in DUTY_ROLES and (held & DUTY_ROLES) - {role}:
        raise PeopleError(_("One account cannot be both system administrator and auditor."), field="role")


@transaction.atomic
def role_assign(*, user: User, role: str, org_unit: OrgUnit, actor: User | None) -> RoleAssignment:
    """Grant a role over a unit's subtree. ``actor=None`` is the system (seed, migrations)."""
    if role not in Role.values:
        raise PeopleError(_("Unknown role."), field="role")
    User.objects.select_for_update().filter(pk=user.pk).first()
    if RoleAssignment.objects.filter(user=user, role=role, org_unit=org_unit).exists():
        return RoleAssignment.objects.get(user=user, role=role, org_unit=org_unit)
    role_check_grant(user=user, role=role, actor=actor)
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        org_unit=org_unit,
        defaults={"granted_by": actor if actor and actor.pk else None},
    )
    if created:
        _sync_admin_access(user)
        scope.forget(user)
        audit_record(
            actor=actor,
            action=AuditAction.ROLE_GRANTED,
            target=assignment,
            detail={"user": user.username, "role": role, "org_unit": org_unit.code},
        )
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, actor: User | None) -> None:
    user = User.objects.select_for_update().get(pk=assignment.user_id)
    deleted, _detail = RoleAssignment.objects.filter(pk=assignment.pk).delete()
    if not deleted:
        return
    _sync_admin_access(user)
    scope.forget(user)
    audit_record(
        actor=actor,
        action=AuditAction.ROLE_REVOKED,
        target=assignment,
        detail={"user": user.username, "role": assignment.role, "org_unit_id": assignment.org_unit_id},
    )


# --- Accounts ------------------------------------------------------------------------------------


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise PeopleError(" ".join(exc.messages), field="password") from None


@transaction.atomic
def account_set_password(*, user: User, password: str, actor: User | None) -> None:
    """Set a new password. The app's tokens issued before it stop working (they carry the old hash)."""
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action=AuditAction.PASSWORD_CHANGED, target=user)


def account_logged_in(*, user: User, channel: str) -> None:
    audit_record(actor=user, action=AuditAction.LOGIN, detail={"channel": channel})


def account_logged_out(*, user: User, channel: str) -> None:
    audit_record(actor=user, action=AuditAction.LOGOUT, detail={"channel": channel})


@transaction.atomic
def account_unlock(*, user: User, actor: User | None) -> int:
    """Lift a lock-out before its time (the person called the administrator). Returns the attempts cleared."""
    cleared = axes_reset(username=user.username)
    audit_record(actor=actor, action=AuditAction.ACCOUNT_UNLOCKED, target=user, detail={"cleared": cleared})
    return cleared


# --- Operations ----------------------------------------------------------------------------------


def housekeeping_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Daily: drop expired sessions and tokens and old log-in attempts (never audit rows)."""
    now = now or timezone.now()
    sessions, _detail = Session.objects.filter(expire_date__lt=now).delete()
    tokens, _detail = OutstandingToken.objects.filter(expires_at__lt=now).delete()
    keep_attempts = now - dt.timedelta(days=settings.LOGIN_ATTEMPT_RETENTION_DAYS)
    attempts, _detail = AccessAttempt.objects.filter(attempt_time__lt=keep_attempts).delete()
    failures, _detail = AccessFailureLog.objects.filter(attempt_time__lt=keep_attempts).delete()
    return {"sessions": sessions, "tokens": tokens, "attempts": attempts, "failures": failures}


def heartbeat_record(*, queue: str, hostname: str) -> WorkerHeartbeat:
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        queue=queue, defaults={"hostname": hostname[:200], "seen_at": timezone.now()}
    )
    return heartbeat
