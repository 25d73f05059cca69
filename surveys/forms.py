"""Forms of the survey pages: the questionnaire (built from the instrument) and a new campaign."""

from __future__ import annotations

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from people.forms import bootstrap
from people.models import OfficerKind, OrgUnit
from surveys.campaigns import MAX_REMINDERS
from surveys.models import Dimension, Instrument, Item


def item_text(item: Item) -> str:
    """The question in the page's language: Chinese, or English when the UI is English."""
    language = translation.get_language() or ""
    return item.text_en if language.startswith("en") else item.text_zh


class AnswerForm(forms.Form):
    """One radio group per item; every answer optional here (drafts), the service checks completeness."""

    comment = forms.CharField(
        label=_("Anything you want to tell the welfare office (optional, anonymous)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, items: list[Item], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[item.code] = forms.TypedChoiceField(
                label=item_text(item),
                choices=[(value, str(value)) for value in range(item.scale_min, item.scale_max + 1)],
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
            )
        self.fields["comment"] = self.fields.pop("comment")  # last

    def answers(self) -> dict[str, int]:
        return {
            item.code: self.cleaned_data[item.code]
            for item in self.items
            if self.cleaned_data.get(item.code) not in (None, "")
        }

    def core_fields(self):
        return [self[item.code] for item in self.items if item.module == "core"]

    def who5_fields(self):
        return [self[item.code] for item in self.items if item.module == "who5"]


def _days(text: str) -> list[int]:
    try:
        return [int(part) for part in text.replace("，", ",").split(",") if part.strip()]
    except ValueError:
        raise forms.ValidationError(
            _("Give whole numbers of days separated by commas, e.g. 3, 7, 10.")
        ) from None


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=100)
    instrument = forms.ModelChoiceField(
        label=_("instrument"), queryset=Instrument.objects.order_by("code", "version")
    )
    population_unit = forms.ModelChoiceField(
        label=_("population"),
        queryset=OrgUnit.objects.order_by("path"),
        help_text=_("Officers of this unit and its subtree are asked."),
    )
    officer_kinds = forms.MultipleChoiceField(
        label=_("officer kinds"),
        choices=OfficerKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind."),
    )
    opens_at = forms.DateTimeField(
        label=_("opens at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=_("closes at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    min_group = forms.IntegerField(
        label=_("minimum group for figures"), min_value=2, max_value=1000, initial=5
    )
    min_comment_group = forms.IntegerField(
        label=_("minimum group for comments"), min_value=2, max_value=1000, initial=10
    )
    include_who5 = forms.BooleanField(label=_("with the WHO-5 module"), required=False)
    reminder_days = forms.CharField(
        label=_("reminders (days after opening)"),
        required=False,
        initial="3, 7, 10",
        help_text=_("Up to three, e.g. 3, 7, 10; only to those who have not answered."),
    )
    final_reminder = forms.BooleanField(
        label=_("a final reminder the day before closing"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in Dimension.choices:
            self.fields[f"weight_{value}"] = forms.DecimalField(
                label=label, required=False, min_value=0, max_value=1, decimal_places=4
            )
        bootstrap(self)

    def weight_fields(self):
        return [self[f"weight_{value}"] for value, _label in Dimension.choices]

    def clean_reminder_days(self) -> list[int]:
        days = _days(self.cleaned_data["reminder_days"])
        if len(set(days)) > MAX_REMINDERS:
            raise forms.ValidationError(_("At most three reminders."))
        return days

    def weights(self) -> dict[str, float]:
        """The weights given (all empty: equal, decided by the service)."""
        given = {value: self.cleaned_data.get(f"weight_{value}") for value, _label in Dimension.choices}
        return {key: float(weight) for key, weight in given.items() if weight is not None}
