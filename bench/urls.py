"""The project's URLs plus the baseline ("floor") views the benchmarks compare against."""

from django.urls import path

from bench import floor
from welfare.urls import handler400, handler403, handler404, handler500
from welfare.urls import urlpatterns as project_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

# Appended after the project's patterns, so resolving the floor URL costs at least as much as the API's.
urlpatterns = [*project_urlpatterns, path("bench/floor/me/", floor.me, name="bench-floor-me")]
