"""Filled in by the awards portal work."""

urlpatterns: list = []
