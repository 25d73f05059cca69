from django.urls import re_path

from activities import ical

urlpatterns = [
    # secrets.token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-].
    re_path(r"^(?P<token>[A-Za-z0-9_-]{20,64})\.ics$", ical.calendar_feed, name="activities-calendar-feed"),
]
