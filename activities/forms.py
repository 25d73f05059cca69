"""Forms of the activity pages. They check shape only; the services apply the rules (audience, window,
cut-off, capacity) and their errors are shown on the form."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from activities import services
from activities.models import Activity
from people.forms import BootstrapMixin
from people.models import FamilyMember, OrgUnit
from welfare.uploads import sniff_document

# The fields of an activity a person may change after creation (services.activity_update), besides its
# times; capacity has its own form (services.capacity_set), which promotes the waiting list.
EDITABLE_FIELDS = [field for field in services.ACTIVITY_FIELDS if field != "capacity"]
TIMING_FIELDS = ["starts_at", "ends_at", "signup_opens_at", "signup_closes_at", "cancel_until"]
PHOTO_MAX_BYTES = 5 * 1024 * 1024


class _UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return "\u3000" * obj.depth + obj.name


def _datetime_field(label) -> forms.DateTimeField:
    # ISO for <input type="datetime-local">, whatever the language's format.
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class _Bootstrap(BootstrapMixin):
    """Bootstrap's classes, with radio buttons and check boxes (drawn one by one) as check inputs."""

    def _boxes(self) -> None:
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect):  # CheckboxSelectMultiple is one too
                field.widget.attrs["class"] = "form-check-input"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._boxes()

    def full_clean(self):
        super().full_clean()
        self._boxes()


class SignUpForm(_Bootstrap, forms.Form):
    """Who comes along: ticked from the officer's own family list (the officer always comes)."""

    family_members = forms.TypedMultipleChoiceField(
        label=_("Family members coming with you"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose family members from your own family list.")},
    )

    def __init__(self, *args, family: list[FamilyMember], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family_members"].choices = [
            (member.pk, f"{member.name}（{member.get_relation_display()}, {member.age}）")
            for member in family
        ]


class ActivityForm(BootstrapMixin, forms.Form):
    """A new activity, alone or as a weekly series (``repeat_weeks`` > 1)."""

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("organiser", "audience_unit"):
            self.fields[name].queryset = units

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("child_age_min"), cleaned.get("child_age_max")
        if low is not None and high is not None and low > high:
            self.add_error("child_age_max", _("The youngest age cannot be above the oldest."))
        return cleaned

    def timing(self) -> services.Timing:
        return services.Timing(**{name: self.cleaned_data[name] for name in TIMING_FIELDS})

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in services.ACTIVITY_FIELDS}


_model_fields = forms.fields_for_model(Activity, fields=[*services.ACTIVITY_FIELDS])
ActivityForm.base_fields = {
    **{name: _model_fields[name] for name in ("title", "kind", "description")},
    "organiser": _UnitChoice(queryset=OrgUnit.objects.none(), label=capfirst(_("organiser"))),
    "audience_unit": _UnitChoice(
        queryset=OrgUnit.objects.none(),
        label=capfirst(_("open to")),
        help_text=_("Officers of this unit and its subtree may sign up (the city bureau: everybody)."),
    ),
    "venue": _model_fields["venue"],
    "starts_at": _datetime_field(capfirst(_("starts at"))),
    "ends_at": _datetime_field(capfirst(_("ends at"))),
    "signup_opens_at": _datetime_field(capfirst(_("sign-up opens"))),
    "signup_closes_at": _datetime_field(capfirst(_("sign-up closes"))),
    "cancel_until": _datetime_field(capfirst(_("cancellation possible until"))),
    **{
        name: _model_fields[name]
        for name in (
            "capacity",
            "audience",
            "child_age_min",
            "child_age_max",
            "waitlist",
            "confirm_from_waitlist",
            "offer_hours",
        )
    },
    "repeat_weeks": forms.IntegerField(
        label=_("Repeat weekly for"),
        min_value=1,
        max_value=52,
        initial=1,
        help_text=_("Weeks, counting this one: 1 creates a single activity, 8 a series of eight."),
    ),
}
ActivityForm.base_fields["description"].widget = forms.Textarea(attrs={"rows": 3})
# Bounds the database can hold and people mean (a plain Form does not run the model fields' validators).
ActivityForm.base_fields["capacity"] = forms.IntegerField(
    label=capfirst(_("capacity (persons)")), min_value=1, max_value=10000
)
ActivityForm.base_fields["offer_hours"] = forms.IntegerField(
    label=capfirst(_("offer valid for (hours)")), min_value=1, max_value=720, initial=48
)
for _name, _label in (("child_age_min", _("children from age")), ("child_age_max", _("children up to age"))):
    ActivityForm.base_fields[_name] = forms.IntegerField(
        label=capfirst(_label), min_value=0, max_value=25, required=False
    )


class ActivityEditForm(_Bootstrap, forms.Form):
    """What an activity is and when (not how many places); for a series, one occurrence or all ahead.

    For all ahead, each time moves by as much as this occurrence's did: 9:00 → 14:00 here moves every
    later Saturday to 14:00, on its own date.
    """

    THIS = "this"
    AHEAD = "ahead"

    def __init__(self, *args, activity: Activity, units, **kwargs):
        self.activity = activity
        kwargs.setdefault(
            "initial",
            {name: getattr(activity, name) for name in EDITABLE_FIELDS}
            | {name: timezone.localtime(getattr(activity, name)) for name in TIMING_FIELDS},
        )
        kwargs["initial"].update(
            organiser=activity.organiser_id, audience_unit=activity.audience_unit_id, apply_to=self.THIS
        )
        super().__init__(*args, **kwargs)
        for name in ("organiser", "audience_unit"):
            self.fields[name].queryset = units
        if activity.series_id is None:
            del self.fields["apply_to"]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("child_age_min"), cleaned.get("child_age_max")
        if low is not None and high is not None and low > high:
            self.add_error("child_age_max", _("The youngest age cannot be above the oldest."))
        return cleaned

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}

    def timing(self) -> services.Timing:
        return services.Timing(**{name: self.cleaned_data[name] for name in TIMING_FIELDS})

    def shift(self) -> dict[str, dt.timedelta]:
        """How far each time moved, for the occurrences ahead."""
        return {name: self.cleaned_data[name] - getattr(self.activity, name) for name in TIMING_FIELDS}


ActivityEditForm.base_fields = {
    name: field
    for name, field in ActivityForm.base_fields.items()
    if name in EDITABLE_FIELDS or name in TIMING_FIELDS
} | {
    "apply_to": forms.ChoiceField(
        label=_("Apply to"),
        choices=[
            (ActivityEditForm.THIS, _("this occurrence only")),
            (ActivityEditForm.AHEAD, _("this and every later occurrence of the series")),
        ],
        widget=forms.RadioSelect,
    )
}


class CapacityForm(BootstrapMixin, forms.Form):
    capacity = forms.IntegerField(label=capfirst(_("capacity (persons)")), min_value=1, max_value=10000)


class CancelActivityForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Everybody signed up is told; their places are released."),
    )


def sniff_image(head: bytes) -> str | None:
    """The image type from the first bytes (JPEG, PNG or WebP), or None; the declared type is not trusted."""
    content_type = sniff_document(head)
    return content_type if content_type and content_type.startswith("image/") else None


class PhotoForm(BootstrapMixin, forms.Form):
    image = forms.FileField(label=_("Photo"), help_text=_("JPEG, PNG or WebP, up to 5 MB."))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)

    def clean_image(self):
        upload = self.cleaned_data["image"]
        if upload.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError(
                _("The photo is larger than %(limit)d MB.") % {"limit": PHOTO_MAX_BYTES // (1024 * 1024)}
            )
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if sniff_image(head) is None:
            raise forms.ValidationError(_("Only JPEG, PNG and WebP photos can be uploaded."))
        return upload
