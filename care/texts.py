"""What the system writes on a request's timeline and in reminders, rendered in the reader's language.

A timeline row or a reminder written by a service stores a code and its parameters, not a sentence:
a handler using the English portal must not leave English on an officer's Chinese page, and a
reminder is rendered by the worker when it is sent. ``render(code, params)`` gives the sentence in the
active language; an unknown code (a row from a newer version) falls back to nothing rather than fail.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

TEXTS = {
    # Timeline rows.
    "on_behalf": _("Submitted on the officer's behalf."),
    "documents_added": _("%(count)d document(s) added."),
    "accepted": _("Accepted; %(name)s handles it."),
    "handed": _("Handed from %(old)s to %(new)s. %(note)s"),
    "withdrawn": _("Withdrawn by the officer."),
    "rated": _("Rated %(rating)d of 5."),
    "grant_proposed": _("Grant of %(amount)s proposed."),
    "grant_approved": _("A grant of %(amount)s was approved: %(purpose)s"),
    "grant_rejected": _("Grant not approved: %(reason)s"),
    "grant_paid": _("%(amount)s paid."),
    "grant_cancelled": _("Grant cancelled: %(reason)s"),
    "closed_unrated": _("Closed without a rating."),
    # Reminder messages.
    "news": _("There is news on your request."),
    "submitted_for_you": _("Your unit submitted a request for help on your behalf."),
    "accepted_for_you": _("Your request has been accepted and has a handler."),
    "returned_to_you": _("The welfare office needs more information: see the request."),
    "resolved_for_you": _("Your request has been resolved. Please tell us how satisfied you are."),
    "grant_paid_to_you": _("A grant of %(amount)s has been paid."),
    "assigned_to_you": _("You have been assigned this request."),
    "officer_withdrew": _("The officer withdrew the request."),
    "officer_answered": _("The officer answered your return."),
    "grant_awaits": _("A grant of %(amount)s awaits approval."),
}


def render(code: str, params: dict[str, Any] | None = None) -> str:
    template = TEXTS.get(code)
    if template is None:
        return ""
    try:
        return str(template) % (params or {})
    except (KeyError, TypeError, ValueError):
        return str(template)
