"""Idempotently create the demo shop «Демо-магазин», its owner and a staff superuser, and print the logins."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from interactions.models import WorkingCalendar
from sandbox.demo import sandbox_demo_connect
from sellers.models import Seller, User

DEMO_SHOP_NAME = "Демо-магазин"
DEMO_OWNER_EMAIL = "owner@demo.local"
DEMO_OWNER_PASSWORD = "demo-owner-pass"  # noqa: S105 (known dev login; refused with DEBUG off unless --force)
DEMO_STAFF_EMAIL = "admin@demo.local"
DEMO_STAFF_PASSWORD = "demo-admin-pass"  # noqa: S105
DEMO_HOURS = [["09:00", "13:00"], ["14:00", "20:00"]]


class Command(BaseCommand):
    help = "Create (idempotently) the demo shop with an owner and a staff superuser, and print their logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off (known passwords!)")

    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("bootstrap_demo creates logins with known passwords; with DEBUG off pass --force.")
        with transaction.atomic():
            seller, _ = Seller.objects.get_or_create(name=DEMO_SHOP_NAME)
            owner = self._user(DEMO_OWNER_EMAIL, DEMO_OWNER_PASSWORD, seller=seller, role=User.Role.OWNER)
            staff = self._user(DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, seller=None, role="", staff=True)

            # Working hours with a lunch break, so the demo's deadlines show working time at work.
            WorkingCalendar.objects.get_or_create(
                seller=seller,
                defaults={"week": {str(day): DEMO_HOURS for day in range(5)} | {"5": [["10:00", "16:00"]]}},
            )
            # The sandbox marketplace (started by `make run`) serves this shop's buyers.
            connections = sandbox_demo_connect(seller=seller)

        self.stdout.write(self.style.SUCCESS(f"Demo shop «{seller.name}» (id {seller.pk}) is ready."))
        self.stdout.write(f"  seller owner (SPA /app/, API): {owner.email} / {DEMO_OWNER_PASSWORD}")
        self.stdout.write(f"  staff (admin /admin/):         {staff.email} / {DEMO_STAFF_PASSWORD}")
        for connection in connections:
            self.stdout.write(f"  marketplace connection:        {connection} → {settings.SANDBOX_URL}")

    def _user(self, email: str, password: str, *, seller: Seller | None, role: str, staff: bool = False) -> User:
        user = User.objects.filter(email=email).first() or User(email=email)
        user.seller = seller
        user.role = role
        user.is_active = True
        user.is_staff = user.is_superuser = staff
        # Re-setting the password keeps the printed login true even if someone changed it.
        user.set_password(password)
        user.save()
        return user
