"""Portal pages: home per role, profile, family, roster, system status, accounts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people import permissions, scope, selectors, services
from people.backends import account_is_locked
from people.filters import OfficerFilter
from people.forms import AccountPasswordChangeForm, FamilyMemberForm, LoginForm, bootstrap
from people.models import Role
from welfare.domain import DomainError


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    """A wrong current password counts as a failed log-in: guessing it here locks the account too."""

    form_class = AccountPasswordChangeForm
    success_url = reverse_lazy("profile")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and account_is_locked(request.user):
            logout(request)
            return render(request, "registration/locked_out.html", status=429)
        return super().dispatch(request, *args, **kwargs)

    def form_invalid(self, form):
        if "old_password" in form.errors:
            user_login_failed.send(
                sender=__name__, credentials={"username": self.request.user.username}, request=self.request
            )
            if account_is_locked(self.request.user):
                logout(self.request)
                return render(self.request, "registration/locked_out.html", status=429)
        return super().form_invalid(form)

    def form_valid(self, form):
        services.account_set_password(
            user=self.request.user, password=form.cleaned_data["new_password1"], actor=self.request.user
        )
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect(self.get_success_url())


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = scope.roles_of(user)
    officer = selectors.officer_of(user)
    context = {
        "officer": officer,
        "family_count": selectors.family_of(officer=officer).count() if officer else 0,
        "assignments": scope.assignments_for(user),
        "roles": roles,
        "roster": selectors.roster_summary(viewer=user) if permissions.can_see_head_counts(user) else None,
        "can_see_roster": permissions.can_see_roster(user),
        "workers": selectors.worker_status() if Role.SYSADMIN in roles else None,
    }
    return render(request, "people/home.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "people/profile.html",
        {"officer": selectors.officer_of(request.user), "assignments": scope.assignments_for(request.user)},
    )


def _family_form_submit(request: HttpRequest, form: FamilyMemberForm, save) -> bool:
    """Run a family service with the form's data; a business-rule error lands on the form."""
    if not form.is_valid():
        return False
    try:
        save(form.cleaned_data)
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return False
    return True


@login_required
def family(request: HttpRequest) -> HttpResponse:
    officer = selectors.own_officer_or_404(request.user)
    return render(
        request, "people/family.html", {"officer": officer, "members": selectors.family_of(officer=officer)}
    )


@login_required
def family_add(request: HttpRequest) -> HttpResponse:
    officer = selectors.own_officer_or_404(request.user)
    form = FamilyMemberForm(request.POST or None)
    if request.method == "POST" and _family_form_submit(
        request, form, lambda data: services.family_member_add(officer=officer, actor=request.user, **data)
    ):
        messages.success(request, _("%(name)s has been added.") % {"name": form.cleaned_data["name"]})
        return redirect("family")
    return render(request, "people/family_form.html", {"form": form, "member": None})


@login_required
def family_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.own_family_member_or_404(viewer=request.user, pk=pk)
    form = FamilyMemberForm(request.POST or None, instance=member)
    if request.method == "POST" and _family_form_submit(
        request,
        form,
        lambda data: services.family_member_update(member=member, actor=request.user, **data),
    ):
        messages.success(request, _("%(name)s has been updated.") % {"name": form.cleaned_data["name"]})
        return redirect("family")
    return render(request, "people/family_form.html", {"form": form, "member": member})


@login_required
@require_POST
def family_delete(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.own_family_member_or_404(viewer=request.user, pk=pk)
    services.family_member_remove(member=member, actor=request.user)
    messages.success(request, _("%(name)s has been removed.") % {"name": member.name})
    return redirect("family")


@login_required
def officer_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_see_roster(request.user):
        raise PermissionDenied
    officers = OfficerFilter(
        request.GET or None, queryset=selectors.officers_visible_to(viewer=request.user), request=request
    )
    bootstrap(officers.form)
    page = Paginator(officers.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/officer_list.html",
        {"filter": officers, "page": page, "query": query.urlencode()},
    )


@login_required
def system_status(request: HttpRequest) -> HttpResponse:
    if Role.SYSADMIN not in scope.roles_of(request.user):
        raise PermissionDenied
    return render(request, "people/system_status.html", {"workers": selectors.worker_status()})
