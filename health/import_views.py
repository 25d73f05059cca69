"""Portal pages of health data imports: upload a file, watch its progress, read what became of its rows.

Health staff only (everybody else: 403; the pages hold no person data of their own). The list and
every batch's status and counters are open to all health staff: importing is the health office's
shared job, and a colleague must be able to see that a file stopped and send it again. What a batch
says about *people* — its rejected rows, the values it replaced and the original file — is shown to
the health staff member who uploaded it (they had the file) and to health staff whose role covers
the whole bureau; a file can name officers anywhere, beyond a county's health staff's subtree. Each
such read is audited like an archive read.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_cookie

from audit.models import AuditAction
from audit.services import audit_record
from health import services
from health.importing import max_bytes
from health.models import ImportBatch, ImportKind, ImportStatus
from people import scope
from people.forms import BootstrapMixin
from people.middleware import passive_session
from people.models import Role, User
from people.selectors import worker_status
from welfare.domain import DomainError

# Health staff (by any unit); advisers read archives assigned to them but do not import.
IMPORT_ROLES = frozenset({Role.HEALTH_STAFF})
BATCHES_PER_PAGE = 20
FINISHED = (ImportStatus.DONE, ImportStatus.FAILED)


class ImportUploadForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=gettext_lazy("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    institution = forms.CharField(
        label=gettext_lazy("Checkup centre"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Checkups only: for rows that do not name their centre."),
    )


def _require_health_staff(user: User) -> None:
    if not scope.has_any_role(user, IMPORT_ROLES):
        raise PermissionDenied


def _batch_or_404(pk: int) -> ImportBatch:
    batch = ImportBatch.objects.select_related("uploaded_by__officer").filter(pk=pk).first()
    if batch is None:
        raise Http404("no such import")
    return batch


def can_see_batch_rows(user: User, batch: ImportBatch) -> bool:
    """The uploader, or health staff whose role covers the whole bureau (a root unit)."""
    if batch.uploaded_by_id is not None and batch.uploaded_by_id == user.pk:
        return True
    return any(
        assignment.role in IMPORT_ROLES
        and assignment.org_unit.parent_id is None
        and assignment.org_unit.active
        for assignment in scope.assignments_for(user)
    )


def _audit_rows_read(user: User, batch: ImportBatch, what: str) -> None:
    audit_record(
        actor=user,
        action=AuditAction.SENSITIVE_READ,
        target=batch,
        detail={"what": what, "channel": "portal", "batch": batch.pk},
    )


def _progress(batch: ImportBatch) -> dict:
    total = batch.total_rows
    if batch.status == ImportStatus.DONE:
        percent = 100
    elif total:
        percent = min(100, batch.rows * 100 // total)
    else:
        percent = 0
    return {"percent": percent, "finished": batch.status in FINISHED, "total": total}


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    """Upload a file (a valid one becomes a queued batch), and the recent batches, newest first."""
    _require_health_staff(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.import_upload(
                kind=form.cleaned_data["kind"],
                file=upload,
                filename=upload.name,
                institution=form.cleaned_data["institution"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("health-import", pk=batch.pk)
    batches = ImportBatch.objects.select_related("uploaded_by__officer").defer("errors", "changes")
    page = Paginator(batches, BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "max_megabytes": max_bytes() // (1024 * 1024)}
    return render(request, "health/imports.html", context)


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_health_staff(request.user)
    batch = _batch_or_404(pk)
    sees_rows = can_see_batch_rows(request.user, batch)
    if sees_rows and batch.status == ImportStatus.DONE and (batch.errors or batch.changes):
        _audit_rows_read(request.user, batch, "health_import_rows")
    imports_queue = next((queue for queue in worker_status() if queue["queue"] == "imports"), None)
    context = {
        "batch": batch,
        "progress": _progress(batch),
        "sees_rows": sees_rows,
        "can_retry": services.import_batch_can_retry(batch),
        "stalled": services.import_batch_stalled(batch),
        "worker_missing": batch.status == ImportStatus.QUEUED
        and not (imports_queue and imports_queue["alive"]),
    }
    return render(request, "health/import_detail.html", context)


@require_GET
@never_cache
@vary_on_cookie
@passive_session
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment, polled by htmx while the batch waits or runs; it never extends the session."""
    if not request.user.is_authenticated:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("login")
        return response
    _require_health_staff(request.user)
    batch = _batch_or_404(pk)
    progress = _progress(batch)
    response = render(request, "health/_import_progress.html", {"batch": batch, "progress": progress})
    if progress["finished"] and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the page itself shows the summary and the rows
    return response


@login_required
@require_GET
def import_file(request: HttpRequest, pk: int) -> FileResponse:
    """The file as it was uploaded, as an attachment (never shown inline)."""
    _require_health_staff(request.user)
    batch = _batch_or_404(pk)
    if not can_see_batch_rows(request.user, batch):
        raise PermissionDenied
    try:
        handle = batch.file.open("rb")
    except FileNotFoundError:
        raise Http404("the file is gone") from None
    _audit_rows_read(request.user, batch, "health_import_file")
    return FileResponse(handle, as_attachment=True, filename=batch.original_filename)


@login_required
@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    _require_health_staff(request.user)
    batch = _batch_or_404(pk)
    if services.import_batch_retry(batch=batch, actor=request.user):
        messages.success(request, _("The file has been handed to a worker again."))
    else:
        messages.info(request, _("This import is running or done; there is nothing to retry."))
    return redirect("health-import", pk=batch.pk)
