from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from people.forms import BootstrapMixin


class QuietHoursForm(BootstrapMixin, forms.Form):
    quiet_start = forms.TimeField(
        label=_("Quiet hours start"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        label=_("Quiet hours end"),
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("SMS wait until the quiet hours end. The same start and end turn quiet hours off."),
    )


class BroadcastForm(BootstrapMixin, forms.Form):
    org_unit = forms.ModelChoiceField(label=_("To everybody in"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}), max_length=2000)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units
        self.fields["org_unit"].label_from_instance = lambda unit: "　" * unit.depth + unit.name
