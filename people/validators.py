"""Password rules beyond Django's: the MLPS assessors ask for several character classes."""

from __future__ import annotations

import string

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with our own message: Django 5.2's zh_Hans catalogue lacks its new wording."""

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: use at least %(min)d character.",
            "This password is too short: use at least %(min)d characters.",
            self.min_length,
        ) % {"min": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "Use at least %(min)d character.", "Use at least %(min)d characters.", self.min_length
        ) % {"min": self.min_length}


class CharacterClassValidator:
    """Require characters from at least ``min_classes`` of upper case, lower case, digits and symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    @staticmethod
    def classes_in(password: str) -> int:
        checks = (
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or (not c.isalnum() and not c.isspace()) for c in password),
        )
        return sum(checks)

    def validate(self, password: str, user=None) -> None:
        if self.classes_in(password) < self.min_classes:
            raise ValidationError(
                ngettext(
                    "The password must mix at least %(min)d kind of characters: "
                    "upper case, lower case, digits, symbols.",
                    "The password must mix at least %(min)d of these kinds of characters: "
                    "upper case, lower case, digits, symbols.",
                    self.min_classes,
                )
                % {"min": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("Use at least %(min)d of: upper case, lower case, digits, symbols.") % {
            "min": self.min_classes
        }
