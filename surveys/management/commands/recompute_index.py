"""Recompute a published campaign's city result from its responses and say whether it matches."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from surveys import results
from surveys.models import Campaign, PublishedResult


class Command(BaseCommand):
    help = "Recompute a campaign's index from the responses; exit 1 when it does not match the published one."

    def add_arguments(self, parser):
        parser.add_argument("campaign", type=int, help="the campaign's id")

    def handle(self, *args, campaign: int, **options):
        try:
            found = Campaign.objects.select_related("instrument").get(pk=campaign)
        except Campaign.DoesNotExist:
            raise CommandError(f"There is no campaign {campaign}.") from None
        try:
            published = PublishedResult.objects.get(campaign=found)
        except PublishedResult.DoesNotExist:
            raise CommandError(f"Campaign {campaign} has no published result.") from None
        figures = results.city_figures(found)
        self.stdout.write(
            f"{found}: published index {published.index} (n = {published.respondents}), "
            f"recomputed {figures.index} (n = {figures.respondents})"
        )
        found_differences = results.differences(published, figures)
        if found_differences:
            for line in found_differences:
                self.stdout.write(f"  differs: {line}")
            self.stdout.write(
                self.style.ERROR("MISMATCH: the published result does not match the responses.")
            )
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("OK: the published result matches the responses."))
