"""The sync engine's database side: the lease (claim, renew, finish, release), cursors, quarantine.

Only one sync of a connection runs at a time: the claim succeeds only when `sync_lock_until` is
empty or past. The lease is short (`settings.SYNC_LEASE_SECONDS`) and the running sync renews it
every `SYNC_LEASE_RENEW_SECONDS` (before each marketplace call and with each batch it writes), so a
worker killed mid-sync blocks its connection for about one lease, while a live one keeps it as long
as it runs. The lease's current expiry is also its owner token: every renewal, write and release is
conditional on the value this sync last set, so a sync whose lease ran out and was claimed by
another worker finds out at its next renewal (LockLost) and stops writing. The claim also returns
the row and the stream cursors, so a sync with nothing new costs the database little more than the
claim and the final bookkeeping.
"""

from __future__ import annotations

import json
import weakref
from datetime import datetime, timedelta
from typing import Any

from django.db import connection as db
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from integrations.models import Connection, QuarantinedItem, SyncCursor, SyncRun

_relaxed: weakref.WeakSet = weakref.WeakSet()

# `next_sync_at` is set to the lease's first expiry: a sync that dies without finishing is due again as
# soon as its lease runs out (the finish sets the real next time).
CLAIM_UPDATE_SQL = (
    "UPDATE integrations_connection SET sync_lock_until = %s, next_sync_at = %s "
    "WHERE id = %s AND is_enabled AND status NOT IN (%s, %s) "
    "AND (sync_lock_until IS NULL OR sync_lock_until <= %s)"
)
# A task queued by the beat sweep is stale when a sync finished after it was queued (the sweep queued
# the connection again because the first task seemed lost, and then both ran): it does nothing.
CLAIM_NOT_SYNCED_SINCE_SQL = " AND (last_sync_at IS NULL OR last_sync_at <= %s)"
# The columns a sync reads; the others stay deferred (a sync with nothing new should move little data).
CLAIM_RETURNING_SQL = (
    " RETURNING id, seller_id, marketplace, name, wb_token, ozon_client_id, ozon_api_key, account_id, streams, "
    "status, is_enabled, consecutive_failures, token_expires_at"
)
# The same, also returning the stream cursors and, when the last run was quiet and recent (started
# after the last parameter), its streams: the finish then knows whether a quiet run folds into it.
CLAIM_RETURNING_SQL_POSTGRES = (
    CLAIM_RETURNING_SQL  # noqa: S608 (constant SQL)
    + ", (SELECT COALESCE(json_object_agg(c.stream, c.value), '{}'::json) "
    "FROM integrations_synccursor c WHERE c.connection_id = integrations_connection.id) AS stored_cursors, "
    "last_run_id, (SELECT r.streams FROM integrations_syncrun r WHERE r.id = integrations_connection.last_run_id "
    "AND r.status = 'ok' AND r.fetched = 0 AND r.created = 0 AND r.updated = 0 AND r.quarantined = 0 "
    "AND r.errors = '[]'::jsonb AND r.started_at >= %s) AS quiet_run_streams"
)


# Quiet runs fold into one SyncRun row for at most this long (see Lease.finish).
QUIET_RUNS_FOLD_WINDOW = timedelta(hours=1)


class LockLost(Exception):
    """Our lease ran out and another worker claimed the connection: stop without writing more."""


def relax_commit_durability() -> None:
    """Let this database session commit without waiting for the WAL flush (PostgreSQL only).

    Safe for the sync because every page is committed together with its stream cursor: a commit
    lost in a database crash loses its cursor too, and the next sync simply reads those items
    again. Delivery on the same session is safe as well: a lost "sent" mark makes the next
    attempt look for the reply on the marketplace before sending. It saves a disk flush on each
    of the few writes a sync with nothing new makes.
    """
    if db.vendor != "postgresql":
        return
    db.ensure_connection()
    raw = db.connection
    try:
        if raw in _relaxed:
            return
    except TypeError:  # not weak-referenceable: just set it each time
        raw = None
    with db.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    if raw is not None:
        _relaxed.add(raw)


class Lease:
    def __init__(self, *, connection_id: int, lease: timedelta, renew_every: timedelta | None = None) -> None:
        self.connection_id = connection_id
        self.lease = lease
        self.renew_every = renew_every if renew_every is not None else lease / 2
        self.until: datetime | None = None
        self.quiet_run: tuple[int, list[str]] | None = None  # (id, streams) of a last run a quiet one may fold into

    def claim(
        self, *, now: datetime, not_synced_since: datetime | None = None
    ) -> tuple[Connection, dict[str, Any]] | None:
        """The connection and its stored cursors, or None when it is being synced or may not sync (or, with
        `not_synced_since`, when a sync has finished since then)."""
        until = now + self.lease
        adapt = db.ops.adapt_datetimefield_value
        params = [
            adapt(until),
            adapt(until),
            self.connection_id,
            Connection.Status.INVALID,
            Connection.Status.DISABLED,
            adapt(now),
        ]
        sql = CLAIM_UPDATE_SQL
        if not_synced_since is not None:
            sql += CLAIM_NOT_SYNCED_SINCE_SQL
            params.append(adapt(not_synced_since))
        if db.vendor == "postgresql":
            sql += CLAIM_RETURNING_SQL_POSTGRES
            params.append(adapt(now - QUIET_RUNS_FOLD_WINDOW))
        else:
            sql += CLAIM_RETURNING_SQL
        rows = list(Connection.objects.raw(sql, params))
        if not rows:
            return None
        self.until = until
        connection = rows[0]
        quiet_streams = getattr(connection, "quiet_run_streams", None)
        if quiet_streams is not None:
            # Django's psycopg setup leaves jsonb as text; `json` columns (the cursors) arrive decoded.
            streams = json.loads(quiet_streams) if isinstance(quiet_streams, str) else quiet_streams
            self.quiet_run = (connection.last_run_id, streams)
        stored = getattr(connection, "stored_cursors", None)
        if stored is None:
            stored = dict(SyncCursor.objects.filter(connection_id=connection.pk).values_list("stream", "value"))
        return connection, stored

    def renew(self, *, now: datetime, force: bool = False) -> None:
        """The heartbeat: push the lease out again once `renew_every` has passed since the last renewal (or
        now, with `force`). Raises LockLost when the lease is no longer ours (it ran out and was claimed, or
        new credentials took it away). A no-op once the lease is finished or released."""
        if self.until is None or (not force and self.until - now > self.lease - self.renew_every):
            return
        until = now + self.lease
        if not Connection.objects.filter(pk=self.connection_id, sync_lock_until=self.until).update(
            sync_lock_until=until
        ):
            raise LockLost
        self.until = until

    def finish(
        self, *, run: SyncRun, connection_fields: dict[str, Any], cursors: dict[str, dict], now: datetime
    ) -> None:
        """Record the run, save the cursors that moved without data, update the connection, release.

        A quiet run is folded into the connection's last run when that one was quiet too, started
        less than QUIET_RUNS_FOLD_WINDOW ago and read the same streams: a shop with nothing new then
        adds one row an hour, not one every 30 seconds. On PostgreSQL all of it is one statement
        (data-modifying CTEs), so a sync with nothing new costs two round trips, the claim and this.
        Every part of it is conditional on the lease still being ours (LockLost otherwise: nothing written).
        """
        if db.vendor != "postgresql":
            self._finish_portable(run=run, connection_fields=connection_fields, cursors=cursors, now=now)
            return
        quote = db.ops.quote_name
        # The lease, locked until the statement commits: every part below writes only if it is still ours.
        parts = ["lk AS (SELECT id FROM integrations_connection WHERE id = %s AND sync_lock_until = %s FOR UPDATE)"]
        params: list[Any] = [self.connection_id, db.ops.adapt_datetimefield_value(self.until)]
        # Only placeholders and column names from the models go into this SQL, never values.
        if cursors:
            sql, cursor_params = _cursors_upsert(
                self.connection_id, cursors, now=now, only_if="EXISTS (SELECT 1 FROM lk)"
            )
            parts.append(f"cur AS ({sql})")
            params += cursor_params
        assignments = ["sync_lock_until = NULL"]
        if run.is_quiet and self.quiet_run is not None and self.quiet_run[1] == run.streams:
            run.pk = self.quiet_run[0]
            parts.append(
                "run AS (UPDATE integrations_syncrun SET repeats = repeats + 1, finished_at = %s, duration_ms = %s "
                "WHERE id = %s AND EXISTS (SELECT 1 FROM lk) RETURNING id)"
            )
            params += [db.ops.adapt_datetimefield_value(run.finished_at), run.duration_ms, run.pk]
        else:
            run_fields = [f for f in SyncRun._meta.concrete_fields if not f.primary_key]
            parts.append(
                f"run AS (INSERT INTO integrations_syncrun ({', '.join(quote(f.column) for f in run_fields)}) "  # noqa: S608
                f"SELECT {', '.join(['%s'] * len(run_fields))} WHERE EXISTS (SELECT 1 FROM lk) RETURNING id)"
            )
            params += [f.get_db_prep_save(getattr(run, f.attname), connection=db) for f in run_fields]
            assignments.append("last_run_id = (SELECT id FROM run)")
        for name, value in connection_fields.items():
            field = Connection._meta.get_field(name)
            assignments.append(f"{quote(field.column)} = %s")
            params.append(field.get_db_prep_save(value, connection=db))
        parts.append(
            f"upd AS (UPDATE integrations_connection SET {', '.join(assignments)} "  # noqa: S608
            "WHERE id = (SELECT id FROM lk))"
        )
        with db.cursor() as cursor:
            cursor.execute(
                f"WITH {', '.join(parts)} SELECT (SELECT id FROM run), EXISTS (SELECT 1 FROM lk)",  # noqa: S608
                params,
            )
            run_id, ours = cursor.fetchone()
        self.until = None
        if not ours:
            run.pk = None
            raise LockLost
        if run_id is None:  # the quiet run to fold into was deleted meanwhile (admin): this one goes unrecorded
            run.pk = None
            return
        run.pk = run_id
        run._state.adding = False
        run._state.db = db.alias

    def _finish_portable(
        self, *, run: SyncRun, connection_fields: dict[str, Any], cursors: dict[str, dict], now: datetime
    ) -> None:
        """The same as `finish` in several statements, for SQLite (the claim told nothing of the last run)."""
        with transaction.atomic():
            # First: on SQLite the transaction holds the database's write lock from here to the commit.
            if not Connection.objects.filter(pk=self.connection_id, sync_lock_until=self.until).update(
                sync_lock_until=self.until
            ):
                self.until = None
                run.pk = None
                raise LockLost
            self._finish_portable_writes(run=run, connection_fields=connection_fields, cursors=cursors, now=now)

    def _finish_portable_writes(
        self, *, run: SyncRun, connection_fields: dict[str, Any], cursors: dict[str, dict], now: datetime
    ) -> None:
        fold_after = now - QUIET_RUNS_FOLD_WINDOW
        save_cursors(self.connection_id, cursors, now=now)
        last = None
        if run.is_quiet:
            last = (
                SyncRun.objects.filter(
                    pk=Connection.objects.filter(pk=self.connection_id).values("last_run_id")[:1],
                    started_at__gte=fold_after,
                )
                .only("id", "status", "fetched", "created", "updated", "quarantined", "errors", "streams")
                .first()
            )
        if last is not None and last.is_quiet and last.streams == run.streams:
            SyncRun.objects.filter(pk=last.pk).update(
                repeats=F("repeats") + 1, finished_at=run.finished_at, duration_ms=run.duration_ms
            )
            run.pk, run._state.adding, run._state.db = last.pk, False, db.alias
        else:
            run.save()
        Connection.objects.filter(pk=self.connection_id, sync_lock_until=self.until).update(
            sync_lock_until=None, last_run=run, **connection_fields
        )
        self.until = None

    def release(self) -> None:
        if self.until is not None:
            Connection.objects.filter(pk=self.connection_id, sync_lock_until=self.until).update(sync_lock_until=None)
            self.until = None


def save_cursors(connection_id: int, cursors: dict[str, dict], *, now: datetime | None = None) -> None:
    """Write the streams' cursors, creating the rows a first sync needs: one statement for all of them."""
    if not cursors:
        return
    now = now or timezone.now()
    if db.vendor != "postgresql":
        for stream, value in cursors.items():
            SyncCursor.objects.update_or_create(
                connection_id=connection_id, stream=stream, defaults={"value": value, "updated_at": now}
            )
        return
    sql, params = _cursors_upsert(connection_id, cursors, now=now)
    with db.cursor() as cursor:
        cursor.execute(sql, params)


def _cursors_upsert(
    connection_id: int, cursors: dict[str, dict], *, now: datetime, only_if: str | None = None
) -> tuple[str, list[Any]]:
    """One INSERT ... ON CONFLICT for the cursors; `only_if` (constant SQL) makes it conditional."""
    rows = ", ".join(["(%s::bigint, %s::varchar, %s::jsonb, %s::timestamptz)"] * len(cursors))
    params: list[Any] = []
    for stream, value in cursors.items():
        params += [connection_id, stream, json.dumps(value), now]
    source = f"VALUES {rows}"
    if only_if is not None:
        source = f"SELECT * FROM ({source}) AS v WHERE {only_if}"  # noqa: S608 (constant SQL)
    sql = (
        f"INSERT INTO integrations_synccursor (connection_id, stream, value, updated_at) {source} "
        "ON CONFLICT (connection_id, stream) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at"
    )
    return sql, params


def quarantine_items(connection: Connection, *, stream: str, entries: list[Any]) -> int:
    """Keep items that did not parse, once each while unresolved (the next sync reads them again)."""
    known = set(
        QuarantinedItem.objects.filter(
            connection=connection,
            stream=stream,
            resolved_at__isnull=True,
            external_id__in=[entry.external_id for entry in entries],
        ).values_list("external_id", "raw")
    )
    new = []
    for entry in entries:
        key = (entry.external_id, entry.raw)
        if key in known:
            continue
        known.add(key)
        new.append(
            QuarantinedItem(
                connection=connection, stream=stream, external_id=entry.external_id, raw=entry.raw, error=entry.error
            )
        )
    QuarantinedItem.objects.bulk_create(new)
    return len(new)
