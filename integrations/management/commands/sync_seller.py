"""Sync a shop (all its connections) or one connection now, in the foreground, with a progress bar."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from tqdm import tqdm

from integrations.models import Connection
from integrations.sync.engine import sync_connection


def _parse_date(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since wants a date like 2026-01-31, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Sync now in the foreground. TARGET: a seller id or name, or connection:<id>. "
        "--backfill re-reads every stream from the beginning (or from --since DATE); safe to repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", help="seller id, seller name, or connection:<id>")
        parser.add_argument("--backfill", action="store_true", help="re-read history instead of continuing")
        parser.add_argument("--since", type=_parse_date, help="with --backfill: start from this date (ISO)")
        parser.add_argument("--stream", action="append", dest="streams", help="only this stream (repeatable)")

    def handle(
        self, *args: Any, target: str, backfill: bool, since: datetime | None, streams: list | None, **opts: Any
    ):
        if since is not None and not backfill:
            raise CommandError("--since only makes sense with --backfill")
        connections = list(self._connections(target))
        if not connections:
            raise CommandError(f"no enabled connection matches {target!r}")
        totals = {"pages": 0, "fetched": 0, "created": 0, "updated": 0, "quarantined": 0, "errors": 0}
        skipped = []
        with tqdm(total=None, unit="page", disable=opts.get("verbosity", 1) == 0) as bar:
            for connection in connections:
                bar.set_description(f"{connection.get_marketplace_display()} #{connection.pk}")

                def on_page(stream: str, page: Any, bar: tqdm = bar) -> None:
                    bar.set_postfix_str(f"{stream}: +{len(page.records)}")
                    bar.update(1)

                run = sync_connection(
                    connection_id=connection.pk, streams=streams, reset_cursors=backfill, since=since, on_page=on_page
                )
                if run is None:
                    skipped.append(connection.pk)
                    continue
                for key in ("pages", "fetched", "created", "updated", "quarantined"):
                    totals[key] += getattr(run, key)
                totals["errors"] += len(run.errors)
                for error in run.errors:
                    self.stderr.write(
                        f"connection {connection.pk} {error['stream']}: {error['code']}: {error['message']}"
                    )
        summary = (
            f"synced {len(connections) - len(skipped)} connection(s): {totals['pages']} pages, "
            f"{totals['fetched']} fetched, {totals['created']} created, {totals['updated']} updated, "
            f"{totals['quarantined']} quarantined, {totals['errors']} errors"
        )
        if skipped:
            summary += f"; skipped (busy, invalid or disabled): {skipped}"
        self.stdout.write(self.style.SUCCESS(summary) if not totals["errors"] else self.style.WARNING(summary))

    def _connections(self, target: str):
        queryset = Connection.objects.select_related("seller").order_by("id")
        if target.startswith("connection:"):
            try:
                return queryset.filter(pk=int(target.split(":", 1)[1]))
            except ValueError:
                raise CommandError("connection:<id> wants a number") from None
        lookup = Q(seller__name__iexact=target)
        if target.isdigit():
            lookup |= Q(seller_id=int(target))
        return queryset.filter(lookup, is_enabled=True)
