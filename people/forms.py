from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.validators import MaxLengthValidator
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from people.backends import MAX_LOGIN_LENGTH
from people.models import FamilyMember


def bootstrap(form: forms.BaseForm) -> forms.BaseForm:
    """Give every widget Bootstrap's class, and mark the invalid ones."""
    for name, field in form.fields.items():
        widget = field.widget
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        # ``_errors`` rather than ``errors``: looking must not run the validation early.
        if form._errors is not None and name in form._errors:
            css += " is-invalid"
        widget.attrs["class"] = css
    return form


class BootstrapMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def full_clean(self):
        super().full_clean()
        bootstrap(self)


class LoginForm(BootstrapMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong police number, username or password."),
        "inactive": _("This account is disabled."),
        "throttled": _("Too many failed log-ins from this address. Try again later."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.label = _("Police number or username")
        field.max_length = MAX_LOGIN_LENGTH
        field.validators.append(MaxLengthValidator(MAX_LOGIN_LENGTH))
        field.widget.attrs.update(
            {"autofocus": True, "autocomplete": "username", "maxlength": MAX_LOGIN_LENGTH}
        )

    def get_invalid_login_error(self):
        if getattr(self.request, "login_throttled", False):
            return forms.ValidationError(self.error_messages["throttled"], code="throttled")
        return super().get_invalid_login_error()


FAMILY_FIELDS = ["relation", "name", "sex", "birth_date", "school", "grade"]


class AccountPasswordChangeForm(BootstrapMixin, PasswordChangeForm):
    pass


class FamilyMemberForm(BootstrapMixin, forms.Form):
    """The family member's fields, checked for shape only: the service applies the rules.

    A plain form rather than a ModelForm so that model constraints (one spouse, no
    duplicate person) are decided by the service, which turns a double submit into a no-op.
    """

    def __init__(self, *args, instance: FamilyMember | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault("initial", model_to_dict(instance, fields=FAMILY_FIELDS))
        super().__init__(*args, **kwargs)


FamilyMemberForm.base_fields = forms.fields_for_model(
    FamilyMember,
    fields=FAMILY_FIELDS,
    widgets={"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")},
    help_texts={"school": _("Children only."), "grade": _("Children only.")},
)
