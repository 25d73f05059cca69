"""Writes about care requests: submitting, the workflow, actions and notes, grants, service levels.

Every function locks the request's row, re-checks its state, changes it, writes one timeline row
(``CareEvent``) and one audit row, and schedules what the people concerned should hear after commit.
Doing what is already done (accepting an accepted request for the same handler, paying a paid grant)
returns without a second effect.

Reminder payloads carry the reference and the category only, never the description: a reminder can
travel by SMS, and a confidential request stays confidential.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from care import fund as ledger
from care import permissions
from care.models import (
    OPEN_STATUSES,
    WAITING_ON_OFFICE,
    ActionKind,
    BudgetKind,
    CareAttachment,
    CareEvent,
    CareGrant,
    CareRequest,
    Category,
    GrantStatus,
    ReferenceCounter,
    Status,
)
from care.workdays import add_working_days
from notifications import services as reminders
from people import scope
from people.models import Officer, Role, User
from welfare.domain import ConflictError, DomainError
from welfare.uploads import CheckedUpload, check_document

__all__ = [
    "CareError",
    "action_add",
    "attachments_add",
    "grant_approve",
    "grant_cancel",
    "grant_pay",
    "grant_propose",
    "grant_reject",
    "request_accept",
    "request_rate",
    "request_resolve",
    "request_resubmit",
    "request_return",
    "request_submit",
    "request_withdraw",
    "requests_auto_close",
    "requests_escalate",
]


class CareError(DomainError):
    """A step the workflow does not allow; the message says why."""


def _now() -> dt.datetime:
    return timezone.now()


def _audit(actor: User | None, request: CareRequest, op: str, **detail) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.CARE_REQUEST_CHANGED,
        target=request,
        detail={"op": op, "status": request.status, **detail},
    )


def _event(
    request: CareRequest, *, actor: User | None, before: str | None = None, text: str = "", **values
) -> CareEvent:
    """One timeline row; ``before`` is the status before this step (None: the step changed no status)."""
    if before is None:
        before = request.status
    changed = before != request.status
    return CareEvent.objects.create(
        request=request,
        occurred_at=_now(),
        actor=actor,
        from_status=before if changed else "",
        to_status=request.status if changed else "",
        text=text,
        **values,
    )


def _lock(request: CareRequest) -> CareRequest:
    return CareRequest.objects.select_for_update().select_related("officer__org_unit").get(pk=request.pk)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise CareError(message)


def _first_response_due(moment: dt.datetime) -> dt.datetime:
    return add_working_days(moment, settings.CARE_FIRST_RESPONSE_WORKING_DAYS)


# --- Reference numbers and attachments --------------------------------------------------------------------


def _next_reference(year: int) -> str:
    """AJ-2026-000123: counted per year under the counter's row lock, so two submits never share one."""
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
    ReferenceCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"AJ-{year}-{counter.last:06d}"


def check_attachments(uploads: Sequence, *, already: int = 0) -> list[CheckedUpload]:
    """Check every file before anything is stored: one bad file refuses them all."""
    if already + len(uploads) > settings.CARE_MAX_ATTACHMENTS:
        raise CareError(
            _("A request can have at most %(count)d attachments.") % {"count": settings.CARE_MAX_ATTACHMENTS},
            field="attachments",
        )
    return [
        check_document(upload, max_bytes=settings.CARE_ATTACHMENT_MAX_BYTES, field="attachments")
        for upload in uploads
    ]


def _store(request: CareRequest, checked: Iterable[CheckedUpload], actor: User) -> list[CareAttachment]:
    stored = []
    for item in checked:
        item.upload.seek(0)
        item.upload.name = f"{uuid.uuid4().hex}{item.suffix}"  # the bytes decide the suffix, not the sender
        stored.append(
            CareAttachment.objects.create(
                request=request,
                file=item.upload,
                original_name=item.original_name or f"attachment{item.suffix}",
                content_type=item.content_type,
                size=item.size,
                uploaded_by=actor,
            )
        )
    return stored


# --- Submitting -------------------------------------------------------------------------------------------


def request_submit(
    *,
    officer: Officer,
    submitted_by: User,
    category: str,
    title: str,
    description: str,
    confidential: bool = False,
    amount_requested: Decimal | None = None,
    attachments: Sequence = (),
    submit_token: uuid.UUID | None = None,
) -> CareRequest:
    """A request for help, by the officer or on their behalf; the same ``submit_token`` is one request."""
    if submit_token is not None:
        existing = CareRequest.objects.filter(submit_token=submit_token).first()
        if existing is not None:
            if existing.officer_id != officer.pk:
                raise ConflictError(_("This form was already used for another request."))
            return existing
    _require(
        permissions.can_submit_for(submitted_by, officer),
        _("You cannot submit a request for this officer."),
    )
    if category not in Category.values:
        raise CareError(_("Choose a category."), field="category")
    if not title.strip():
        raise CareError(_("Give the request a subject."), field="title")
    if not description.strip():
        raise CareError(_("Say what has happened and what help is needed."), field="description")
    if amount_requested is not None and amount_requested < 0:
        raise CareError(_("An amount cannot be negative."), field="amount_requested")
    checked = check_attachments(attachments)
    now = _now()
    try:
        with transaction.atomic():
            request = CareRequest.objects.create(
                reference=_next_reference(timezone.localtime(now).year),
                officer=officer,
                submitted_by=submitted_by,
                category=category,
                title=title.strip()[:100],
                description=description.strip(),
                confidential=confidential,
                amount_requested=amount_requested,
                submitted_at=now,
                due_at=_first_response_due(now),
                submit_token=submit_token,
            )
            on_behalf = submitted_by.pk != officer.user_id
            _event(
                request,
                actor=submitted_by,
                before="",
                code="on_behalf" if on_behalf else "",
            )
            _store(request, checked, submitted_by)
            _audit(
                submitted_by,
                request,
                "submit",
                category=category,
                confidential=confidential,
                on_behalf=on_behalf,
            )
            if on_behalf:
                _tell_officer(request, "submitted_for_you")
    except IntegrityError:
        if submit_token is not None:  # the same form, submitted twice at the same moment
            return CareRequest.objects.get(submit_token=submit_token)
        raise
    return request


@transaction.atomic
def attachments_add(*, request: CareRequest, uploads: Sequence, actor: User) -> list[CareAttachment]:
    """More documents for an open request, from the officer or the handler."""
    request = _lock(request)
    _require(request.is_open, _("This request is no longer open."))
    _require(permissions.can_add_documents(actor, request), _("You cannot add documents to this request."))
    checked = check_attachments(uploads, already=request.attachments.count())
    stored = _store(request, checked, actor)
    _event(request, actor=actor, code="documents_added", params={"count": len(stored)})
    _audit(actor, request, "attachments", count=len(stored))
    return stored


# --- The office's steps -----------------------------------------------------------------------------------


@transaction.atomic
def request_accept(*, request: CareRequest, handler: User, actor: User, note: str = "") -> CareRequest:
    """Accept a submitted request and give it a handler; on an accepted one, change the handler."""
    request = _lock(request)
    _require(permissions.can_assign(actor, request), _("You cannot assign this request."))
    _require(
        permissions.can_be_handler(handler, request),
        _("%(name)s cannot handle requests from this unit.") % {"name": handler.display_name},
    )
    if request.handler_id == handler.pk and request.status != Status.SUBMITTED:
        return request  # already theirs
    before, previous = request.status, request.handler
    now = _now()
    request.handler = handler
    if before == Status.SUBMITTED:
        request.status, request.accepted_at = Status.ACCEPTED, now
        request.due_at, request.escalation = _first_response_due(now), 0
    request.save()
    if before == Status.SUBMITTED:
        if note.strip():
            _event(request, actor=actor, before=before, text=note.strip())
        else:
            _event(
                request, actor=actor, before=before, code="accepted", params={"name": handler.display_name}
            )
        _tell_officer(request, "accepted_for_you")
    else:
        _event(
            request,
            actor=actor,
            code="handed",
            params={
                "old": previous.display_name if previous else "—",
                "new": handler.display_name,
                "note": note.strip(),
            },
            visible_to_officer=False,
        )
    _audit(actor, request, "accept" if before == Status.SUBMITTED else "reassign", handler=handler.pk)
    if handler.pk != actor.pk:
        _tell_handler(request, handler)
    return request


@transaction.atomic
def request_return(*, request: CareRequest, actor: User, reason: str) -> CareRequest:
    """Back to the officer for more information; the reason is shown to them."""
    request = _lock(request)
    if request.status == Status.SUBMITTED:
        _require(permissions.can_assign(actor, request), _("You cannot return this request."))
    else:
        _require(
            request.status in (Status.ACCEPTED, Status.IN_PROGRESS) and permissions.can_act(actor, request),
            _("Only an open request can be returned, by its handler."),
        )
    if not reason.strip():
        raise CareError(_("Say what information is missing."), field="reason")
    before = request.status
    request.status, request.due_at, request.escalation = Status.RETURNED, None, 0
    request.save()
    _event(request, actor=actor, before=before, text=reason.strip())
    _audit(actor, request, "return", reason=reason.strip()[:200])
    _tell_officer(request, "returned_to_you")
    return request


@transaction.atomic
def request_resubmit(
    *, request: CareRequest, actor: User, information: str, attachments: Sequence = ()
) -> CareRequest:
    """The officer answers a return: the information (and documents) go in, the request is submitted again."""
    request = _lock(request)
    _require(permissions.is_own(actor, request), _("Only the officer can answer a return."))
    _require(request.status == Status.RETURNED, _("This request is not waiting for your information."))
    if not information.strip():
        raise CareError(_("Give the information that was asked for."), field="information")
    checked = check_attachments(attachments, already=request.attachments.count())
    now = _now()
    before = request.status
    # Back to whoever had it: the handler when one was assigned, else the intake.
    request.status = Status.ACCEPTED if request.handler_id else Status.SUBMITTED
    request.due_at, request.escalation = _first_response_due(now), 0
    request.save()
    _store(request, checked, actor)
    _event(request, actor=actor, before=before, text=information.strip())
    _audit(actor, request, "resubmit", attachments=len(checked))
    if request.handler_id:
        _tell_handler(request, request.handler, resubmitted=True)
    return request


@transaction.atomic
def action_add(
    *,
    request: CareRequest,
    actor: User,
    kind: str,
    text: str,
    visible_to_officer: bool,
    scheduled_for: dt.date | None = None,
) -> CareEvent:
    """A note or an action (call, visit, referral, appointment, follow-up); the first one starts the work."""
    request = _lock(request)
    _require(permissions.can_act(actor, request), _("Only the handler can add actions."))
    _require(
        request.status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED),
        _("Actions are added to an accepted request."),
    )
    if kind not in ActionKind.values:
        raise CareError(_("Choose a kind of action."), field="kind")
    if not text.strip():
        raise CareError(_("Write what was done."), field="text")
    before = request.status
    if before == Status.ACCEPTED:
        request.status = Status.IN_PROGRESS
        request.due_at, request.escalation = (
            add_working_days(_now(), settings.CARE_RESOLUTION_WORKING_DAYS),
            0,
        )
        request.save()
    event = _event(
        request,
        actor=actor,
        before=before,
        text=text.strip(),
        action=kind,
        scheduled_for=scheduled_for,
        visible_to_officer=visible_to_officer,
    )
    _audit(actor, request, "action", kind=kind, visible=visible_to_officer)
    if visible_to_officer:
        _tell_officer(request, "news")
    return event


@transaction.atomic
def request_resolve(*, request: CareRequest, actor: User, outcome: str) -> CareRequest:
    request = _lock(request)
    _require(permissions.can_act(actor, request), _("Only the handler can resolve this request."))
    if request.status == Status.RESOLVED:
        return request
    _require(
        request.status in (Status.ACCEPTED, Status.IN_PROGRESS),
        _("Only an accepted request can be resolved."),
    )
    if not outcome.strip():
        raise CareError(_("Say what the outcome is."), field="outcome")
    if request.grants.filter(status=GrantStatus.PROPOSED).exists():
        raise CareError(_("A grant is still awaiting approval: decide it before resolving."))
    before = request.status
    request.status, request.outcome, request.resolved_at = Status.RESOLVED, outcome.strip(), _now()
    request.due_at, request.escalation = None, 0
    request.save()
    _event(request, actor=actor, before=before, text=request.outcome)
    _audit(actor, request, "resolve")
    _tell_officer(request, "resolved_for_you")
    return request


# --- The officer's steps ----------------------------------------------------------------------------------


@transaction.atomic
def request_withdraw(*, request: CareRequest, actor: User, reason: str = "") -> CareRequest:
    request = _lock(request)
    _require(permissions.is_own(actor, request), _("Only the officer can withdraw a request."))
    if request.status == Status.WITHDRAWN:
        return request
    _require(request.status in OPEN_STATUSES, _("A resolved request cannot be withdrawn."))
    if request.grants.filter(status__in=[GrantStatus.APPROVED, GrantStatus.PAID]).exists():
        raise CareError(_("A grant has been approved on this request: ask your handler to close it instead."))
    before = request.status
    request.status, request.due_at, request.escalation = Status.WITHDRAWN, None, 0
    request.closed_at = _now()
    request.save()
    request.grants.filter(status=GrantStatus.PROPOSED).update(
        status=GrantStatus.CANCELLED, decided_at=_now(), decision_reason=_("The request was withdrawn.")
    )
    if reason.strip():
        _event(request, actor=actor, before=before, text=reason.strip())
    else:
        _event(request, actor=actor, before=before, code="withdrawn")
    _audit(actor, request, "withdraw")
    if request.handler_id:
        _tell_handler(request, request.handler, withdrawn=True)
    return request


@transaction.atomic
def request_rate(*, request: CareRequest, officer: Officer, rating: int, comment: str = "") -> CareRequest:
    """The officer's satisfaction (1–5) closes a resolved request; rating twice keeps the first."""
    request = _lock(request)
    _require(request.officer_id == officer.pk, _("Only the officer can rate this request."))
    if request.status == Status.CLOSED and request.rating is not None:
        return request
    _require(request.status == Status.RESOLVED, _("A request is rated once it is resolved."))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise CareError(_("Rate from 1 to 5."), field="rating")
    before = request.status
    request.status, request.rating, request.rating_comment = Status.CLOSED, rating, comment.strip()[:500]
    request.closed_at = _now()
    request.save()
    _event(request, actor=officer.user, before=before, code="rated", params={"rating": rating})
    _audit(officer.user, request, "rate", rating=rating)
    return request


# --- Grants -----------------------------------------------------------------------------------------------


def _grant_key(grant: CareGrant, step: str) -> str:
    return f"care-grant:{grant.pk}:{step}"


def _grant_audit(actor: User | None, grant: CareGrant, op: str, **detail) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.CARE_GRANT_CHANGED,
        target=grant,
        detail={"op": op, "amount": str(grant.amount), "request": grant.request.reference, **detail},
    )


def _lock_grant(grant: CareGrant) -> CareGrant:
    # The request first, then the grant: the same order as request_resolve/withdraw.
    CareRequest.objects.select_for_update().filter(pk=grant.request_id).first()
    return CareGrant.objects.select_for_update().select_related("request__officer__org_unit").get(pk=grant.pk)


@transaction.atomic
def grant_propose(
    *, request: CareRequest, actor: User, amount, purpose: str, token: uuid.UUID | None = None
) -> CareGrant:
    """The handler proposes a grant from the care-grants sub-budget.

    At or below the fund's threshold, a proposer from the welfare office approves it in the same
    step; above it, or from a unit admin, it waits for an approver (a head above the threshold).
    """
    request = _lock(request)
    if token is not None:
        existing = CareGrant.objects.filter(propose_token=token).first()
        if existing is not None:  # the same form again (the request's row lock orders the two)
            if existing.request_id != request.pk:
                raise ConflictError(_("This form was already used for another request."))
            return existing
    _require(permissions.can_act(actor, request), _("Only the handler can propose a grant."))
    _require(
        request.status in (Status.ACCEPTED, Status.IN_PROGRESS),
        _("Grants are proposed on a request that is being handled."),
    )
    amount = ledger.money(amount)
    if not purpose.strip():
        raise CareError(_("Say what the grant is for."), field="purpose")
    fund = ledger.default_fund()
    grant = CareGrant.objects.create(
        request=request,
        amount=amount,
        purpose=purpose.strip()[:200],
        proposed_by=actor,
        needs_second_approval=amount > fund.second_approval_above,
        propose_token=token,
    )
    _event(request, actor=actor, code="grant_proposed", params={"amount": ledger.yuan(amount)},
           grant=grant, visible_to_officer=False)  # fmt: skip
    _grant_audit(actor, grant, "propose")
    allowed, _why = permissions.can_approve_grant(actor, grant)
    if allowed:
        return _approve(grant, actor)
    _tell_approvers(grant)
    return grant


def _approve(grant: CareGrant, actor: User) -> CareGrant:
    budget = ledger.budget_of(BudgetKind.CARE_GRANTS)
    commitment = ledger.commitment_record(
        budget=budget,
        amount=grant.amount,
        idempotency_key=_grant_key(grant, "commitment"),
        actor=actor,
        beneficiary=grant.request.officer,
        reference=grant.request.reference,
        memo=grant.purpose,
        approved_by=actor if grant.needs_second_approval else None,
        annual_cap=budget.fund.care_grant_annual_cap,
    )
    grant.status, grant.approved_by, grant.decided_at = GrantStatus.APPROVED, actor, _now()
    grant.commitment = commitment
    grant.save()
    params = {"amount": ledger.yuan(grant.amount), "purpose": grant.purpose}
    _event(
        grant.request, actor=actor, grant=grant, visible_to_officer=True, code="grant_approved", params=params
    )
    _grant_audit(actor, grant, "approve", entry=commitment.pk)
    reminders.reminders_cancel(subject=f"care.grant:{grant.pk}")  # decided: the other approvers need not
    return grant


@transaction.atomic
def grant_approve(*, grant: CareGrant, actor: User) -> CareGrant:
    grant = _lock_grant(grant)
    if grant.status in (GrantStatus.APPROVED, GrantStatus.PAID) and grant.approved_by_id == actor.pk:
        return grant  # a double click
    allowed, why = permissions.can_approve_grant(actor, grant)
    _require(allowed, why)
    return _approve(grant, actor)


@transaction.atomic
def grant_reject(*, grant: CareGrant, actor: User, reason: str) -> CareGrant:
    grant = _lock_grant(grant)
    if grant.status == GrantStatus.REJECTED:
        return grant
    allowed, why = permissions.can_approve_grant(actor, grant)
    _require(allowed, why)
    if not reason.strip():
        raise CareError(_("Say why the grant is not approved."), field="reason")
    grant.status, grant.approved_by, grant.decided_at = GrantStatus.REJECTED, actor, _now()
    grant.decision_reason = reason.strip()[:500]
    grant.save()
    _event(grant.request, actor=actor, grant=grant, visible_to_officer=False,
           code="grant_rejected", params={"reason": grant.decision_reason})  # fmt: skip
    _grant_audit(actor, grant, "reject")
    reminders.reminders_cancel(subject=f"care.grant:{grant.pk}")
    return grant


@transaction.atomic
def grant_pay(*, grant: CareGrant, actor: User) -> CareGrant:
    """Pay an approved grant: one payment entry settling its commitment, whatever the number of clicks."""
    grant = _lock_grant(grant)
    if grant.status == GrantStatus.PAID:
        return grant
    _require(
        not permissions.is_own(actor, grant.request),
        _("This grant is for you: another member of the welfare office decides and pays it."),
    )
    _require(
        permissions.can_pay_grant(actor, grant), _("Only an approved grant is paid, by the welfare office.")
    )
    payment = ledger.payment_record(
        budget=grant.commitment.budget,
        amount=grant.amount,
        idempotency_key=_grant_key(grant, "payment"),
        actor=actor,
        settles=grant.commitment,
        memo=grant.purpose,
        approved_by=grant.approved_by if grant.needs_second_approval else None,
    )
    grant.status, grant.payment = GrantStatus.PAID, payment
    grant.save()
    _event(grant.request, actor=actor, grant=grant, visible_to_officer=True,
           code="grant_paid", params={"amount": ledger.yuan(grant.amount)})  # fmt: skip
    _grant_audit(actor, grant, "pay", entry=payment.pk)
    _tell_officer(grant.request, "grant_paid_to_you", {"amount": ledger.yuan(grant.amount)})
    return grant


@transaction.atomic
def grant_cancel(*, grant: CareGrant, actor: User, reason: str) -> CareGrant:
    """Withdraw a proposed or approved (unpaid) grant; an approved one's commitment is reversed."""
    grant = _lock_grant(grant)
    if grant.status == GrantStatus.CANCELLED:
        return grant
    _require(
        grant.status in (GrantStatus.PROPOSED, GrantStatus.APPROVED)
        and (
            permissions.can_act(actor, grant.request)
            or permissions.is_head_for(actor, grant.request.officer.org_unit)
        ),
        _("Only a grant not yet paid can be cancelled, by the handler or a head."),
    )
    if not reason.strip():
        raise CareError(_("Say why the grant is cancelled."), field="reason")
    if grant.commitment_id:
        ledger.entry_reverse(
            entry=grant.commitment,
            reason=reason,
            idempotency_key=_grant_key(grant, "cancel"),
            actor=actor,
            by_owner=True,
        )
    grant.status, grant.decided_at, grant.decision_reason = (
        GrantStatus.CANCELLED,
        _now(),
        reason.strip()[:500],
    )
    grant.save()
    _event(grant.request, actor=actor, grant=grant, visible_to_officer=False,
           code="grant_cancelled", params={"reason": grant.decision_reason})  # fmt: skip
    _grant_audit(actor, grant, "cancel")
    return grant


def grant_owning(entry) -> str:
    """The care grant whose commitment or payment ``entry`` is ("" when none): asked before a reversal."""
    grant = CareGrant.objects.filter(Q(commitment=entry) | Q(payment=entry)).select_related("request").first()
    if grant is None:
        return ""
    return _("the care grant on %(reference)s (cancel the grant on the request's page)") % {
        "reference": grant.request.reference
    }


ledger.register_entry_owner(grant_owning)


# --- Service levels ---------------------------------------------------------------------------------------


def _intake(request: CareRequest) -> list[User]:
    """Who answers a request nobody handles yet: the welfare office covering it (confidential: heads)."""
    roles = permissions.HEAD_ROLES if request.confidential else {Role.WELFARE_OFFICE}
    return _covering(request, roles)


def _covering(request: CareRequest, roles) -> list[User]:
    return list(scope.users_covering(request.officer.org_unit, roles).order_by("pk"))


def requests_escalate(*, now: dt.datetime | None = None) -> int:
    """Remind about requests past their due time: the handler (or intake) first, the heads after more days.

    Safe to run twice: each level is taken by a conditional UPDATE, and reminders are deduplicated.
    """
    now = now or _now()
    sent = 0
    overdue = CareRequest.objects.filter(status__in=WAITING_ON_OFFICE, due_at__lte=now, escalation__lt=2)
    for request in overdue.select_related("officer__org_unit", "handler"):
        if request.escalation == 0:
            level = 1
        elif add_working_days(request.due_at, settings.CARE_ESCALATE_AFTER_WORKING_DAYS) <= now:
            level = 2
        else:
            continue
        with transaction.atomic():
            taken = CareRequest.objects.filter(
                pk=request.pk, escalation=level - 1, due_at=request.due_at, status=request.status
            ).update(escalation=level)
            if not taken:
                continue  # another run took it, or the request moved on
            if level == 1:
                recipients = [request.handler] if request.handler_id else _intake(request)
                kind = "care_request_overdue"
            else:
                recipients = _covering(request, permissions.HEAD_ROLES)
                kind = "care_request_escalated"
            for user in recipients:
                reminders.reminder_schedule(
                    recipient=user,
                    kind=kind,
                    due_at=now,
                    dedupe_key=f"care:{request.pk}:{request.due_at:%Y%m%d%H%M}:{level}:{user.pk}",
                    payload=_payload(request),
                    subject=f"care.request:{request.pk}",
                )
            audit_record(
                actor=None,
                action=AuditAction.CARE_REQUEST_CHANGED,
                target=request,
                detail={"op": "escalate", "level": level, "recipients": [u.pk for u in recipients]},
            )
            sent += 1
    return sent


def requests_auto_close(*, now: dt.datetime | None = None) -> int:
    """Close resolved requests the officer did not rate within CARE_AUTO_CLOSE_DAYS."""
    now = now or _now()
    cutoff = now - dt.timedelta(days=settings.CARE_AUTO_CLOSE_DAYS)
    closed = 0
    for pk in CareRequest.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            request = CareRequest.objects.select_for_update().get(pk=pk)
            if request.status != Status.RESOLVED:
                continue
            request.status, request.closed_at = Status.CLOSED, now
            request.save()
            _event(request, actor=None, before=Status.RESOLVED, code="closed_unrated")
            _audit(None, request, "auto_close")
            closed += 1
    return closed


# --- Telling people ---------------------------------------------------------------------------------------


def _payload(request: CareRequest, message: str = "", params: dict | None = None) -> dict:
    """The reference and category only; ``message`` is a code of care/texts.py, rendered when sent."""
    return {
        "request": request.pk,
        "reference": request.reference,
        "category": request.category,
        "message_code": message,
        "params": params or {},
    }


def _schedule(
    user: User,
    kind: str,
    request: CareRequest,
    key: str,
    message: str = "",
    subject: str = "",
    params: dict | None = None,
) -> None:
    payload = _payload(request, message, params)
    subject = subject or f"care.request:{request.pk}"

    def send() -> None:
        reminders.reminder_schedule(
            recipient=user,
            kind=kind,
            due_at=timezone.now(),
            dedupe_key=key,
            payload=payload,
            subject=subject,
        )

    transaction.on_commit(send)


def _tell_officer(request: CareRequest, message: str, params: dict | None = None) -> None:
    key = f"care:{request.pk}:officer:{uuid.uuid4().hex}"
    _schedule(request.officer.user, "care_request_update", request, key, message, params=params)


def _tell_handler(
    request: CareRequest, handler: User, *, resubmitted: bool = False, withdrawn: bool = False
) -> None:
    if withdrawn:
        message = "officer_withdrew"
    elif resubmitted:
        message = "officer_answered"
    else:
        message = "assigned_to_you"
    _schedule(
        handler, "care_request_assigned", request, f"care:{request.pk}:handler:{uuid.uuid4().hex}", message
    )


def _tell_approvers(grant: CareGrant) -> None:
    request = grant.request
    # A confidential request's grant is news for the heads only, whatever its amount.
    second = grant.needs_second_approval or request.confidential
    roles = permissions.HEAD_ROLES if second else permissions.OFFICE_ROLES
    for user in _covering(request, roles):
        if user.pk == grant.proposed_by_id:
            continue
        _schedule(
            user,
            "care_grant_approval",
            request,
            f"care-grant:{grant.pk}:approve:{user.pk}",
            "grant_awaits",
            subject=f"care.grant:{grant.pk}",
            params={"amount": ledger.yuan(grant.amount)},
        )


def officer_can_act_on_behalf(user: User) -> bool:
    """Unit admins and the welfare office may submit for officers of their subtree."""
    return scope.has_any_role(user, {Role.UNIT_ADMIN, *permissions.OFFICE_ROLES})
