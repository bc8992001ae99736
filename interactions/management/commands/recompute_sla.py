"""Re-pick the SLA rule and due times of every running wait (after rules or calendars changed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from interactions.services.recompute import recompute_sla, running_waits


class Command(BaseCommand):
    help = "Recompute the deadlines of open interactions from the current rules and calendars."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seller", type=int, help="only this shop (id)")

    def handle(self, *args: Any, seller: int | None, **options: Any) -> None:
        total = running_waits(seller_id=seller).count()
        with tqdm(total=total, unit="wait", disable=options["verbosity"] == 0, file=self.stderr) as bar:
            result = recompute_sla(seller_id=seller, progress=bar.update)
        self.stdout.write(f"recompute_sla: {result.checked} running waits checked, {result.changed} moved")
