"""The sync engine: read every stream of one connection into the inbox, exactly once.

Each page is upserted together with its stream's cursor in one transaction, so a crash (or a
killed worker) re-reads from the last saved cursor: nothing is skipped, and the upsert, keyed on
the marketplace ids, duplicates nothing. A connection is claimed with a conditional UPDATE on
`sync_lock_until`, so two workers never sync it at once; the sync renews that short lease while it
runs, and a killed worker's lease runs out within about a minute (integrations/sync/lease.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations import http, services
from integrations.enqueue import enqueue_card_refresh
from integrations.models import Connection, SyncRun
from integrations.products import with_product_names
from integrations.sync.lease import Lease, LockLost, quarantine_items, relax_commit_durability, save_cursors
from integrations.sync.streams import answer_stream_for, fetch_page, resume_cursor, streams_for

logger = logging.getLogger(__name__)

DEFAULT_SYNC_INTERVAL_SECONDS = 30


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def sync_interval_seconds() -> float:
    from agentiq.runtime import runtime_get

    try:
        return float(runtime_get("sync_interval_seconds"))
    except Exception:  # a broken runtime setting must not stop every sync
        logger.exception("runtime setting sync_interval_seconds unreadable; using the default")
        return DEFAULT_SYNC_INTERVAL_SECONDS


@dataclass
class _Run:
    started_at: datetime
    started_monotonic: float
    streams: list[str] = field(default_factory=list)
    pages: int = 0
    fetched: int = 0
    created: int = 0
    updated: int = 0
    quarantined: int = 0
    requests: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    product_ids: set[int] = field(default_factory=set)
    streams_ok: int = 0
    auth_error: BaseException | None = None
    failure: BaseException | None = None  # the first non-rate-limit error, for the connection's health
    retry_after: float = 0.0  # the longest wait a marketplace asked for
    more_pending: bool = False  # a stream hit the page cap; come back soon
    pending_cursors: dict[str, dict] = field(default_factory=dict)  # stream → cursor moved with no data to write

    def record_error(self, *, stream: str, error: BaseException) -> None:
        from integrations.errors import IntegrationError, RateLimited

        if isinstance(error, IntegrationError):
            entry = {"stream": stream, "code": error.code, "message": error.message}
        else:
            entry = {"stream": stream, "code": "internal_error", "message": services.INTERNAL_ERROR_TEXT}
        entry["at"] = timezone.now().isoformat()
        self.errors.append(entry)
        if isinstance(error, RateLimited):
            self.retry_after = max(self.retry_after, float(error.retry_after or 0))
        elif self.failure is None:
            self.failure = error


def new_lease(*, connection_id: int) -> Lease:
    return Lease(
        connection_id=connection_id,
        lease=timedelta(seconds=float(_setting("SYNC_LEASE_SECONDS", 60))),
        renew_every=timedelta(seconds=float(_setting("SYNC_LEASE_RENEW_SECONDS", 10))),
    )


def sync_connection(
    *,
    connection_id: int,
    streams: list[str] | None = None,
    reset_cursors: bool = False,
    since: datetime | None = None,
    on_page: Callable[[str, Any], None] | None = None,
    queued_at: datetime | None = None,
) -> SyncRun | None:
    """Sync one connection now. Returns None when it is locked by another sync, gone, or may not sync.

    `reset_cursors` re-reads each stream from its beginning, or from `since` (a backfill); the upsert
    makes that safe. The streams read `{"since": <unix seconds>}` as "start from this moment".
    `queued_at` (the beat sweep's tasks): do nothing when a sync has finished since then.
    """
    started_at = timezone.now()
    relax_commit_durability()
    lease = new_lease(connection_id=connection_id)
    claimed = lease.claim(now=started_at, not_synced_since=queued_at)
    if claimed is None:
        return None
    connection, stored_cursors = claimed
    run = _Run(started_at=started_at, started_monotonic=time.monotonic())
    try:
        with http.before_each_request(lambda: lease.renew(now=timezone.now())):
            if connection.credentials_unreadable:
                _mark_unreadable(connection)
                lease.release()
                return None
            start = ({"since": int(since.timestamp())} if since is not None else {}) if reset_cursors else None
            _walk_streams(
                connection, run=run, lease=lease, stored=stored_cursors, streams=streams, start=start, on_page=on_page
            )
            lease.renew(now=timezone.now())  # the finish below trusts the lease for one more renewal interval
    except LockLost:
        logger.warning("sync of connection %s lost its lease; stopping", connection_id)
        return None
    except BaseException:
        lease.release()
        raise
    try:
        return _finish(connection, run=run, lease=lease)
    except LockLost:
        logger.warning("sync of connection %s lost its lease before it could finish; nothing recorded", connection_id)
        return None
    except BaseException:
        lease.release()
        raise


class _Buffer:
    """Pages read but not written yet, from one or more streams, with the cursor each stream reached.

    Writing them in one transaction (records, quarantined items, and the cursors together) keeps
    the rule "a cursor is never saved ahead of its data" while a sync with a few new items costs
    one upsert instead of one per page.
    """

    def __init__(self, connection: Connection, *, stored: dict[str, Any]) -> None:
        self.connection = connection
        self.saved = dict(stored)  # stream → the cursor the database holds; an unchanged one is not rewritten
        self.records: list[Any] = []
        self.quarantined: dict[str, list[Any]] = {}
        self.cursors: dict[str, dict] = {}  # stream → cursor reached by the buffered pages

    def add(self, *, stream: str, page: Any) -> None:
        self.records.extend(page.records)
        if page.quarantined:
            self.quarantined.setdefault(stream, []).extend(page.quarantined)
        self.cursors[stream] = page.cursor

    @property
    def has_data(self) -> bool:
        return bool(self.records or self.quarantined)

    def flush(self, *, run: _Run, lease: Lease) -> None:
        from interactions.services import upsert_records

        moved = {stream: value for stream, value in self.cursors.items() if value != self.saved.get(stream, {})}
        if not self.has_data:
            for stream in self.cursors:  # cursor moves with nothing to write: at the end, with the run
                if stream in moved:
                    run.pending_cursors[stream] = moved[stream]
                else:
                    run.pending_cursors.pop(stream, None)
            self.cursors = {}
            return
        if self.records:
            # Before the transaction: an Ozon name lookup is a network call.
            self.records = with_product_names(connection=self.connection, records=self.records)
        held_until = lease.until
        try:
            with transaction.atomic():
                if self.records:
                    result = upsert_records(connection=self.connection, records=self.records)
                    run.created += result.created
                    run.updated += result.updated
                for stream, entries in self.quarantined.items():
                    run.quarantined += quarantine_items(self.connection, stream=stream, entries=entries)
                save_cursors(self.connection.pk, moved)
                # Last, so the connection row stays locked only until the commit: nobody can claim it between
                # this check and the commit, and a sync that lost its lease writes nothing of this batch.
                lease.renew(now=timezone.now(), force=True)
        except BaseException:
            lease.until = held_until  # the renewal rolled back with the batch
            raise
        self.saved.update(moved)
        for stream in self.cursors:
            run.pending_cursors.pop(stream, None)
        self.records, self.quarantined, self.cursors = [], {}, {}


def _walk_streams(
    connection: Connection,
    *,
    run: _Run,
    lease: Lease,
    stored: dict[str, Any],
    streams: list[str] | None,
    start: dict | None,
    on_page: Callable[[str, Any], None] | None,
) -> None:
    from integrations.errors import AuthFailed

    buffer = _Buffer(connection, stored=stored)
    try:
        for stream in _streams_to_walk(connection, streams, buffer=buffer, run=run, lease=lease):
            run.streams.append(stream)
            try:
                _walk_stream(
                    connection,
                    stream=stream,
                    cursor=dict(start)
                    if start is not None
                    else resume_cursor(stream=stream, cursor=stored.get(stream, {})),
                    buffer=buffer,
                    run=run,
                    lease=lease,
                    on_page=on_page,
                )
                run.streams_ok += 1
            except AuthFailed as exc:
                run.record_error(stream=stream, error=exc)
                run.auth_error = exc
                return
            except (LockLost, _WriteFailed):
                raise
            except Exception as exc:
                if not _is_integration_error(exc):
                    logger.exception("sync of connection %s stream %s failed", connection.pk, stream)
                else:
                    logger.info("sync of connection %s stream %s stopped: %s", connection.pk, stream, exc.code)
                run.record_error(stream=stream, error=exc)
    except _WriteFailed:
        return
    finally:
        # What was read before a stream failed is still good: write it.
        if buffer.records or buffer.quarantined or buffer.cursors:
            _flush(buffer, run=run, lease=lease, quiet=True)


def _streams_to_walk(
    connection: Connection, wanted: list[str] | None, *, buffer: _Buffer, run: _Run, lease: Lease
) -> Any:
    """The feeds, then the read-back of our answers while one awaits the marketplace's verdict (asked after the
    feeds are written, so an answer they just brought in is not looked up twice)."""
    yield from streams_for(connection, wanted)
    answers = answer_stream_for(connection, wanted)
    if answers is None:
        return
    from interactions.selectors import answers_waiting

    if buffer.records or buffer.quarantined or buffer.cursors:
        _flush(buffer, run=run, lease=lease)
    if answers_waiting(connection_id=connection.pk):
        yield answers


class _WriteFailed(Exception):
    """Writing a batch to the inbox failed; the run stops (its items are read again next time)."""


def _flush(buffer: _Buffer, *, run: _Run, lease: Lease, quiet: bool = False) -> None:
    try:
        buffer.flush(run=run, lease=lease)
    except LockLost:
        raise  # never quiet: a sync that lost its lease stops (and writes nothing more)
    except Exception as exc:
        logger.exception("sync of connection %s could not write a batch", buffer.connection.pk)
        run.record_error(stream=",".join(buffer.cursors) or "inbox", error=exc)
        run.streams_ok = max(0, run.streams_ok - len(buffer.cursors))
        buffer.records, buffer.quarantined, buffer.cursors = [], {}, {}
        if not quiet:
            raise _WriteFailed from exc


def _is_integration_error(exc: BaseException) -> bool:
    from integrations.errors import IntegrationError

    return isinstance(exc, IntegrationError)


def _walk_stream(
    connection: Connection,
    *,
    stream: str,
    cursor: dict,
    buffer: _Buffer,
    run: _Run,
    lease: Lease,
    on_page: Callable[[str, Any], None] | None,
) -> None:
    """Read one stream page by page from `cursor` until the marketplace says there is no more."""
    max_pages = _setting("SYNC_MAX_PAGES_PER_STREAM", 200)
    flush_at = _setting("SYNC_FLUSH_RECORDS", 500)
    for _ in range(max_pages):
        lease.renew(now=timezone.now())
        page = _fetch_page_with_retries(connection, stream=stream, cursor=cursor, run=run)
        run.pages += 1
        run.fetched += len(page.records) + len(page.quarantined)
        run.product_ids.update(int(nm_id) for nm_id in page.product_ids or ())
        if page.records or page.quarantined or page.cursor != cursor:
            buffer.add(stream=stream, page=page)
        if len(buffer.records) >= flush_at:
            _flush(buffer, run=run, lease=lease)
        cursor = page.cursor
        if on_page is not None:
            on_page(stream, page)
        if page.done:
            return
    run.more_pending = True


def _fetch_page_with_retries(connection: Connection, *, stream: str, cursor: dict, run: _Run) -> Any:
    """Transient failures (5xx, timeouts, a page that does not parse) get a few quick retries."""
    from integrations.errors import RateLimited, TransientError

    attempts = max(1, int(_setting("SYNC_PAGE_ATTEMPTS", 4)))
    base = float(_setting("SYNC_PAGE_RETRY_BASE_SECONDS", 0.5))
    for attempt in range(1, attempts + 1):
        try:
            page = fetch_page(connection, stream=stream, cursor=cursor)
        except RateLimited:
            run.requests += 1
            raise
        except TransientError:
            run.requests += 1
            if attempt == attempts:
                raise
            time.sleep(services.backoff_seconds(attempt=attempt, base=base, cap=10.0))
            continue
        run.requests += page.requests
        return page
    raise AssertionError("unreachable")


UNREADABLE_TEXT = "Ключ подключения не удаётся расшифровать. Введите ключ заново."


def _mark_unreadable(connection: Connection) -> None:
    now = timezone.now()
    Connection.objects.filter(pk=connection.pk).update(
        status=Connection.Status.INVALID,
        last_error=UNREADABLE_TEXT,
        last_error_code="credentials_unreadable",
        last_error_at=now,
    )
    logger.error("connection %s has credentials that no configured key decrypts", connection.pk)
    services.connection_mark_broken(connection=connection, reason=UNREADABLE_TEXT, now=now)


def _finish(connection: Connection, *, run: _Run, lease: Lease) -> SyncRun:
    finished_at = timezone.now()
    if run.auth_error is not None or (run.errors and run.streams_ok == 0):
        status = SyncRun.Status.FAILED
    elif run.errors:
        status = SyncRun.Status.PARTIAL
    else:
        status = SyncRun.Status.OK
    sync_run = SyncRun(
        connection=connection,
        status=status,
        started_at=run.started_at,
        finished_at=finished_at,
        duration_ms=int((time.monotonic() - run.started_monotonic) * 1000),
        streams=run.streams,
        pages=run.pages,
        fetched=run.fetched,
        created=run.created,
        updated=run.updated,
        quarantined=run.quarantined,
        errors=run.errors,
    )
    next_sync_in = sync_interval_seconds()
    if run.more_pending:
        next_sync_in = min(next_sync_in, 1.0)
    next_sync_in = max(next_sync_in, run.retry_after)
    fields: dict[str, Any] = {
        "last_sync_at": finished_at,
        "next_sync_at": finished_at + timedelta(seconds=next_sync_in),
    }
    health_error = run.auth_error or run.failure
    if health_error is not None:
        fields.update(services.failure_fields(connection=connection, error=health_error, now=finished_at))
    else:
        fields.update(services.success_fields(now=finished_at))
    lease.finish(run=sync_run, connection_fields=fields, cursors=run.pending_cursors, now=finished_at)
    if run.auth_error is not None:
        # After the finish: only a sync that still held its lease records the refusal.
        services.connection_mark_broken(connection=connection, reason=str(run.auth_error), now=finished_at)
    if run.product_ids:
        _refresh_cards_later(sorted(run.product_ids))
    return sync_run


def _refresh_cards_later(nm_ids: list[int]) -> None:
    try:
        enqueue_card_refresh(nm_ids)
    except Exception as exc:  # product cards are decoration: a broker hiccup must not fail the sync
        logger.warning("could not queue product card refresh: %s", type(exc).__name__)
