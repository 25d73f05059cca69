"""Who may see and do what with care requests and the fund: plain functions for views and the API alike.

- The **officer** sees their own requests (the notes marked visible to them), withdraws, resubmits a
  returned one and rates a resolved one.
- **Unit admins** submit on an officer's behalf and see their subtree's requests, except confidential
  ones; they can be assigned as handlers.
- The **welfare office** (爱警办) sees, accepts and assigns the requests of its subtree, except
  confidential ones, which only the handler and the **heads** (爱警办主任, ``welfare_head``) see.
- The **handler** acts on the request: notes, returns, resolves, proposes grants.
- A grant above the fund's threshold needs a head's approval, never the proposer's own.
"""

from __future__ import annotations

from care.models import OPEN_STATUSES, CareGrant, CareRequest, GrantStatus, Status
from people import scope
from people.models import Officer, OrgUnit, Role, User

OFFICE_ROLES = frozenset({Role.WELFARE_OFFICE, Role.WELFARE_HEAD})
HEAD_ROLES = frozenset({Role.WELFARE_HEAD})
HANDLER_ROLES = frozenset({Role.WELFARE_OFFICE, Role.WELFARE_HEAD, Role.UNIT_ADMIN})
VIEWER_ROLES = frozenset({Role.WELFARE_OFFICE, Role.UNIT_ADMIN})  # non-confidential requests in subtree
FUND_READER_ROLES = frozenset({Role.WELFARE_OFFICE, Role.WELFARE_HEAD, Role.LEADER})


def _unit(request: CareRequest) -> OrgUnit:
    return request.officer.org_unit


def is_own(user: User, request: CareRequest) -> bool:
    return request.officer.user_id == user.pk


def is_head_for(user: User, unit: OrgUnit) -> bool:
    return scope.covers(user, HEAD_ROLES, unit)


def can_see(user: User, request: CareRequest) -> bool:
    if not user.is_authenticated:
        return False
    if is_own(user, request) or request.handler_id == user.pk or is_head_for(user, _unit(request)):
        return True
    return not request.confidential and scope.covers(user, VIEWER_ROLES, _unit(request))


def can_withdraw(user: User, request: CareRequest, *, has_approved_grant: bool) -> bool:
    """The officer, while it is open and no grant has been approved (services.request_withdraw)."""
    return is_own(user, request) and request.status in OPEN_STATUSES and not has_approved_grant


def can_resubmit(user: User, request: CareRequest) -> bool:
    """The officer answers a return (services.request_resubmit)."""
    return is_own(user, request) and request.status == Status.RETURNED


def can_rate(user: User, request: CareRequest) -> bool:
    """The officer rates a resolved request (services.request_rate)."""
    return is_own(user, request) and request.status == Status.RESOLVED


def can_add_documents(user: User, request: CareRequest) -> bool:
    """The officer (a returned request takes its documents with the answer) or the handler, while open."""
    if request.status not in OPEN_STATUSES:
        return False
    if is_own(user, request):
        return request.status != Status.RETURNED
    return can_act(user, request)


def can_submit_for(user: User, officer: Officer) -> bool:
    """The officer, or a unit admin or the welfare office covering the officer's unit."""
    if officer.user_id == user.pk:
        return True
    return scope.covers(user, {Role.UNIT_ADMIN, *OFFICE_ROLES}, officer.org_unit)


def can_assign(user: User, request: CareRequest) -> bool:
    """Accept a request and choose (or change) its handler."""
    if request.status not in (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS):
        return False
    if is_head_for(user, _unit(request)):
        return True
    return not request.confidential and scope.covers(user, {Role.WELFARE_OFFICE}, _unit(request))


def can_act(user: User, request: CareRequest) -> bool:
    """Notes, actions, return for information, resolve, propose a grant: the handler and the heads."""
    return request.handler_id == user.pk or is_head_for(user, _unit(request))


def can_be_handler(user: User, request: CareRequest) -> bool:
    return user.is_active and scope.covers(user, HANDLER_ROLES, _unit(request))


def is_office(user: User, unit: OrgUnit | None = None) -> bool:
    if unit is None:
        return scope.has_any_role(user, OFFICE_ROLES)
    return scope.covers(user, OFFICE_ROLES, unit)


def can_approve_grant(user: User, grant: CareGrant) -> tuple[bool, str]:
    """(allowed, why not). A grant above the threshold: a head who did not propose it."""
    from django.utils.translation import gettext as _

    if grant.status != GrantStatus.PROPOSED:
        return False, _("This grant is not awaiting approval.")
    if is_own(user, grant.request):
        return False, _("This grant is for you: another member of the welfare office decides and pays it.")
    unit = _unit(grant.request)
    if grant.needs_second_approval:
        if grant.proposed_by_id == user.pk:
            return False, _("A grant this large needs a second approver: you proposed it.")
        if not is_head_for(user, unit):
            return False, _("A grant this large is approved by a head of the welfare office.")
        return True, ""
    if not is_office(user, unit):
        return False, _("Grants are approved by the welfare office.")
    return True, ""


def can_pay_grant(user: User, grant: CareGrant) -> bool:
    """An approved grant, by the welfare office, never by its own beneficiary."""
    return (
        grant.status == GrantStatus.APPROVED
        and not is_own(user, grant.request)
        and is_office(user, _unit(grant.request))
    )


def can_read_fund(user: User) -> bool:
    """Balances and monthly totals: the welfare office and leaders."""
    return bool(user.is_authenticated and scope.has_any_role(user, FUND_READER_ROLES))


def can_read_fund_entries(user: User) -> bool:
    """Entries name beneficiaries: the welfare office only."""
    return bool(user.is_authenticated and scope.has_any_role(user, OFFICE_ROLES))


def can_record_fund(user: User) -> bool:
    """Donations and allocations."""
    return can_read_fund_entries(user)


def can_reverse_entries(user: User) -> bool:
    """Corrections are a head's decision."""
    return bool(user.is_authenticated and scope.has_any_role(user, HEAD_ROLES))
