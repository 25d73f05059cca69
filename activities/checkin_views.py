"""Portal pages for the day of an activity and after it: the officer's QR code, the staff check-in page,
the printable check-in list and its bulk entry, feedback, and participation statistics.

Staff pages are for those who manage the activity (``activities.selectors``: the welfare office, for
activities organised in its subtrees): a user without the role gets 403, an activity outside the
subtrees 404. The check-in page works without JavaScript (a plain GET search and POST forms); with htmx
the search and each check-in swap only the results, so a USB scanner can keep typing codes.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities import checkin, selectors, services
from activities.models import Feedback, SignUp, SignUpStatus
from people import selectors as people_selectors
from people.forms import BootstrapMixin
from welfare.domain import DomainError
from welfare.pdf import pdf_response
from welfare.spreadsheets import XLSX


def _managed_activity(request: HttpRequest, pk: int):
    if not selectors.can_manage_activities(request.user):
        raise PermissionDenied
    return selectors.managed_activity_or_404(viewer=request.user, pk=pk)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- The officer's QR code -----------------------------------------------------------------------------


@login_required
@require_GET
def signup_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The check-in code of one's own sign-up that holds a place; anybody else's answers 404."""
    officer = people_selectors.officer_of(request.user)
    if officer is None:
        raise Http404("no officer profile")
    signup = get_object_or_404(SignUp, pk=pk, officer=officer, status__in=checkin.CHECKABLE)
    response = HttpResponse(checkin.qr_svg(signup), content_type="image/svg+xml")
    add_never_cache_headers(response)  # the code admits its holder: never in a shared cache
    return response


# --- The staff check-in page ---------------------------------------------------------------------------


def _ticked(signup: SignUp) -> set[int]:
    """The boxes to show ticked: everybody, before anything is recorded; else what was recorded."""
    people = signup.people.all()
    if signup.status == SignUpStatus.CONFIRMED:
        return {person.pk for person in people}
    return {person.pk for person in people if person.attended}


def _with_ticks(signups: list[SignUp]) -> list[SignUp]:
    for signup in signups:
        signup.ticked = _ticked(signup)
    return signups


@login_required
@require_GET
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """Scan a code or search a name; the matching sign-ups are shown with a box per person."""
    activity = _managed_activity(request, pk)
    text = request.GET.get("q", "")
    found = checkin.search(activity, text)
    context = {
        "activity": activity,
        "q": text,
        "found": found,
        "signups": _with_ticks(found.signups),
        "counts": checkin.attendance_counts(activity),
    }
    if _is_htmx(request):
        return render(request, "activities/checkin_results.html", context)
    return render(request, "activities/checkin.html", context)


@login_required
@require_POST
def check_in_record(request: HttpRequest, pk: int, signup_pk: int) -> HttpResponse:
    """Record who of one sign-up came (the boxes ticked); no box ticked makes it a no-show."""
    activity = _managed_activity(request, pk)
    signup = get_object_or_404(checkin.checkable_signups(activity), pk=signup_pk)
    try:
        person_ids = [int(value) for value in request.POST.getlist("person")]
    except ValueError:
        person_ids = None
    error = ""
    if person_ids is None:
        error = _("These persons are not on this sign-up.")
    else:
        try:
            services.attendance_record(signup=signup, attended_person_ids=person_ids, actor=request.user)
        except DomainError as exc:
            error = exc.message
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _done_message(signup, person_ids))
        return redirect(reverse("activities-check-in", args=[activity.pk]))
    signup = checkin.checkable_signups(activity).get(pk=signup.pk)
    context = {
        "activity": activity,
        "signup": _with_ticks([signup])[0],
        "error": error,
        "done": "" if error else _done_message(signup, person_ids),
        "counts": checkin.attendance_counts(activity),
        "oob_counts": True,
    }
    return render(request, "activities/checkin_signup.html", context)


def _done_message(signup: SignUp, person_ids: list[int]) -> str:
    if not person_ids:
        return _("%(name)s: recorded as a no-show.") % {"name": signup.officer.name}
    return _("%(name)s: %(count)d of %(persons)d persons checked in.") % {
        "name": signup.officer.name,
        "count": len(person_ids),
        "persons": len(signup.people.all()),
    }


# --- The paper list and its bulk entry ------------------------------------------------------------------


def _filename(activity, suffix: str) -> str:
    return f"check-in-{timezone.localtime(activity.starts_at):%Y%m%d}-{activity.pk}.{suffix}"


@login_required
@require_GET
def check_in_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed_activity(request, pk)
    data = checkin.checkin_xlsx(activity, list(checkin.checkable_signups(activity)))
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(activity, "xlsx")}"'
    add_never_cache_headers(response)  # names of officers and their families
    return response


@login_required
@require_GET
def check_in_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed_activity(request, pk)
    data = checkin.checkin_pdf(activity, list(checkin.checkable_signups(activity)))
    return pdf_response(data, _filename(activity, "pdf"))


@login_required
@require_http_methods(["GET", "POST"])
def check_in_bulk(request: HttpRequest, pk: int) -> HttpResponse:
    """Type in the ticks of the paper list: every listed sign-up at once; none ticked is a no-show."""
    activity = _managed_activity(request, pk)
    error = ""
    if request.method == "POST":
        try:
            signup_ids = [int(value) for value in request.POST.getlist("signup")]
            person_ids = [int(value) for value in request.POST.getlist("person")]
        except ValueError:
            signup_ids, person_ids = [], [-1]
        try:
            recorded = checkin.attendance_record_bulk(
                activity=activity, signup_ids=signup_ids, attended_person_ids=person_ids, actor=request.user
            )
        except DomainError as exc:
            error = exc.message
        else:
            came = sum(1 for signup in recorded if signup.status == SignUpStatus.ATTENDED)
            messages.success(
                request,
                _("Attendance recorded for %(signups)d sign-ups: %(came)d came, %(absent)d did not.")
                % {"signups": len(recorded), "came": came, "absent": len(recorded) - came},
            )
            return redirect(reverse("activities-check-in-bulk", args=[activity.pk]))
    signups = _with_ticks(list(checkin.checkable_signups(activity)))
    return render(
        request,
        "activities/checkin_bulk.html",
        {"activity": activity, "signups": signups, "error": error},
    )


# --- Feedback -------------------------------------------------------------------------------------------


class FeedbackForm(BootstrapMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("Your rating"),
        choices=[(stars, str(stars)) for stars in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "What should the welfare office keep or change? Staff see it without your name."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """An attendee rates the activity 1–5 once it has started; a second rating replaces the first."""
    officer = people_selectors.officer_of(request.user)
    if officer is None:
        raise Http404("no officer profile")
    # One's own sign-up is the access rule: it stays valid after a move to a unit outside the audience.
    signup = get_object_or_404(SignUp.objects.select_related("activity"), activity_id=pk, officer=officer)
    activity = signup.activity
    existing = Feedback.objects.filter(signup=signup).first()
    initial = {"rating": existing.rating, "comment": existing.comment} if existing else None
    form = FeedbackForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_submit(
                signup=signup,
                officer=officer,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Thank you: your rating has been saved."))
            return redirect(reverse("activities-feedback", args=[activity.pk]))
    can_rate = signup.status == SignUpStatus.ATTENDED and timezone.now() >= activity.ends_at
    return render(
        request,
        "activities/feedback.html",
        {"activity": activity, "signup": signup, "form": form, "can_rate": can_rate, "existing": existing},
    )


@login_required
@require_GET
def feedback_results(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed_activity(request, pk)
    return render(
        request,
        "activities/feedback_results.html",
        {
            "activity": activity,
            "results": checkin.feedback_results(activity),
            "minimum": settings.MIN_GROUP_SIZE,
        },
    )


# --- Statistics -----------------------------------------------------------------------------------------


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    """Participation by unit and month, and average rating by kind: the welfare office and leaders."""
    if not checkin.may_see_stats(request.user):
        raise PermissionDenied
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    if not 2000 <= year <= this_year + 1:
        year = this_year
    rows, kinds = checkin.participation(viewer=request.user, year=year)
    return render(
        request,
        "activities/stats.html",
        {
            "rows": rows,
            "kinds": kinds,
            "year": year,
            "years": list(range(this_year, this_year - 5, -1)),
            "minimum": settings.MIN_GROUP_SIZE,
        },
    )
