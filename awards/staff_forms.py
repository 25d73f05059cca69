"""Forms of the reviewers' and the welfare office's award pages. They check shape only: awards/services.py
applies the rules (who may decide, in which state, the reason a refusal needs, the budget) and its errors
are shown on the form or as a message."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awards.models import Decision, Programme, ProgrammeKind
from people.forms import BootstrapMixin
from welfare.domain import DomainError

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_REASON = forms.Textarea(attrs={"rows": 2})
DECISIONS = [
    (Decision.APPROVE, _("Approve")),
    (Decision.RETURN, _("Return for more information")),
    (Decision.REJECT, _("Reject")),
]
CSV_MAX_BYTES = 2 * 1024 * 1024


class _DomainErrors:
    def add_domain_error(self, error: DomainError, aliases: dict[str, str] | None = None) -> None:
        """A service's refusal, on the field it names when this form has it (``aliases`` renames)."""
        name = (aliases or {}).get(error.field or "", error.field)
        self.add_error(name if name in self.fields else None, error.message)


class DecisionForm(BootstrapMixin, forms.Form):
    # Posted by the button pressed: one per decision.
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=_REASON,
        help_text=_("Needed to return or reject: the officer reads it."),
    )


class BatchDecisionForm(DecisionForm):
    applications = forms.TypedMultipleChoiceField(
        label=_("Applications"),
        coerce=int,
        error_messages={"required": _("Tick the applications to decide.")},
    )

    def __init__(self, *args, ids: list[int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is accepted here: the view keeps those the viewer may see, the service decides each one.
        posted = self.data.getlist("applications") if hasattr(self.data, "getlist") else []
        choices = ids if ids is not None else [value for value in posted if _database_id(value)]
        self.fields["applications"].choices = [(str(pk), str(pk)) for pk in choices]


def _database_id(value) -> bool:
    """A whole number a primary key can be (a 20-digit one would overflow the query)."""
    return str(value).isdigit() and 0 < int(value) < 2**31


_PROGRAMME_FIELDS = [
    "kind",
    "year",
    "title",
    "description",
    "opens_on",
    "closes_on",
    "amount_985",
    "amount_211",
    "amount_dfc",
    "budget",
    "notice_days",
]


class ProgrammeForm(_DomainErrors, BootstrapMixin, forms.Form):
    """A new programme; its budget is set aside from the fund's awards sub-budget by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("year", timezone.localdate().year)
        kwargs["initial"].setdefault("notice_days", 5)
        super().__init__(*args, **kwargs)
        for name in ("opens_on", "closes_on"):
            self.fields[name].widget = _DATE
        self.fields["description"].widget = forms.Textarea(attrs={"rows": 3})
        self.fields["kind"].choices = ProgrammeKind.choices
        self.fields["budget"].help_text = _(
            "Set aside from the fund's awards sub-budget; fixed once created."
        )
        self.fields["notice_days"].help_text = _("From 1 to 30 days.")

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(
                _("Give the year of admission, such as %(year)d.") % {"year": timezone.localdate().year}
            )
        return year

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in _PROGRAMME_FIELDS if name in self.cleaned_data}


# The model's fields with its labels and help texts; declared_fields too, so that subclasses inherit them.
ProgrammeForm.base_fields = ProgrammeForm.declared_fields = forms.fields_for_model(
    Programme, fields=_PROGRAMME_FIELDS
)


class ProgrammeEditForm(ProgrammeForm):
    """Dates, amounts, text and notice period; the kind, year and budget stay as created."""

    def __init__(self, *args, programme: Programme, **kwargs):
        kwargs["initial"] = {name: getattr(programme, name) for name in _PROGRAMME_FIELDS}
        super().__init__(*args, **kwargs)
        for name in ("kind", "year", "budget"):
            del self.fields[name]


class ObjectionDecisionForm(BootstrapMixin, forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("no", _("Dismiss: the award stands")), ("yes", _("Uphold: the award is rejected"))],
        coerce=lambda value: value == "yes",
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False, widget=_REASON)


class TeacherNominateForm(_DomainErrors, BootstrapMixin, forms.Form):
    teacher_name = forms.CharField(label=_("Head teacher"), max_length=50)
    school = forms.CharField(label=_("School"), max_length=100)
    class_name = forms.CharField(label=_("Class"), max_length=50)
    contact = forms.CharField(label=_("Contact"), max_length=50, required=False)


class TeacherDecisionForm(BootstrapMixin, forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Approve")), ("no", _("Reject"))],
        coerce=lambda value: value == "yes",
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class UniversitiesImportForm(_DomainErrors, BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, with the columns code, name, province, is_985, is_211, is_double_first_class "
            "(1 or 0). One bad line refuses the whole file."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    list_date = forms.DateField(
        label=_("Date of the list"),
        widget=_DATE,
        help_text=_("The date of the Ministry of Education's list the flags come from."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB.") % {"size": CSV_MAX_BYTES // (1024 * 1024)}
            )
        return upload
