"""Run the SLA sweep now (what `check_sla_escalation` does every 5 minutes), or show what it would do."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from interactions.services.escalation import check_sla_escalation


class Command(BaseCommand):
    help = "Mark due-soon and breached interactions and take due escalation steps (--dry-run: only list them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="change nothing, print what is due")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        result = check_sla_escalation(dry_run=dry_run)
        verb = "would" if dry_run else "did"
        for label, ids in (("due soon", result.due_soon), ("breached", result.breached)):
            self.stdout.write(f"{label}: {len(ids)}" + (f" ({_ids(ids)})" if ids else ""))
        if dry_run:
            self.stdout.write(
                f"escalation steps due: {len(result.steps)}"
                + (f" ({_ids([s[0] for s in result.steps])})" if result.steps else "")
            )
        else:
            for pk, step, action in result.steps:
                self.stdout.write(f"interaction {pk}: step {step} {action}")
        self.stdout.write(f"check_sla ({verb}): {result.summary()}")


def _ids(ids: list[int], limit: int = 20) -> str:
    shown = ", ".join(str(pk) for pk in ids[:limit])
    return shown + (f", … {len(ids) - limit} more" if len(ids) > limit else "")
