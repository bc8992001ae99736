"""Close quiet chats now (what `auto_close_inactive_chats` does daily), or show which it would close."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from interactions.management.commands.check_sla import _ids
from interactions.services.autoclose import auto_close_inactive_chats


class Command(BaseCommand):
    help = "Close chats quiet for auto_close_days where the seller spoke last (--dry-run: only list them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="change nothing, print what would close")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        result = auto_close_inactive_chats(dry_run=dry_run)
        verb = "would close" if dry_run else "closed"
        listed = f" ({_ids(result.closed)})" if result.closed else ""
        self.stdout.write(f"auto_close: {verb} {len(result.closed)} chats quiet for {result.days}+ days{listed}")
