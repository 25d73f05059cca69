"""Settings for the benchmark server: the project's own, plus the floor view's URL (bench/urls.py)."""

from welfare.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
