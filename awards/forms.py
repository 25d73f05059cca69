"""Forms of the officer's award pages. They check shape only: awards/services.py applies the rules (whose
child, one application per child and year, the letter's type and size, eligibility) and its errors are
shown on the form or as a message."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from awards.models import University
from people.forms import BootstrapMixin
from people.models import FamilyMember, FamilyRelation, Officer

LETTER_TYPES = "application/pdf,image/jpeg,image/png,image/webp"
_CODE = re.compile(r"(?<!\d)(\d{10})(?!\d)")


def university_label(university: University) -> str:
    """What the datalist offers and the field shows: "北京大学 (4111010001)"."""
    return f"{university.name} ({university.code})"


def universities_for_choice():
    return University.objects.filter(active=True).order_by("province", "name").only("code", "name")


def resolve_university(value: str) -> University | None:
    """The active university named by "name (code)", by its code alone, or by its exact name."""
    value = " ".join((value or "").split())
    if not value:
        return None
    found = _CODE.search(value)
    active = University.objects.filter(active=True)
    if found:
        return active.filter(code=found.group(1)).first()
    named = list(active.filter(name=value)[:2])
    return named[0] if len(named) == 1 else None


class ChildChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, member: FamilyMember) -> str:
        return f"{member.name}（{member.birth_date:%Y-%m-%d}）"


class ApplicationForm(BootstrapMixin, forms.Form):
    """A draft application: which child, which university, when admitted, and the admission letter."""

    child = ChildChoiceField(
        label=_("Child"),
        queryset=FamilyMember.objects.none(),
        error_messages={
            "required": _("Choose the child who was admitted."),
            "invalid_choice": _("Choose one of your children from your family list."),
        },
    )
    university = forms.CharField(
        label=_("University"),
        max_length=130,
        help_text=_("Type a few characters of the name and pick the university from the list."),
        error_messages={"required": _("Choose the university.")},
    )
    admission_year = forms.IntegerField(label=_("Admission year"), min_value=2000, max_value=2100)
    major = forms.CharField(label=_("Major (optional)"), max_length=100, required=False)
    letter = forms.FileField(
        label=_("Admission letter"),
        help_text=_("A PDF or a photo (JPEG, PNG, WebP) of the admission letter."),
        widget=forms.FileInput(attrs={"accept": LETTER_TYPES}),
        error_messages={"required": _("Upload the admission letter (PDF or a photo).")},
    )

    def __init__(self, *args, officer: Officer, letter_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = FamilyMember.objects.filter(
            officer=officer, relation=FamilyRelation.CHILD
        ).order_by("birth_date", "pk")
        self.fields["university"].widget.attrs.update({"list": "award-universities", "autocomplete": "off"})
        letter = self.fields["letter"]
        letter.required = letter_required
        if not letter_required:
            letter.help_text = _(
                "Only if you want to replace the letter: a PDF or a photo (JPEG, PNG, WebP)."
            )

    def clean_university(self) -> University:
        university = resolve_university(self.cleaned_data["university"])
        if university is None:
            raise forms.ValidationError(
                _("Choose a university from the list; it is not on the list of universities we know.")
            )
        return university

    def clean_major(self) -> str:
        return self.cleaned_data["major"].strip()


class WithdrawForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


class ObjectionForm(BootstrapMixin, forms.Form):
    text = forms.CharField(
        label=_("Your objection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Say what is wrong with this award. Your name is kept by the welfare office, never shown."
        ),
        error_messages={"required": _("Say what the objection is.")},
    )
