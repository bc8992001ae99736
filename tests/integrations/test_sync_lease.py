"""The sync lease: a live sync keeps its connection however long it runs, a dead one gives it up within one
short lease, and a sync that lost its lease writes nothing more."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from integrations.models import Connection, SyncCursor, SyncRun
from integrations.selectors import connections_due
from integrations.sync.engine import sync_connection
from integrations.sync.truth_audit import audit_connection
from interactions.models import Interaction
from tests.factories import sandbox_connection
from tests.processes import child_env, wait_for

ROOT = Path(__file__).resolve().parents[2]


def is_due(connection) -> bool:
    return connections_due(now=timezone.now()).filter(pk=connection.pk).exists()


@pytest.mark.django_db
def test_a_running_sync_renews_its_lease_and_no_second_sync_starts(sandbox, sandbox_shop, settings):
    settings.SYNC_LEASE_SECONDS = 2.5
    settings.SYNC_LEASE_RENEW_SECONDS = 0.5
    sandbox.state.configure(rate_limits=False)
    sandbox_shop.add_traffic(chats=3, chat_messages=150, marketplace="wb")  # a few pages of chat events
    sandbox.state.set_faults(rate=0.0, kinds=[], latency_ms=800)  # each call takes longer than a renewal interval
    connection = sandbox_connection(sandbox_shop)
    second_syncs = []

    def another_worker_tries(stream, page):
        second_syncs.append(sync_connection(connection_id=connection.pk))
        second_syncs.append(is_due(connection))

    started = time.monotonic()
    run = sync_connection(connection_id=connection.pk, on_page=another_worker_tries)
    elapsed = time.monotonic() - started

    assert elapsed > 2 * settings.SYNC_LEASE_SECONDS, "the sync was too short to need a renewal"
    assert run is not None and run.status == SyncRun.Status.OK
    assert len(second_syncs) >= 8
    assert not any(second_syncs), "a second sync started (or the connection looked due) while the first ran"
    assert SyncRun.objects.filter(connection=connection).count() == 1
    assert audit_connection(connection=connection, truth=sandbox_shop.truth()).ok


@pytest.mark.django_db
def test_a_sync_that_lost_its_lease_writes_nothing_more(sandbox, sandbox_shop):
    sandbox.state.configure(rate_limits=False)
    connection = sandbox_connection(sandbox_shop)
    theirs = timezone.now() + timedelta(minutes=1)

    def another_worker_takes_over(stream, page):
        # Our lease ran out while we were stuck, and another worker claimed the connection.
        Connection.objects.filter(pk=connection.pk).update(sync_lock_until=theirs)

    assert sync_connection(connection_id=connection.pk, on_page=another_worker_takes_over) is None

    assert not Interaction.objects.filter(connection=connection).exists()
    assert not SyncCursor.objects.filter(connection=connection).exists()
    assert not SyncRun.objects.filter(connection=connection).exists()
    connection.refresh_from_db()
    assert connection.sync_lock_until == theirs


@pytest.mark.django_db
def test_a_sync_that_dies_is_due_again_when_its_lease_runs_out(sandbox, sandbox_shop, settings):
    from integrations.sync.engine import new_lease

    settings.SYNC_LEASE_SECONDS = 60
    connection = sandbox_connection(sandbox_shop)
    now = timezone.now()
    Connection.objects.filter(pk=connection.pk).update(next_sync_at=now + timedelta(minutes=5))  # as queued

    assert new_lease(connection_id=connection.pk).claim(now=now) is not None  # ... and the worker dies here

    assert not connections_due(now=now + timedelta(seconds=59)).filter(pk=connection.pk).exists()
    assert connections_due(now=now + timedelta(seconds=60)).filter(pk=connection.pk).exists()


@pytest.mark.skipif(
    not settings.IS_POSTGRES, reason="the killed sync runs in another process: it needs a shared database"
)
@pytest.mark.django_db(transaction=True)
def test_a_sync_killed_mid_page_is_taken_over_within_the_lease(sandbox, sandbox_shop, tmp_path):
    lease_seconds, renew_seconds = 3.0, 0.5
    sandbox.state.configure(rate_limits=False)
    sandbox_shop.add_traffic(chats=5, chat_messages=1000, marketplace="wb")  # twenty pages of chat events
    sandbox.state.set_faults(rate=0.0, kinds=[], latency_ms=700)
    connection = sandbox_connection(sandbox_shop)
    log = (tmp_path / "child.log").open("w+")
    child = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "sync_seller", f"connection:{connection.pk}", "--verbosity", "0"],
        cwd=ROOT,
        env=child_env(sandbox.url, SYNC_LEASE_SECONDS=lease_seconds, SYNC_LEASE_RENEW_SECONDS=renew_seconds),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: chat_pages_read(sandbox) >= 2 or child.poll() is not None, timeout=60)
        assert child.poll() is None, (tmp_path / "child.log").read_text()

        # Alive and renewing: for more than two leases nobody else syncs it, and the sweep does not queue it.
        alive_until = time.monotonic() + 2.5 * lease_seconds
        while time.monotonic() < alive_until:
            assert sync_connection(connection_id=connection.pk) is None
            assert not is_due(connection)
            time.sleep(0.25)
        assert child.poll() is None, "the first sync ended before it could be killed"

        child.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        log.close()
    sandbox.state.set_faults(rate=0.0, kinds=[], latency_ms=0)

    wait_for(lambda: is_due(connection), timeout=lease_seconds + 5, interval=0.05)
    reclaimed_after = time.monotonic() - killed_at
    run = sync_connection(connection_id=connection.pk)

    assert reclaimed_after <= lease_seconds + 1.0
    assert run is not None and run.status == SyncRun.Status.OK
    assert audit_connection(connection=connection, truth=sandbox_shop.truth()).ok


def chat_pages_read(sandbox) -> int:
    return sandbox.state.stats()["by_path"].get("/api/v1/seller/events", 0)
