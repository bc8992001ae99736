"""Compare our answers to reviews and questions with what the marketplaces show, now, in the foreground."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from integrations.models import Connection
from integrations.reconcile import reconcile_connection
from integrations.services import connections_to_reconcile


class Command(BaseCommand):
    help = (
        "Reconcile answers now (what the daily task does): every connection that may sync, or --connection ID. "
        "Differences show in the admin («Расхождения ответов»)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", type=int, action="append", dest="connections", help="only this one")

    def handle(self, *args: Any, connections: list[int] | None, **opts: Any) -> None:
        ids = connections or connections_to_reconcile()
        if connections:
            missing = set(connections) - set(Connection.objects.filter(pk__in=connections).values_list("pk", flat=True))
            if missing:
                raise CommandError(f"no connection {', '.join(map(str, sorted(missing)))}")
        totals = {"items": 0, "answers": 0, "missing": 0, "not_ours": 0, "text_differs": 0, "rejected": 0}
        failed = []
        for connection_id in tqdm(ids, unit="connection", disable=opts.get("verbosity", 1) == 0):
            try:
                result = reconcile_connection(connection_id=connection_id)
            except Exception as exc:  # one marketplace down must not stop the others
                failed.append(f"#{connection_id}: {type(exc).__name__}")
                continue
            if result is None:
                continue
            for key in totals:
                totals[key] += getattr(result, key)
        self.stdout.write(
            f"Reconciled {len(ids) - len(failed)} connection(s): {totals['answers']} answers of ours, "
            f"{totals['items']} items on the marketplaces; missing there {totals['missing']}, "
            f"not in AgentIQ {totals['not_ours']}, text differs {totals['text_differs']}, "
            f"rejected as unpublished {totals['rejected']}." + (f" Failed: {', '.join(failed)}." if failed else "")
        )
