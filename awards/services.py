"""Writes about education awards: universities, programmes, applications and their review, the public
notice and objections, payment from the fund, head-teacher awards, reminders.

Every step locks the application's row, re-checks its state, changes it, writes an
``ApplicationEvent`` and an audit row. A reviewer never decides an application of their own or of a
family member (``conflict_of_interest``). Payments go through the fund's ledger: each settles the
programme's commitment in the awards sub-budget under an idempotency key, so a double click or a
retried batch pays once, and no interleaving pays beyond the programme's budget or the fund's balance.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from awards import permissions
from awards.models import (
    Application,
    ApplicationEvent,
    Decision,
    Objection,
    ObjectionStatus,
    Programme,
    ProgrammeKind,
    Status,
    TeacherAward,
    TeacherStatus,
    University,
)
from care import fund as ledger
from care.models import BudgetKind
from notifications import services as reminders
from people import scope
from people.models import FamilyMember, FamilyRelation, Officer, User, age_on
from welfare.domain import ConflictError, DomainError
from welfare.uploads import check_document

REVIEW_WAITING = (Status.SUBMITTED, Status.UNIT_APPROVED)


class AwardError(DomainError):
    """A step the award rules do not allow; the message says why."""


def _now() -> dt.datetime:
    return timezone.now()


def _today() -> dt.date:
    return timezone.localdate()


def child_identity(child: FamilyMember) -> str:
    """The child as a person, whichever parent lists them: name and birth date."""
    return f"{''.join(child.name.split())}|{child.birth_date:%Y-%m-%d}"


def mask_name(name: str) -> str:
    """张*明 for the public notice: first and last character kept, the middle starred; 张* for two."""
    name = "".join(name.split())
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _audit(actor: User | None, target, op: str, **detail) -> None:
    audit_record(actor=actor, action=AuditAction.AWARD_CHANGED, target=target, detail={"op": op, **detail})


def _event(
    application: Application, *, actor: User | None, decision: str, before: str, reason: str = ""
) -> None:
    ApplicationEvent.objects.create(
        application=application,
        occurred_at=_now(),
        actor=actor,
        decision=decision,
        from_status=before,
        to_status=application.status,
        reason=reason,
    )


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update()
        .select_related("programme", "officer__org_unit", "officer__user", "child", "university")
        .get(pk=application.pk)
    )


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise AwardError(message)


# --- Universities ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


_TRUE = {"1", "true", "yes", "y", "是", "√", "x"}
_FALSE = {"0", "false", "no", "n", "否", ""}


def _flag(value: str, line: int, column: str, errors: list[str]) -> bool:
    value = (value or "").strip().lower()
    if value in _TRUE:
        return True
    if value not in _FALSE:
        errors.append(_("Line %(line)d: %(column)s must be 1 or 0, not %(value)s.") % {
            "line": line, "column": column, "value": value})  # fmt: skip
    return False


@transaction.atomic
def universities_import(*, data: bytes, list_date: dt.date, actor: User | None) -> ImportResult:
    """Add or update universities from a CSV (code,name,province,is_985,is_211,is_double_first_class).

    All or nothing: one bad line refuses the whole file with every problem listed, and nothing changes.
    A university missing from the file is left as it is (deactivate it in the admin).
    """
    result = ImportResult()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AwardError(_("The file is not UTF-8 text. Save it as CSV UTF-8 and try again.")) from None
    if "\x00" in text:
        raise AwardError(_("The file is not a CSV text file."))
    try:
        return _universities_import(text, list_date=list_date, actor=actor, result=result)
    except csv.Error as exc:
        raise AwardError(_("The file is not a readable CSV: %(error)s") % {"error": exc}) from None


def _universities_import(
    text: str, *, list_date: dt.date, actor: User | None, result: ImportResult
) -> ImportResult:
    reader = csv.DictReader(io.StringIO(text))
    needed = {"code", "name", "province", "is_985", "is_211", "is_double_first_class"}
    if not reader.fieldnames or not needed <= {(f or "").strip() for f in reader.fieldnames}:
        raise AwardError(
            _("The first line must name the columns: %(columns)s.") % {"columns": ", ".join(sorted(needed))}
        )
    rows: dict[str, dict] = {}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        code, name = row.get("code", ""), row.get("name", "")
        if not (len(code) == 10 and code.isdigit()):
            result.errors.append(
                _("Line %(line)d: %(code)s is not a 10-digit school code.") % {"line": line, "code": code}
            )
            continue
        if not name:
            result.errors.append(_("Line %(line)d: the name is missing.") % {"line": line})
            continue
        if code in rows:
            result.errors.append(_("Line %(line)d: %(code)s appears twice.") % {"line": line, "code": code})
            continue
        flags = {
            col: _flag(row.get(col, ""), line, col, result.errors)
            for col in ("is_985", "is_211", "is_double_first_class")
        }
        if flags["is_985"] and not flags["is_211"]:
            result.errors.append(
                _("Line %(line)d: a 985 university is also a 211 university.") % {"line": line}
            )
            continue
        rows[code] = {"name": name[:100], "province": row.get("province", "")[:20], **flags}
    if result.errors:
        raise AwardError(_("Nothing was imported. %(errors)s") % {"errors": " ".join(result.errors[:20])})
    if not rows:
        raise AwardError(_("The file has no universities."))
    existing = {u.code: u for u in University.objects.filter(code__in=list(rows))}
    for code, values in rows.items():
        university = existing.get(code)
        if university is None:
            University.objects.create(code=code, list_date=list_date, **values)
            result.created += 1
            continue
        changed = {k: v for k, v in values.items() if getattr(university, k) != v}
        if not changed and university.active:
            result.unchanged += 1
            continue
        for key, value in changed.items():
            setattr(university, key, value)
        university.list_date, university.active = list_date, True
        university.save()
        result.updated += 1
    audit_record(
        actor=actor,
        action=AuditAction.AWARD_CHANGED,
        detail={"op": "universities_import", "created": result.created, "updated": result.updated},
    )
    return result


# --- Programmes -----------------------------------------------------------------------------------

PROGRAMME_FIELDS = (
    "title",
    "description",
    "opens_on",
    "closes_on",
    "amount_985",
    "amount_211",
    "amount_dfc",
    "notice_days",
)


def _check_programme(values: dict) -> None:
    if values["closes_on"] < values["opens_on"]:
        raise AwardError(_("Applications must close on or after the day they open."), field="closes_on")
    amounts = [values.get(k) for k in ("amount_985", "amount_211", "amount_dfc")]
    if all(a is None for a in amounts):
        raise AwardError(_("Give an amount for at least one tier of university."), field="amount_985")
    for amount in amounts:
        if amount is not None and amount <= 0:
            raise AwardError(_("An award amount must be more than zero."), field="amount_985")
    if not 1 <= int(values.get("notice_days") or 0) <= 30:
        raise AwardError(_("The public notice lasts from 1 to 30 days."), field="notice_days")


@transaction.atomic
def programme_create(*, actor: User, kind: str, year: int, budget, **values) -> Programme:
    """A yearly programme, with its budget set aside in the fund's awards sub-budget (or refused)."""
    _require(permissions.can_manage(actor), _("Only the welfare office runs award programmes."))
    if kind not in ProgrammeKind.values:
        raise AwardError(_("Choose the kind of award."), field="kind")
    values = {k: values.get(k) for k in PROGRAMME_FIELDS}
    values["notice_days"] = values["notice_days"] or 5
    values["title"] = (values["title"] or "").strip()[:100]
    values["description"] = (values["description"] or "").strip()
    if not values["title"]:
        raise AwardError(_("Give the programme a title."), field="title")
    _check_programme(values)
    budget = ledger.money(budget)
    if Programme.objects.filter(kind=kind, year=year).exists():
        raise ConflictError(_("There is already a programme of this kind for %(year)d.") % {"year": year})
    try:
        with transaction.atomic():
            programme = Programme.objects.create(
                kind=kind, year=year, budget=budget, created_by=actor, **values
            )
    except IntegrityError:
        if not Programme.objects.filter(kind=kind, year=year).exists():
            raise  # another constraint: a bug, not a duplicate
        raise ConflictError(
            _("There is already a programme of this kind for %(year)d.") % {"year": year}
        ) from None
    programme.commitment = ledger.commitment_record(
        budget=ledger.budget_of(BudgetKind.AWARDS),
        amount=budget,
        idempotency_key=f"award-programme:{programme.pk}:budget",
        actor=actor,
        reference=f"{kind}-{year}",
        memo=programme.title,
    )
    programme.save(update_fields=["commitment"])
    _audit(actor, programme, "programme_create", budget=str(budget))
    return programme


@transaction.atomic
def programme_update(*, programme: Programme, actor: User, **values) -> Programme:
    """Dates, amounts, text and notice period; the budget is fixed once set aside."""
    _require(permissions.can_manage(actor), _("Only the welfare office runs award programmes."))
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    merged = {k: values.get(k, getattr(programme, k)) for k in PROGRAMME_FIELDS}
    _check_programme(merged)
    changed = [k for k in PROGRAMME_FIELDS if getattr(programme, k) != merged[k]]
    for key in changed:
        setattr(programme, key, merged[key])
    if changed:
        programme.save()
        _audit(actor, programme, "programme_update", fields=changed)
    return programme


def programme_paid(programme: Programme) -> Decimal:
    """What has been paid from the programme's budget, less reversals."""
    if programme.commitment_id is None:
        return Decimal("0.00")
    return ledger.paid_from(programme.commitment)


PENDING_STATUSES = (Status.SUBMITTED, Status.UNIT_APPROVED, Status.APPROVED, Status.IN_NOTICE, Status.ON_HOLD)


@dataclass(frozen=True)
class BudgetState:
    paid: Decimal  # paid out of the budget, less reversals
    left: Decimal  # still set aside in the fund
    needed: Decimal  # for applications and head-teacher awards not yet paid or refused
    releasable: Decimal


def programme_budget(programme: Programme) -> BudgetState:
    """What the programme still holds, what its open applications may need, and what could go back."""
    if programme.commitment_id is None:
        zero = Decimal("0.00")
        return BudgetState(zero, zero, zero, zero)
    use = ledger.commitment_use(programme.commitment)
    left = use.left
    needed = programme.applications.filter(status__in=PENDING_STATUSES).aggregate(s=Sum("amount"))["s"] or 0
    needed += (
        programme.teacher_awards.filter(
            status__in=[TeacherStatus.NOMINATED, TeacherStatus.APPROVED]
        ).aggregate(s=Sum("amount"))["s"]
        or 0
    )
    needed = Decimal(needed).quantize(Decimal("0.01"))
    return BudgetState(
        paid=use.paid, left=left, needed=needed, releasable=max(left - needed, Decimal("0.00"))
    )


@transaction.atomic
def programme_release_unspent(*, programme: Programme, actor: User) -> BudgetState:
    """After the programme closes, give what it will not need back to the awards sub-budget.

    What open applications and head-teacher awards may still need stays set aside; a second click
    finds nothing more to release.
    """
    _require(permissions.can_manage(actor), _("Only the welfare office runs award programmes."))
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if _today() <= programme.closes_on:
        raise AwardError(
            _("The budget is released after applications close on %(day)s.") % {"day": programme.closes_on}
        )
    state = programme_budget(programme)
    if state.releasable <= 0:
        raise AwardError(_("Nothing is left to release: what remains is needed by open applications."))
    releases = programme.commitment.settlements.filter(kind="release").count()
    ledger.commitment_release(
        commitment=programme.commitment,
        amount=state.releasable,
        reason=_("%(programme)s has closed: the unspent budget goes back.") % {"programme": programme.title},
        idempotency_key=f"award-programme:{programme.pk}:release:{releases + 1}",
        actor=actor,
    )
    _audit(actor, programme, "programme_release", amount=str(state.releasable))
    return programme_budget(programme)


# --- Applications ---------------------------------------------------------------------------------


def _check_letter(upload):
    return check_document(upload, max_bytes=settings.AWARD_LETTER_MAX_BYTES, field="letter")


def _store_letter(application: Application, checked) -> None:
    checked.upload.seek(0)
    checked.upload.name = f"{uuid.uuid4().hex}{checked.suffix}"
    application.letter = checked.upload
    application.letter_type = checked.content_type


def _own_child(officer: Officer, child: FamilyMember) -> None:
    if child.officer_id != officer.pk or child.relation != FamilyRelation.CHILD:
        raise AwardError(_("Choose one of your children from your family list."), field="child")


@transaction.atomic
def application_create(
    *,
    programme: Programme,
    officer: Officer,
    child: FamilyMember,
    university: University,
    admission_year: int,
    actor: User,
    major: str = "",
    letter=None,
) -> Application:
    """A draft application for one of the officer's children; one live application per child and year."""
    _require(officer.user_id == actor.pk, _("Officers apply for their own children."))
    _require(programme.kind == ProgrammeKind.SCHOLARSHIP, _("Applications are for the scholarship."))
    _own_child(officer, child)
    checked = _check_letter(letter) if letter else None
    application = Application(
        programme=programme,
        kind=programme.kind,
        year=programme.year,
        officer=officer,
        child=child,
        child_identity=child_identity(child),
        university=university,
        admission_year=admission_year,
        major=major.strip()[:100],
    )
    if checked:
        _store_letter(application, checked)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        if checked:
            application.letter.delete(save=False)  # stored before the INSERT was refused
        raise ConflictError(
            _("%(name)s already has an application for %(programme)s.")
            % {"name": child.name, "programme": programme.title}
        ) from None
    _audit(actor, application, "create")
    return application


@transaction.atomic
def application_update(
    *,
    application: Application,
    actor: User,
    child: FamilyMember | None = None,
    university: University | None = None,
    admission_year: int | None = None,
    major: str | None = None,
    letter=None,
) -> Application:
    """Change a draft or returned application (the officer's own)."""
    application = _lock(application)
    _require(application.officer.user_id == actor.pk, _("This is not your application."))
    _require(
        application.status in (Status.DRAFT, Status.RETURNED),
        _("Only a draft or a returned application can be changed."),
    )
    checked = _check_letter(letter) if letter else None
    if child is not None and child.pk != application.child_id:
        _own_child(application.officer, child)
        application.child, application.child_identity = child, child_identity(child)
    if university is not None:
        application.university = university
    if admission_year is not None:
        application.admission_year = admission_year
    if major is not None:
        application.major = major.strip()[:100]
    if checked:
        _store_letter(application, checked)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        if checked:
            application.letter.delete(save=False)
        raise ConflictError(_("This child already has an application for this award this year.")) from None
    _audit(actor, application, "update")
    return application


def eligibility_problems(application: Application, *, today: dt.date | None = None) -> list[str]:
    """Why the application cannot be submitted, in words; empty when it can."""
    today = today or _today()
    programme, problems = application.programme, []
    if not programme.is_open_on(today):
        problems.append(
            _("Applications are accepted from %(opens)s to %(closes)s.")
            % {"opens": programme.opens_on.isoformat(), "closes": programme.closes_on.isoformat()}
        )
    child = application.child
    if child.officer_id != application.officer_id or child.relation != FamilyRelation.CHILD:
        problems.append(_("%(name)s is not a child in your family list.") % {"name": child.name})
    if application.admission_year != programme.year:
        problems.append(
            _("This programme is for admissions in %(year)d; the application says %(admitted)d.")
            % {"year": programme.year, "admitted": application.admission_year}
        )
    university = application.university
    if not university.active:
        problems.append(
            _("%(university)s is no longer on the list of universities.") % {"university": university.name}
        )
    elif programme.best_amount(university) is None:
        problems.append(
            _("%(university)s is not on a list of universities this programme awards.")
            % {"university": university.name}
        )
    age = age_on(child.birth_date, dt.date(programme.year, 9, 1))
    if not 14 <= age <= 25:
        problems.append(
            _("%(name)s would be %(age)d at admission; check the birth date in your family list.")
            % {"name": child.name, "age": age}
        )
    if not application.letter:
        problems.append(_("Upload the admission letter (PDF or a photo)."))
    return problems


@transaction.atomic
def application_submit(*, application: Application, actor: User) -> Application:
    """Submit a draft (or a returned application) once it meets every rule; the reasons otherwise."""
    application = _lock(application)
    _require(application.officer.user_id == actor.pk, _("This is not your application."))
    if application.status == Status.SUBMITTED:
        return application  # a double click
    _require(
        application.status in (Status.DRAFT, Status.RETURNED),
        _("This application has already been submitted."),
    )
    problems = eligibility_problems(application)
    if problems:
        raise AwardError(" ".join(problems))
    before = application.status
    application.status, application.submitted_at = Status.SUBMITTED, _now()
    application.tier = application.university.tier or ""
    application.amount = application.programme.best_amount(application.university)
    application.waiting_since = _now()
    application.save()
    _event(application, actor=actor, decision=Decision.SUBMIT, before=before)
    _audit(actor, application, "submit")
    return application


@transaction.atomic
def application_withdraw(*, application: Application, actor: User, reason: str = "") -> Application:
    application = _lock(application)
    _require(application.officer.user_id == actor.pk, _("This is not your application."))
    if application.status == Status.WITHDRAWN:
        return application
    _require(
        application.status in (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.UNIT_APPROVED),
        _("An approved application cannot be withdrawn; ask the welfare office."),
    )
    before = application.status
    application.status, application.waiting_since = Status.WITHDRAWN, None
    application.save()
    _event(application, actor=actor, decision=Decision.WITHDRAW, before=before, reason=reason.strip())
    _audit(actor, application, "withdraw")
    return application


# --- Review ---------------------------------------------------------------------------------------


def _decide(
    application: Application, *, reviewer: User, decision: str, reason: str, stage: str
) -> Application:
    """One review decision on a locked application: approve, return (to the officer) or reject."""
    conflict = permissions.conflict_of_interest(reviewer, application)
    if conflict:
        raise AwardError(conflict)
    if decision not in (Decision.APPROVE, Decision.RETURN, Decision.REJECT):
        raise AwardError(_("Choose approve, return or reject."), field="decision")
    if decision != Decision.APPROVE and not reason.strip():
        raise AwardError(_("Give the reason: the officer reads it."), field="reason")
    before = application.status
    if decision == Decision.RETURN:
        application.status, application.waiting_since = Status.RETURNED, None
    elif decision == Decision.REJECT:
        application.status, application.waiting_since = Status.REJECTED, None
    elif stage == "unit":
        application.status, application.waiting_since = Status.UNIT_APPROVED, _now()
    else:
        application.status, application.waiting_since = Status.APPROVED, None
        application.amount = application.programme.best_amount(application.university)
        application.tier = application.university.tier or application.tier
        if application.amount is None:
            raise AwardError(_("The university no longer qualifies for this programme."))
    application.save()
    _event(application, actor=reviewer, decision=decision, before=before, reason=reason.strip())
    _audit(reviewer, application, f"{stage}_{decision}", reason=reason.strip()[:200])
    if decision != Decision.APPROVE or stage == "welfare":
        _tell_officer(application, decision, reason.strip())
    return application


@transaction.atomic
def unit_review(*, application: Application, reviewer: User, decision: str, reason: str = "") -> Application:
    """The first stage: a unit admin covering the applicant's unit."""
    application = _lock(application)
    _require(permissions.can_unit_review(reviewer, application), _("You cannot review this application."))
    if application.status != Status.SUBMITTED:
        raise AwardError(_("This application is not awaiting unit review."))
    return _decide(application, reviewer=reviewer, decision=decision, reason=reason, stage="unit")


@transaction.atomic
def welfare_review(
    *, application: Application, reviewer: User, decision: str, reason: str = ""
) -> Application:
    """The second stage: the welfare office."""
    application = _lock(application)
    _require(permissions.can_welfare_review(reviewer, application), _("You cannot review this application."))
    if application.status != Status.UNIT_APPROVED:
        raise AwardError(_("This application is not awaiting the welfare office's review."))
    return _decide(application, reviewer=reviewer, decision=decision, reason=reason, stage="welfare")


@dataclass
class BatchResult:
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def _batch(ids: Iterable[int], step) -> BatchResult:
    """Run ``step(application)`` for each id, each in its own transaction; refusals are collected."""
    result = BatchResult()
    for pk in sorted(set(ids)):
        application = Application.objects.filter(pk=pk).first()
        if application is None:
            result.refused[pk] = _("No such application.")
            continue
        try:
            step(application)
        except DomainError as exc:
            result.refused[pk] = exc.message
        else:
            result.done.append(pk)
    return result


def welfare_review_batch(
    *, application_ids: Sequence[int], reviewer: User, decision: str, reason: str = ""
) -> BatchResult:
    return _batch(
        application_ids,
        lambda a: welfare_review(application=a, reviewer=reviewer, decision=decision, reason=reason),
    )


# --- Public notice and objections -----------------------------------------------------------------


@transaction.atomic
def notice_start(*, application: Application, actor: User) -> Application:
    application = _lock(application)
    _require(
        permissions.can_welfare_review(actor, application), _("Only the welfare office publishes the notice.")
    )
    if application.status == Status.IN_NOTICE:
        return application
    _require(application.status == Status.APPROVED, _("Only approved awards are put on public notice."))
    today = _today()
    before = application.status
    application.status = Status.IN_NOTICE
    application.notice_starts_on = today
    application.notice_ends_on = today + dt.timedelta(days=application.programme.notice_days - 1)
    application.save()
    _event(application, actor=actor, decision=Decision.NOTICE, before=before)
    _audit(actor, application, "notice")
    return application


def notice_start_all(*, programme: Programme, actor: User) -> BatchResult:
    ids = _in_scope(programme.applications.filter(status=Status.APPROVED), actor).values_list("pk", flat=True)
    return _batch(list(ids), lambda a: notice_start(application=a, actor=actor))


def _in_scope(applications, actor: User):
    """The applications of the units the actor's welfare-office role covers (the whole city, usually)."""
    return scope.filter_by_units(
        applications, user=actor, roles=permissions.OFFICE_ROLES, unit_path_field="officer__org_unit__path"
    )


def in_notice_period(application: Application, today: dt.date | None = None) -> bool:
    today = today or _today()
    return bool(
        application.notice_starts_on and application.notice_starts_on <= today <= application.notice_ends_on
    )


@transaction.atomic
def objection_lodge(*, application: Application, user: User, text: str) -> Objection:
    """Anyone signed in may object during the notice; the award is held until the office decides."""
    application = _lock(application)
    _require(
        application.status in (Status.IN_NOTICE, Status.ON_HOLD) and in_notice_period(application),
        _("Objections are lodged during the public notice period."),
    )
    if not text.strip():
        raise AwardError(_("Say what the objection is."), field="text")
    objection = Objection.objects.create(
        application=application, lodged_by=user, lodged_at=_now(), text=text.strip()[:2000]
    )
    if application.status == Status.IN_NOTICE:
        application.status = Status.ON_HOLD
        application.save()
        _event(application, actor=user, decision=Decision.HOLD, before=Status.IN_NOTICE)
    _audit(user, application, "objection", objection=objection.pk)
    _tell_office_objection(application)
    return objection


@transaction.atomic
def objection_decide(*, objection: Objection, actor: User, upheld: bool, reason: str) -> Objection:
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    application = _lock(objection.application)
    _require(
        permissions.can_welfare_review(actor, application), _("Only the welfare office decides objections.")
    )
    conflict = permissions.conflict_of_interest(actor, application)
    if conflict:
        raise AwardError(conflict)
    if objection.status != ObjectionStatus.OPEN:
        raise AwardError(_("This objection has already been decided."))
    if not reason.strip():
        raise AwardError(_("Give the reason for the decision."), field="reason")
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.decided_by, objection.decided_at, objection.decision_reason = actor, _now(), reason.strip()
    objection.save()
    before = application.status
    if upheld:
        application.status = Status.REJECTED
        application.save()
        _event(application, actor=actor, decision=Decision.REJECT, before=before, reason=reason.strip())
        _tell_officer(application, Decision.REJECT, reason.strip())
    elif not application.objections.filter(status=ObjectionStatus.OPEN).exists():
        application.status = Status.IN_NOTICE
        application.save()
        _event(application, actor=actor, decision=Decision.RELEASE, before=before, reason=reason.strip())
    _audit(actor, application, "objection_decided", objection=objection.pk, upheld=upheld)
    return objection


# --- Payment --------------------------------------------------------------------------------------


def payable_problem(application: Application, today: dt.date | None = None) -> str:
    """Why the award cannot be paid yet ("" when it can)."""
    today = today or _today()
    if application.status == Status.ON_HOLD:
        return _("An objection is open: decide it first.")
    if application.status != Status.IN_NOTICE:
        return _("Only an award that has been on public notice is paid.")
    if application.notice_ends_on is None or today <= application.notice_ends_on:
        return _("The public notice runs until %(day)s.") % {"day": application.notice_ends_on}
    return ""


@transaction.atomic
def application_pay(*, application: Application, actor: User) -> Application:
    """Pay the award from the programme's budget: one fund payment entry, whatever the number of clicks."""
    application = _lock(application)
    if application.status == Status.PAID:
        return application
    _require(
        permissions.can_welfare_review(actor, application), _("Only the welfare office approves payments.")
    )
    conflict = permissions.conflict_of_interest(actor, application)
    if conflict:
        raise AwardError(conflict)
    problem = payable_problem(application)
    if problem:
        raise AwardError(problem)
    programme = application.programme
    payment = ledger.payment_record(
        budget=programme.commitment.budget,
        amount=application.amount,
        idempotency_key=f"award:{application.pk}:payment",
        actor=actor,
        settles=programme.commitment,
        beneficiary=application.officer,
        reference=f"{programme.kind}-{programme.year}-{application.pk}",
        memo=_("%(programme)s: %(university)s")
        % {"programme": programme.title, "university": application.university.name},
        approved_by=actor,
    )
    before = application.status
    application.status, application.payment = Status.PAID, payment
    application.save()
    _event(application, actor=actor, decision=Decision.PAY, before=before)
    _audit(actor, application, "pay", entry=payment.pk, amount=str(application.amount))
    _tell_officer(application, Decision.PAY, "")
    return application


def applications_pay_all(*, programme: Programme, actor: User) -> BatchResult:
    today = _today()
    payable = programme.applications.filter(status=Status.IN_NOTICE, notice_ends_on__lt=today)
    ids = _in_scope(payable, actor).values_list("pk", flat=True)
    return _batch(list(ids), lambda a: application_pay(application=a, actor=actor))


# --- Head-teacher awards --------------------------------------------------------------------------


def teacher_programme_for(year: int) -> Programme | None:
    return Programme.objects.filter(kind=ProgrammeKind.TEACHER, year=year).first()


@transaction.atomic
def teacher_nominate(
    *,
    scholarship: Application,
    actor: User,
    teacher_name: str,
    school: str,
    class_name: str,
    contact: str = "",
) -> TeacherAward:
    """Nominate the head teacher of a child whose scholarship was approved."""
    _require(permissions.can_manage(actor), _("Only the welfare office nominates head teachers."))
    scholarship = _lock(scholarship)
    _require(
        scholarship.status in (Status.APPROVED, Status.IN_NOTICE, Status.PAID),
        _("A head teacher is nominated from an approved scholarship."),
    )
    programme = teacher_programme_for(scholarship.year)
    if programme is None:
        raise AwardError(_("There is no 金盾园丁奖 programme for %(year)d yet.") % {"year": scholarship.year})
    amount = programme.best_amount(scholarship.university)
    if amount is None:
        raise AwardError(_("The 园丁奖 programme does not award this university's tier."))
    for value, name in ((teacher_name, "teacher_name"), (school, "school"), (class_name, "class_name")):
        if not value.strip():
            raise AwardError(_("Fill in the head teacher's name, school and class."), field=name)
    if scholarship.teacher_awards.exclude(status=TeacherStatus.REJECTED).exists():
        raise ConflictError(_("This scholarship's head teacher has already been nominated."))
    try:
        with transaction.atomic():
            award = TeacherAward.objects.create(
                programme=programme,
                scholarship=scholarship,
                teacher_name=teacher_name.strip()[:50],
                school=school.strip()[:100],
                class_name=class_name.strip()[:50],
                contact=contact.strip()[:50],
                amount=amount,
                nominated_by=actor,
            )
    except IntegrityError:
        raise ConflictError(_("This scholarship's head teacher has already been nominated.")) from None
    _audit(actor, award, "teacher_nominate", scholarship=scholarship.pk)
    return award


@transaction.atomic
def teacher_decide(*, award: TeacherAward, actor: User, approve: bool, reason: str = "") -> TeacherAward:
    """Its own approval: by a welfare-office member who did not nominate it."""
    # The programme first: certificate numbers are counted per programme under its lock.
    Programme.objects.select_for_update().filter(pk=award.programme_id).first()
    award = TeacherAward.objects.select_for_update().select_related("programme").get(pk=award.pk)
    _require(permissions.can_manage(actor), _("Only the welfare office approves head-teacher awards."))
    if award.status != TeacherStatus.NOMINATED:
        if award.approved_by_id == actor.pk:
            return award
        raise AwardError(_("This nomination has already been decided."))
    _require(
        award.nominated_by_id != actor.pk, _("A nomination is approved by someone other than its nominator.")
    )
    if not approve and not reason.strip():
        raise AwardError(_("Give the reason."), field="reason")
    award.approved_by, award.decided_at, award.decision_reason = actor, _now(), reason.strip()[:500]
    if approve:
        award.status = TeacherStatus.APPROVED
        award.certificate_number = _certificate_number(award)
    else:
        award.status = TeacherStatus.REJECTED
    award.save()
    _audit(actor, award, "teacher_approve" if approve else "teacher_reject")
    return award


def _certificate_number(award: TeacherAward) -> str:
    count = TeacherAward.objects.filter(programme=award.programme).exclude(certificate_number="").count()
    return f"JDYD-{award.programme.year}-{count + 1:04d}"


@transaction.atomic
def teacher_pay(*, award: TeacherAward, actor: User) -> TeacherAward:
    award = (
        TeacherAward.objects.select_for_update(of=("self",))
        .select_related("programme__commitment")
        .get(pk=award.pk)
    )
    if award.status == TeacherStatus.PAID:
        return award
    _require(permissions.can_pay(actor), _("Only the welfare office approves payments."))
    _require(award.status == TeacherStatus.APPROVED, _("Only an approved head-teacher award is paid."))
    programme = award.programme
    payment = ledger.payment_record(
        budget=programme.commitment.budget,
        amount=award.amount,
        idempotency_key=f"teacher-award:{award.pk}:payment",
        actor=actor,
        settles=programme.commitment,
        counterparty=f"{award.teacher_name}（{award.school}）",
        reference=f"teacher-{programme.year}-{award.pk}",
        memo=programme.title,
        approved_by=actor,
    )
    award.status, award.payment = TeacherStatus.PAID, payment
    award.save()
    _audit(actor, award, "teacher_pay", entry=payment.pk)
    return award


def award_owning(entry) -> str:
    """The programme whose budget ``entry`` is, or the award it paid (or ""): asked before a reversal."""
    programme = Programme.objects.filter(commitment=entry).first()
    if programme is not None:
        return _("the budget of %(programme)s") % {"programme": programme.title}
    paid = Application.objects.filter(payment=entry).select_related("programme").first()
    if paid is not None:
        return _("an award of %(programme)s") % {"programme": paid.programme.title}
    teacher = TeacherAward.objects.filter(payment=entry).select_related("programme").first()
    if teacher is not None:
        return _("an award of %(programme)s") % {"programme": teacher.programme.title}
    return ""


ledger.register_entry_owner(award_owning)


# --- Reminders ------------------------------------------------------------------------------------


def _payload(programme: Programme, **extra) -> dict:
    return {
        "programme": programme.pk,
        "title": programme.title,
        "opens": programme.opens_on.isoformat(),
        "closes": programme.closes_on.isoformat(),
        **extra,
    }


def officers_with_entrance_age_children(year: int):
    """Officers with a child aged 17–19 on 1 September of ``year`` (the age of university entrance)."""
    latest = dt.date(year - 17, 9, 1)  # born on or before this: at least 17
    earliest = dt.date(year - 20, 9, 2)  # born on or after this: at most 19
    return Officer.objects.filter(
        active=True,
        user__is_active=True,
        family_members__relation=FamilyRelation.CHILD,
        family_members__birth_date__range=(earliest, latest),
    ).distinct()


CLOSING_SOON_DAYS = 3


def programme_reminders_schedule(*, today: dt.date | None = None) -> int:
    """Daily: a programme opening today, and one closing in three days, to officers with such a child.

    Deduplicated per programme, officer and message: running twice sends nothing more. The closing
    reminder skips officers who have already applied.
    """
    today = today or _today()
    scheduled = 0
    due = timezone.make_aware(dt.datetime.combine(today, dt.time(9)), timezone.get_default_timezone())
    programmes = Programme.objects.filter(kind=ProgrammeKind.SCHOLARSHIP).filter(
        Q(opens_on=today) | Q(closes_on=today + dt.timedelta(days=CLOSING_SOON_DAYS))
    )
    for programme in programmes:
        opening = programme.opens_on == today
        officers = officers_with_entrance_age_children(programme.year).select_related("user")
        if not opening:
            officers = officers.exclude(award_applications__programme=programme)
        kind = "award_programme_open" if opening else "award_programme_closing"
        specs = [
            reminders.ReminderSpec(
                recipient_id=officer.user_id,
                kind=kind,
                due_at=due,
                dedupe_key=f"award:{programme.pk}:{kind}:{officer.pk}",
                payload=_payload(programme),
                subject=f"awards.programme:{programme.pk}",
            )
            for officer in officers
        ]
        scheduled += reminders.reminders_schedule_many(specs=specs)
    return scheduled


def review_reminders_schedule(*, now: dt.datetime | None = None) -> int:
    """Daily: applications waiting for a reviewer longer than AWARD_REVIEW_REMIND_DAYS, to the reviewers."""
    now = now or _now()
    cutoff = now - dt.timedelta(days=settings.AWARD_REVIEW_REMIND_DAYS)
    waiting = Application.objects.filter(status__in=REVIEW_WAITING, waiting_since__lte=cutoff).select_related(
        "officer__org_unit", "programme"
    )
    specs = []
    for application in waiting:
        for user in permissions.reviewers_for(application):
            specs.append(
                reminders.ReminderSpec(
                    recipient_id=user.pk,
                    kind="award_review_waiting",
                    due_at=now,
                    dedupe_key=f"award-review:{application.pk}:{application.status}:"
                    f"{application.waiting_since:%Y%m%d%H%M}:{user.pk}",
                    payload={
                        "application": application.pk,
                        "title": application.programme.title,
                        "days": (now - application.waiting_since).days,
                    },
                    subject=f"awards.application:{application.pk}",
                )
            )
    return reminders.reminders_schedule_many(specs=specs)


def _tell_officer(application: Application, decision: str, reason: str) -> None:
    user, programme = application.officer.user, application.programme
    payload = {"application": application.pk, "title": programme.title, "decision": decision}

    def send() -> None:
        reminders.reminder_schedule(
            recipient=user,
            kind="award_decision",
            due_at=timezone.now(),
            dedupe_key=f"award:{application.pk}:{decision}:{uuid.uuid4().hex}",
            payload=payload,
            subject=f"awards.application:{application.pk}",
        )

    transaction.on_commit(send)


def _tell_office_objection(application: Application) -> None:
    payload = {"application": application.pk, "title": application.programme.title, "days": 0}
    users = list(permissions.office_users())

    def send() -> None:
        for user in users:
            reminders.reminder_schedule(
                recipient=user,
                kind="award_objection",
                due_at=timezone.now(),
                dedupe_key=f"award-objection:{application.pk}:{uuid.uuid4().hex}:{user.pk}",
                payload=payload,
                subject=f"awards.application:{application.pk}",
            )

    transaction.on_commit(send)
