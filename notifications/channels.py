"""Sending one rendered reminder on one channel."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from notifications import sms
from notifications.kinds import Rendered
from people.models import Officer, User


class SkipChannel(Exception):
    """The person has no address on this channel: nothing to send, nothing to retry."""


def send_email(*, user: User, rendered: Rendered) -> None:
    if not user.email:
        raise SkipChannel(_("no e-mail address"))
    body = rendered.body
    if rendered.link:
        body += "\n\n" + settings.SITE_URL.rstrip("/") + rendered.link
    send_mail(rendered.title, body, None, [user.email], fail_silently=False)


def send_sms(*, user: User, rendered: Rendered) -> None:
    mobile = Officer.objects.filter(user=user).values_list("mobile", flat=True).first()
    if not mobile:
        raise SkipChannel(_("no mobile phone number"))
    text = f"【{settings.SMS_SIGNATURE}】{rendered.title} {rendered.body}"
    sms.get_backend().send(mobile=mobile, text=text[: settings.SMS_MAX_LENGTH])
