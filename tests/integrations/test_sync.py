"""The sync engine over real HTTP against the sandbox marketplace: the database ends up equal to its truth."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection as db_connection
from django.utils import timezone

from agentiq.celery import app as celery_app
from integrations.models import Connection, ProductCard, SyncCursor, SyncRun
from integrations.sync.engine import sync_connection
from integrations.sync.truth_audit import audit_connection
from interactions.models import Interaction, InteractionEvent, Kind, Message, Status
from tests.factories import sandbox_connection

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_tasks():
    # Tasks the sync queues (product cards) run inline, against the same sandbox.
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def quiet_sandbox(sandbox):
    sandbox.state.configure(rate_limits=False)
    return sandbox


def sync_until_done(connection: Connection, *, rounds: int = 10) -> list[SyncRun]:
    runs = []
    for _ in range(rounds):
        run = sync_connection(connection_id=connection.pk)
        assert run is not None
        runs.append(run)
        connection.refresh_from_db()
        if run.status == SyncRun.Status.OK and connection.next_sync_at > timezone.now() + timedelta(seconds=5):
            return runs
    return runs


def test_wb_sync_brings_every_feedback_question_and_chat(quiet_sandbox, sandbox_shop):
    sandbox_shop.add_traffic(reviews=3, questions=3, chats=2, chat_messages=4, marketplace="wb")
    connection = sandbox_connection(sandbox_shop)

    runs = sync_until_done(connection)

    audit = audit_connection(connection=connection, truth=sandbox_shop.truth())
    assert audit.interactions > 0
    assert audit.ok, audit
    first = runs[0]
    assert first.status == SyncRun.Status.OK
    assert first.streams == ["wb_feedbacks", "wb_questions", "wb_chats"]
    assert first.pages >= 3
    assert sum(run.created for run in runs) == audit.interactions
    assert sum(run.fetched for run in runs) >= audit.interactions
    connection.refresh_from_db()
    assert connection.status == Connection.Status.ACTIVE
    assert connection.last_run_id == runs[-1].pk
    assert connection.last_success_at is not None
    assert connection.sync_lock_until is None
    assert set(SyncCursor.objects.filter(connection=connection).values_list("stream", flat=True)) == set(first.streams)
    assert Interaction.objects.filter(connection=connection, kind=Kind.CHAT).exclude(reply_context={}).exists()
    nm_ids = set(
        Interaction.objects.filter(connection=connection).exclude(product_id="").values_list("product_id", flat=True)
    )
    assert ProductCard.objects.filter(nm_id__in=[int(n) for n in nm_ids]).count() == len(nm_ids)


def test_ozon_sync_brings_buyer_chats_reviews_and_questions(quiet_sandbox, sandbox_shop):
    sandbox_shop.add_traffic(reviews=2, questions=2, chats=2, chat_messages=2, marketplace="ozon")
    connection = sandbox_connection(sandbox_shop, marketplace="ozon")

    sync_until_done(connection)

    truth = sandbox_shop.truth()
    audit = audit_connection(connection=connection, truth=truth)
    assert audit.interactions > 0
    assert audit.ok, audit
    support_chats = {c["chat_id"] for c in truth["ozon"]["chats"] if c["chat_type"] != "Buyer_Seller"}
    assert not Interaction.objects.filter(connection=connection, external_id__in=support_chats).exists()


def test_resync_with_nothing_new_adds_nothing(quiet_sandbox, sandbox_shop):
    connection = sandbox_connection(sandbox_shop)
    sync_until_done(connection)
    counts = (Interaction.objects.count(), Message.objects.count(), InteractionEvent.objects.count())

    run = sync_connection(connection_id=connection.pk)

    assert run.status == SyncRun.Status.OK
    assert (run.created, run.updated) == (0, 0)
    assert (Interaction.objects.count(), Message.objects.count(), InteractionEvent.objects.count()) == counts


def test_quiet_runs_fold_into_one_row_and_leave_the_cursors_alone(quiet_sandbox, sandbox_shop):
    connection = sandbox_connection(sandbox_shop)
    sync_until_done(connection)
    cursors = {c.stream: (c.value, c.updated_at) for c in SyncCursor.objects.filter(connection=connection)}

    first_quiet = sync_connection(connection_id=connection.pk)
    rows = SyncRun.objects.filter(connection=connection).count()
    again = [sync_connection(connection_id=connection.pk) for _ in range(3)]

    assert first_quiet.is_quiet
    assert {run.pk for run in again} == {first_quiet.pk}
    assert SyncRun.objects.filter(connection=connection).count() == rows
    folded = SyncRun.objects.get(pk=first_quiet.pk)
    assert folded.repeats == 3 and folded.finished_at == again[-1].finished_at
    connection.refresh_from_db()
    assert connection.last_run_id == first_quiet.pk and connection.sync_lock_until is None
    assert {c.stream: (c.value, c.updated_at) for c in SyncCursor.objects.filter(connection=connection)} == cursors

    # News starts a row of its own, and the quiet run after it starts another.
    sandbox_shop.add_traffic(reviews=1, marketplace="wb")
    busy = sync_connection(connection_id=connection.pk)
    quiet_again = sync_connection(connection_id=connection.pk)
    # (a new WB review is now and then an edit of an older one: an update, not a creation)
    assert busy.created + busy.updated >= 1 and not busy.is_quiet
    assert len({first_quiet.pk, busy.pk, quiet_again.pk}) == 3

    # Past the fold window a quiet run starts a new row too.
    SyncRun.objects.filter(pk=quiet_again.pk).update(started_at=timezone.now() - timedelta(hours=2))
    assert sync_connection(connection_id=connection.pk).pk != quiet_again.pk


def test_a_buyers_new_message_reopens_the_chat(quiet_sandbox, sandbox_shop):
    connection = sandbox_connection(sandbox_shop)
    sync_until_done(connection)
    Interaction.objects.filter(connection=connection).update(status=Status.CLOSED, needs_response=False)

    sandbox_shop.add_traffic(chat_messages=1, marketplace="wb")
    sync_until_done(connection)

    reopened = Interaction.objects.filter(connection=connection, kind=Kind.CHAT, needs_response=True)
    assert reopened.count() == 1
    chat = reopened.get()
    assert chat.status == Status.OPEN
    assert chat.events.filter(kind=InteractionEvent.Kind.BUYER_MESSAGE).exists()
    assert audit_connection(connection=connection, truth=sandbox_shop.truth()).ok


def test_new_items_arriving_between_syncs_are_all_picked_up(quiet_sandbox, sandbox_shop):
    wb = sandbox_connection(sandbox_shop)
    ozon = sandbox_connection(sandbox_shop, marketplace="ozon", seller=wb.seller)
    for _ in range(3):
        sandbox_shop.add_traffic(reviews=4, questions=3, chats=2, chat_messages=5)
        sync_until_done(wb)
        sync_until_done(ozon)

    truth = sandbox_shop.truth()
    assert audit_connection(connection=wb, truth=truth).ok
    assert audit_connection(connection=ozon, truth=truth).ok


@pytest.mark.slow
def test_fault_storm_converges_to_the_truth(sandbox, sandbox_shop, settings):
    """20 % of requests fail in every injected way; the sync keeps going until the inbox equals the truth."""
    settings.MARKETPLACE_TIMEOUT_SECONDS = 0.4
    settings.SYNC_PAGE_RETRY_BASE_SECONDS = 0.01
    sandbox.state.configure(rate_limits=False)
    wb = sandbox_connection(sandbox_shop)
    ozon = sandbox_connection(sandbox_shop, marketplace="ozon", seller=wb.seller)
    sandbox.state.set_faults(
        rate=0.2,
        kinds=["rate_limit", "server_error", "timeout", "malformed", "latency"],
        latency_ms=0,
        timeout_s=0.8,
        seed=7,
    )
    faults_seen = set()
    for _ in range(4):
        sandbox_shop.add_traffic(reviews=3, questions=3, chats=2, chat_messages=4)
        for connection in (wb, ozon):
            run = sync_connection(connection_id=connection.pk)
            faults_seen.update(error["code"] for error in run.errors)

    converged = set()
    for _ in range(40):
        for connection in (wb, ozon):
            if connection.pk in converged:
                continue
            run = sync_connection(connection_id=connection.pk)
            faults_seen.update(error["code"] for error in run.errors)
            if run.status == SyncRun.Status.OK:
                converged.add(connection.pk)
        if len(converged) == 2:
            break

    assert converged == {wb.pk, ozon.pk}, "the sync did not converge within 40 rounds"
    assert faults_seen, "no fault was injected: the test proves nothing"
    truth = sandbox_shop.truth()
    for connection in (wb, ozon):
        audit = audit_connection(connection=connection, truth=truth)
        assert audit.lost == 0, audit
        assert audit.duplicated == 0, audit
        connection.refresh_from_db()
        assert connection.status == Connection.Status.ACTIVE


def test_rejected_key_marks_the_connection_invalid_and_stops_syncing(quiet_sandbox, sandbox_shop):
    bad_token = sandbox_shop.mint_wb_token(expires_at=timezone.now() - timedelta(days=1))
    connection = sandbox_connection(sandbox_shop, wb_token=bad_token)

    run = sync_connection(connection_id=connection.pk)
    again = sync_connection(connection_id=connection.pk)

    assert run.status == SyncRun.Status.FAILED
    assert run.errors[0]["code"] == "auth_failed"
    assert len(run.streams) == 1  # stopped at the first refusal, no storm over the other streams
    assert again is None
    connection.refresh_from_db()
    assert connection.status == Connection.Status.INVALID
    assert "не принял" in connection.last_error
    assert bad_token not in connection.last_error
    assert connection.sync_lock_until is None


def test_ozon_without_premium_says_so(quiet_sandbox, sandbox_shop):
    sandbox_shop.settings(premium=False)
    connection = sandbox_connection(sandbox_shop, marketplace="ozon")

    sync_connection(connection_id=connection.pk)

    connection.refresh_from_db()
    assert connection.status == Connection.Status.INVALID
    assert connection.last_error_code == "subscription_required"
    assert "Premium" in connection.last_error


def test_rate_limited_stream_waits_and_the_others_go_on(sandbox, sandbox_shop):
    sandbox.state.configure(rate_limits=False)
    sandbox.state.set_faults(rate=1.0, kinds=["rate_limit"], paths=["/api/v1/seller/"], seed=1)
    connection = sandbox_connection(sandbox_shop)

    run = sync_connection(connection_id=connection.pk)

    assert run.status == SyncRun.Status.PARTIAL
    assert [error["stream"] for error in run.errors] == ["wb_chats"]
    assert run.errors[0]["code"] == "rate_limited"
    assert Interaction.objects.filter(connection=connection, kind=Kind.REVIEW).exists()
    assert not Interaction.objects.filter(connection=connection, kind=Kind.CHAT).exists()
    connection.refresh_from_db()
    assert connection.status == Connection.Status.ACTIVE
    assert connection.next_sync_at >= run.finished_at + timedelta(seconds=1)


def test_marketplace_down_backs_off_exponentially(sandbox, sandbox_shop, settings):
    settings.SYNC_PAGE_RETRY_BASE_SECONDS = 0.01
    sandbox.state.configure(rate_limits=False)
    sandbox.state.set_faults(rate=1.0, kinds=["server_error"], seed=1)
    connection = sandbox_connection(sandbox_shop)

    first = sync_connection(connection_id=connection.pk)
    connection.refresh_from_db()
    first_backoff = connection.backoff_until - first.finished_at
    Connection.objects.filter(pk=connection.pk).update(backoff_until=None)
    second = sync_connection(connection_id=connection.pk)
    connection.refresh_from_db()

    assert first.status == second.status == SyncRun.Status.FAILED
    assert connection.status == Connection.Status.ERROR
    assert connection.consecutive_failures == 2
    assert connection.last_error  # words for the seller
    assert timedelta(seconds=10) <= first_backoff <= timedelta(seconds=31)
    assert connection.backoff_until - second.finished_at >= timedelta(seconds=29)

    sandbox.state.clear_faults()
    sync_connection(connection_id=connection.pk)
    connection.refresh_from_db()
    assert (connection.status, connection.consecutive_failures, connection.backoff_until) == ("active", 0, None)


def test_a_running_sync_is_never_joined_by_a_second(quiet_sandbox, sandbox_shop):
    connection = sandbox_connection(sandbox_shop)
    Connection.objects.filter(pk=connection.pk).update(sync_lock_until=timezone.now() + timedelta(minutes=5))

    assert sync_connection(connection_id=connection.pk) is None
    assert not Interaction.objects.filter(connection=connection).exists()

    # A lock left by a killed worker expires on its own.
    Connection.objects.filter(pk=connection.pk).update(sync_lock_until=timezone.now() - timedelta(seconds=1))
    assert sync_connection(connection_id=connection.pk) is not None


@pytest.mark.skipif(
    not settings.IS_POSTGRES,
    reason="SQLite's shared in-memory test database refuses concurrent writers outright (table is locked)",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_syncing_the_same_connection_run_it_once(sandbox, sandbox_shop):
    sandbox.state.configure(rate_limits=False)
    sandbox.state.set_faults(rate=0.0, kinds=[], latency_ms=150, seed=1)
    connection = sandbox_connection(sandbox_shop)
    barrier = threading.Barrier(2)
    results = []

    def worker():
        barrier.wait()
        try:
            results.append(sync_connection(connection_id=connection.pk))
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(result is None for result in results) == [False, True]
    assert SyncRun.objects.filter(connection=connection).count() == 1
    assert audit_connection(connection=connection, truth=sandbox_shop.truth()).ok


def test_sync_seller_command_backfills_without_duplicates(quiet_sandbox, sandbox_shop, capsys):
    connection = sandbox_connection(sandbox_shop)

    call_command("sync_seller", str(connection.seller_id), verbosity=0)
    first = capsys.readouterr().out
    call_command("sync_seller", f"connection:{connection.pk}", "--backfill", verbosity=0)
    second = capsys.readouterr().out

    assert "synced 1 connection(s)" in first
    assert int(re.search(r"(\d+) created", first).group(1)) > 0
    assert re.search(r"\b0 created, 0 updated", second)
    assert audit_connection(connection=connection, truth=sandbox_shop.truth()).ok


def test_unreadable_credentials_are_never_sent(quiet_sandbox, sandbox_shop):
    connection = sandbox_connection(sandbox_shop)
    with db_connection.cursor() as cursor:  # a row encrypted under a key this process does not have
        cursor.execute(
            "UPDATE integrations_connection SET wb_token = %s WHERE id = %s",
            ["gAAAAABnX2lhb3N0aGVyLWtleS1jaXBoZXJ0ZXh0LWZvci10ZXN0cw==", connection.pk],
        )

    assert sync_connection(connection_id=connection.pk) is None

    connection.refresh_from_db()
    assert connection.status == Connection.Status.INVALID
    assert connection.last_error_code == "credentials_unreadable"
    assert not Interaction.objects.filter(connection=connection).exists()


def test_the_sync_interval_is_a_runtime_setting(quiet_sandbox, sandbox_shop):
    from agentiq.models import RuntimeSetting

    RuntimeSetting.objects.update_or_create(key="sync_interval_seconds", defaults={"value": 300})
    connection = sandbox_connection(sandbox_shop, marketplace="ozon")

    run = sync_connection(connection_id=connection.pk)

    connection.refresh_from_db()
    assert connection.next_sync_at - run.finished_at == timedelta(seconds=300)


def test_an_item_that_does_not_parse_is_quarantined_once_and_the_rest_syncs(quiet_sandbox, sandbox_shop):
    connection = sandbox_connection(sandbox_shop)
    shop = quiet_sandbox.state.shop(sandbox_shop.shop_no)
    broken = next(f for f in shop.feedbacks if f.parent_id is None and f.child_id is None)
    broken.rating = 7  # the marketplace sends a rating our normalization refuses

    first = sync_connection(connection_id=connection.pk)
    second = sync_connection(connection_id=connection.pk)

    from integrations.models import QuarantinedItem

    items = list(QuarantinedItem.objects.filter(connection=connection))
    assert [item.external_id for item in items] == [broken.id]
    assert '"productValuation": 7' in items[0].raw
    assert first.quarantined == 1
    assert second.quarantined == 0
    assert first.status == SyncRun.Status.OK
    audit = audit_connection(connection=connection, truth=sandbox_shop.truth())
    assert audit.missing_interactions == [(Kind.REVIEW, broken.id)]
    assert audit.lost == 1
