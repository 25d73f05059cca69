"""Forms of the officer's care pages. They check shape only; care/services.py applies the rules (who may
submit for whom, the state a request must be in, the documents' type and size) and its errors are shown
on the form or as a message."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from care.models import Category
from people.forms import BootstrapMixin


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type=file multiple>``, cleaned one by one into a list.

    Django's "Uploading multiple files" recipe: the plain FileField keeps only the last file.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            files = [single(item, initial) for item in data if item]
            if not files and self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return files
        cleaned = single(data, initial)
        return [cleaned] if cleaned else []


ATTACHMENTS_HELP = _("PDF or photos (JPEG, PNG, WebP): a diagnosis, an invoice, a school's letter. Optional.")


def _attachments(*, required: bool = False, help_text=ATTACHMENTS_HELP) -> MultipleFileField:
    return MultipleFileField(
        label=_("Documents"),
        required=required,
        help_text=help_text,
        widget=MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"}),
    )


class CareRequestForm(BootstrapMixin, forms.Form):
    """A request for help, from the officer."""

    category = forms.ChoiceField(
        label=_("What kind of help"),
        choices=[("", "---------"), *((value, capfirst(label)) for value, label in Category.choices)],
    )
    title = forms.CharField(label=_("Subject"), max_length=100)
    description = forms.CharField(
        label=_("What has happened and what help is needed"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    amount_requested = forms.DecimalField(
        label=_("Amount requested (yuan)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Only if you ask for money; leave it empty otherwise."),
    )
    confidential = forms.BooleanField(
        label=_("Confidential"),
        required=False,
        help_text=_(
            "Only you, the person handling your request and the heads of the welfare office will see it. "
            "Your unit's administrator and the rest of the welfare office will not."
        ),
    )
    attachments = _attachments()
    # A one-time token made when the form is shown: the same form submitted twice is one request.
    submit_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submit_token", uuid.uuid4())
        super().__init__(*args, **kwargs)


class CareRequestForOfficerForm(CareRequestForm):
    """The same request, submitted by a unit admin or the welfare office for one of their officers."""

    police_number = forms.CharField(
        label=_("Police number of the officer"),
        max_length=20,
        help_text=_("The officer will be told that a request was submitted on their behalf."),
    )

    field_order = ["police_number"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confidential"].help_text = _(
            "Only the officer, the person handling the request and the heads of the welfare office will see "
            "it. Once it is submitted, you will not see it either."
        )

    def clean_police_number(self) -> str:
        return self.cleaned_data["police_number"].strip()


class WithdrawForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


class ResubmitForm(BootstrapMixin, forms.Form):
    information = forms.CharField(
        label=_("The information asked for"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the information that was asked for.")},
    )
    attachments = _attachments(help_text=_("More documents, if they were asked for. Optional."))


class AttachForm(BootstrapMixin, forms.Form):
    attachments = _attachments(
        required=True, help_text=_("PDF or photos (JPEG, PNG, WebP); several at once if you like.")
    )


RATING_CHOICES = [(value, str(value)) for value in range(1, 6)]


class RateForm(BootstrapMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Rate from 1 to 5."), "invalid_choice": _("Rate from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].widget.attrs["class"] = "btn-check"

    def full_clean(self):
        super().full_clean()
        self.fields["rating"].widget.attrs["class"] = "btn-check"
