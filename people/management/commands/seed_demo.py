"""``manage.py seed_demo [--scale small|city]``: believable demo data; a second run changes nothing."""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from people.demo import DEMO_ACCOUNTS, SCALES, seed_demo
from people.models import FamilyMember, Officer, OrgUnit


class Command(BaseCommand):
    help = "Build a demo city bureau with officers, families and one account per role."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database already has org units."
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed a production database anyway (a training system); DEMO_PASSWORD must be set.",
        )

    def handle(self, *args, scale: str, if_empty: bool, allow_production: bool, **options):
        if settings.PRODUCTION:
            # Demo accounts include a system administrator: never with a published password.
            if not allow_production:
                raise CommandError("Refusing to seed demo accounts in production (use --allow-production).")
            own_password = (
                os.environ.get("DEMO_PASSWORD") and settings.DEMO_PASSWORD != settings.DEFAULT_DEMO_PASSWORD
            )
            if not own_password:
                raise CommandError("Set DEMO_PASSWORD to a password of your own to seed in production.")
        try:
            validate_password(settings.DEMO_PASSWORD)
        except ValidationError as exc:
            raise CommandError(f"DEMO_PASSWORD is too weak: {' '.join(exc.messages)}") from exc
        if if_empty and OrgUnit.objects.exists():
            self.stdout.write("The database already has data; not seeding.")
            return
        started = time.monotonic()
        try:
            report = seed_demo(scale=scale)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded ({scale}) in {time.monotonic() - started:.1f}s: +{report.units_created} units, "
                f"+{report.officers_created} officers, +{report.family_created} family members, "
                f"new accounts: {', '.join(report.accounts_created) or 'none'}."
            )
        )
        self.stdout.write(
            f"Now: {OrgUnit.objects.count()} units, {Officer.objects.count()} officers, "
            f"{FamilyMember.objects.count()} family members."
        )
        if report.accounts_created:
            names = ", ".join(account.username for account in DEMO_ACCOUNTS)
            self.stdout.write(
                f"Demo accounts ({names}) use the password in DEMO_PASSWORD: {settings.DEMO_PASSWORD}"
            )
