"""Forms of the health staff pages: a follow-up, and assigning an adviser to officers."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from health.models import FollowUp, FollowUpOutcome, FollowUpStatus
from people.forms import BootstrapMixin
from people.models import User


class _PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class FollowUpForm(BootstrapMixin, forms.Form):
    assignee = _PersonChoice(
        queryset=User.objects.none(), required=False, label=_("Assigned to"), empty_label=_("nobody yet")
    )
    # ISO for <input type="date">, whatever the language's date format.
    due_date = forms.DateField(
        label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    status = forms.ChoiceField(label=_("Status"), choices=FollowUpStatus.choices)
    # "Replaced by a newer checkup" is the import's to give, not a person's.
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", "—"), *[c for c in FollowUpOutcome.choices if c[0] != FollowUpOutcome.SUPERSEDED]],
        required=False,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, follow_up: FollowUp, assignees: list[User], **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "assignee": follow_up.assignee_id,
                "due_date": follow_up.due_date,
                "status": follow_up.status,
                "outcome": follow_up.outcome,
                "notes": follow_up.notes,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(
            pk__in=[user.pk for user in assignees]
        ).select_related("officer")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == FollowUpStatus.DONE and not cleaned.get("outcome"):
            self.add_error("outcome", _("A follow-up that is done needs an outcome."))
        return cleaned


class AdviserForm(BootstrapMixin, forms.Form):
    """Assign (or remove) the adviser of the officers ticked on the cohort page (``officer`` values)."""

    adviser = _PersonChoice(
        queryset=User.objects.none(), required=False, label=_("Adviser"), empty_label=_("no adviser")
    )

    def __init__(self, *args, advisers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["adviser"].queryset = advisers
