"""Filled in by the care portal work."""

urlpatterns: list = []
