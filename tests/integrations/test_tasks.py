"""Periodic tasks of the integrations app, run the way beat runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from integrations import tasks
from integrations.models import Connection
from notifications.models import Notification
from notifications.services import send_notification_emails
from tests.factories import ConnectionFactory, UserFactory
from tests.processes import child_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
class TestNotifyExpiringTokens:
    def test_owners_are_told_once_a_week_ahead(self, seller, owner, agent):
        second_owner = UserFactory(seller=seller, role="owner")
        expiring = ConnectionFactory(
            seller=seller, name="Основной", token_expires_at=timezone.now() + timedelta(days=3)
        )
        ConnectionFactory(seller=seller, token_expires_at=timezone.now() + timedelta(days=30))
        ConnectionFactory(seller=seller, token_expires_at=timezone.now() - timedelta(days=1))
        ConnectionFactory(token_expires_at=timezone.now() + timedelta(days=2), is_enabled=False)

        first = tasks.notify_expiring_tokens()
        second = tasks.notify_expiring_tokens()
        sent = send_notification_emails()

        assert (first, second) == (1, 0)
        notices = Notification.objects.filter(kind=Notification.Kind.TOKEN_EXPIRING).order_by("recipient_id")
        assert [n.recipient_id for n in notices] == sorted([owner.pk, second_owner.pk])
        assert all(n.connection_id == expiring.pk and n.wants_email for n in notices)
        assert sent == 2
        assert sorted(message.to[0] for message in mail.outbox) == sorted([owner.email, second_owner.email])
        assert all(len(message.to) == 1 for message in mail.outbox)
        assert agent.email not in [message.to[0] for message in mail.outbox]
        message = mail.outbox[0]
        assert "Основной" in message.body
        assert "токен" in message.subject.lower()
        assert expiring.wb_token not in message.body
        expiring.refresh_from_db()
        assert expiring.token_expiry_notified_at is not None
        assert send_notification_emails() == 0

    def test_new_token_gets_a_new_notice(self, owner_client, seller, owner):
        from sandbox.credentials import mint_wb_token

        connection = ConnectionFactory(seller=seller, token_expires_at=timezone.now() + timedelta(days=2))
        tasks.notify_expiring_tokens()
        token = mint_wb_token(
            shop_no=3, secret="another-test-secret-0123456789abcdef", expires_at=timezone.now() + timedelta(days=5)
        )

        owner_client.patch(f"/api/connections/{connection.pk}", {"token": token}, format="json")
        tasks.notify_expiring_tokens()
        send_notification_emails()

        assert Notification.objects.filter(recipient=owner, kind=Notification.Kind.TOKEN_EXPIRING).count() == 2
        assert len(mail.outbox) == 2

    def test_an_email_that_fails_is_sent_by_a_later_run_and_the_token_is_not_told_again(self, seller, owner):
        from notifications import services as notification_services

        ConnectionFactory(seller=seller, token_expires_at=timezone.now() + timedelta(days=2))
        tasks.notify_expiring_tokens()

        def smtp_down(*args, **kwargs):
            raise OSError("smtp down")

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(notification_services, "send_mail", smtp_down)
            assert send_notification_emails() == 0
        assert tasks.notify_expiring_tokens() == 0
        assert send_notification_emails() == 1

        assert [message.to for message in mail.outbox] == [[owner.email]]
        assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_due_selection_respects_backoff_lock_status_and_schedule():
    now = timezone.now()
    due = ConnectionFactory(next_sync_at=now - timedelta(seconds=1))
    backoff_over = ConnectionFactory(next_sync_at=now, backoff_until=now - timedelta(seconds=1))
    ConnectionFactory(next_sync_at=now + timedelta(minutes=1))
    ConnectionFactory(next_sync_at=now, backoff_until=now + timedelta(minutes=5))
    ConnectionFactory(next_sync_at=now, sync_lock_until=now + timedelta(minutes=5))
    ConnectionFactory(next_sync_at=now, status=Connection.Status.INVALID)
    ConnectionFactory(next_sync_at=now, is_enabled=False)
    ConnectionFactory(next_sync_at=now, seller__is_active=False)

    from integrations.services import connections_claim_due

    first = connections_claim_due(now=now)
    again = connections_claim_due(now=now + timedelta(seconds=30))

    assert sorted(first) == sorted([due.pk, backoff_over.pk])
    assert again == []  # already queued: not queued a second time while waiting


@pytest.fixture
def eager_tasks():
    from agentiq.celery import app as celery_app

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.mark.django_db
def test_sync_all_sellers_syncs_what_is_due_and_nothing_else(sandbox, sandbox_shop, eager_tasks):
    from integrations.models import SyncRun
    from tests.factories import sandbox_connection

    sandbox.state.configure(rate_limits=False)
    now = timezone.now()
    due = sandbox_connection(sandbox_shop, next_sync_at=now - timedelta(seconds=1))
    waiting = sandbox_connection(
        sandbox_shop, marketplace="ozon", seller=due.seller, next_sync_at=now, backoff_until=now + timedelta(minutes=1)
    )

    queued = tasks.sync_all_sellers()

    assert queued == 1
    assert SyncRun.objects.filter(connection=due).count() == 1
    assert not SyncRun.objects.filter(connection=waiting).exists()
    due.refresh_from_db()
    assert due.next_sync_at > timezone.now() + timedelta(seconds=20)  # the next one in about 30 s


@pytest.mark.django_db
def test_sandbox_demo_connect_is_idempotent_and_fills_the_inbox(sandbox, seller, eager_tasks):
    from integrations.sync.engine import sync_connection
    from interactions.models import Interaction
    from sandbox.demo import sandbox_demo_connect

    sandbox.state.configure(rate_limits=False)

    first = sandbox_demo_connect(seller=seller)
    second = sandbox_demo_connect(seller=seller)

    assert [c.pk for c in first] == [c.pk for c in second]
    assert sorted(c.marketplace for c in first) == ["ozon", "wb"]
    for connection in first:
        sync_connection(connection_id=connection.pk)
    assert set(Interaction.objects.filter(seller=seller).values_list("marketplace", flat=True)) == {"wb", "ozon"}


@pytest.mark.django_db
def test_prune_sync_runs_keeps_recent_history_and_every_last_run():
    from integrations.models import SyncRun
    from integrations.services import SYNC_RUNS_KEPT

    now = timezone.now()
    old = now - SYNC_RUNS_KEPT - timedelta(days=1)
    quiet = ConnectionFactory()
    busy = ConnectionFactory()
    quiet_last = SyncRun.objects.create(connection=quiet, started_at=old, finished_at=old, status="ok")
    quiet.last_run = quiet_last
    quiet.save(update_fields=["last_run"])
    stale = [SyncRun.objects.create(connection=busy, started_at=old, finished_at=old, status="ok") for _ in range(3)]
    recent = SyncRun.objects.create(connection=busy, started_at=now, finished_at=now, status="ok")

    assert tasks.prune_sync_runs() == len(stale)
    assert set(SyncRun.objects.values_list("pk", flat=True)) == {quiet_last.pk, recent.pk}
    assert tasks.prune_sync_runs() == 0


# --- Recovery: lost tasks, late duplicates, a broker restart -----------------------------------


@pytest.mark.django_db
def test_a_queued_connection_whose_sync_never_started_is_queued_again_after_the_grace(settings):
    from integrations.services import connections_claim_due

    settings.SYNC_ENQUEUED_GRACE_SECONDS = 60
    now = timezone.now()
    connection = ConnectionFactory(next_sync_at=now)

    assert connections_claim_due(now=now) == [connection.pk]
    # Its task is lost (the broker restarted, or a killed worker had reserved it): nothing starts it.
    assert connections_claim_due(now=now + timedelta(seconds=30)) == []
    assert connections_claim_due(now=now + timedelta(seconds=61)) == [connection.pk]


@pytest.mark.django_db
def test_a_late_duplicate_of_a_sync_task_does_nothing(sandbox, sandbox_shop, eager_tasks):
    from integrations.models import SyncRun
    from tests.factories import sandbox_connection

    sandbox.state.configure(rate_limits=False)
    connection = sandbox_connection(sandbox_shop)
    queued_at = timezone.now().isoformat()

    first = tasks.sync_connection(connection.pk, queued_at=queued_at)
    # The sweep queued it again meanwhile, thinking the first task lost; that copy turns up now.
    duplicate = tasks.sync_connection(connection.pk, queued_at=queued_at)
    asked_by_the_seller = tasks.sync_connection(connection.pk)

    assert first is not None
    assert duplicate is None
    assert asked_by_the_seller is not None
    assert SyncRun.objects.filter(connection=connection).count() == 2


TICK = """
import django
django.setup()
from integrations.tasks import sync_all_sellers
print(sync_all_sellers())
"""


@pytest.mark.skipif(
    not django_settings.IS_POSTGRES, reason="beat and the worker run in other processes: they need a shared database"
)
@pytest.mark.django_db(transaction=True)
def test_syncs_queued_just_before_a_broker_restart_run_soon_after_it(
    sandbox, sandbox_shop_factory, own_redis, tmp_path
):
    """Beat queues three syncs; the broker restarts and loses them; a worker comes up. The sweep queues them
    again once the (short, for the test) grace is over, and the worker syncs all three."""
    from integrations.models import SyncRun
    from tests.factories import sandbox_connection

    sandbox.state.configure(rate_limits=False)
    # Long enough that the "still within the grace" tick (a fresh process: Django start-up, seconds on a
    # loaded two-core box) really lands inside it.
    grace = 8.0
    connections = [sandbox_connection(sandbox_shop_factory(), next_sync_at=timezone.now()) for _ in range(3)]
    env = child_env(sandbox.url, REDIS_URL=own_redis.url(), SYNC_ENQUEUED_GRACE_SECONDS=grace)
    broker = redis.Redis.from_url(own_redis.url())

    assert tick(env) == 3
    assert broker.llen("sync") == 3
    own_redis.restart()  # no persistence: the three messages are gone
    restarted = time.monotonic()
    assert broker.llen("sync") == 0

    worker = start_worker(env, tmp_path)
    try:
        assert tick(env) == 0  # still within the grace: they might be on their way
        assert time.monotonic() - restarted < grace, "the machine is too slow for this test's grace"
        time.sleep(max(0.0, grace - (time.monotonic() - restarted)) + 0.1)
        assert tick(env) == 3
        deadline = time.monotonic() + 60
        while SyncRun.objects.filter(connection__in=connections).count() < 3:
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-3000:]
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            time.sleep(0.2)
    finally:
        stop_worker(worker)
    assert SyncRun.objects.filter(connection__in=connections, status=SyncRun.Status.OK).count() == 3


def tick(env: dict[str, str]) -> int:
    """One beat tick of `sync_all_sellers`, run as beat would: in its own process, on the test's broker."""
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", TICK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return int(result.stdout.split()[-1])


def start_worker(env: dict[str, str], tmp_path: Path) -> subprocess.Popen:
    log = (tmp_path / "worker.log").open("w")
    return subprocess.Popen(  # noqa: S603 (our own celery)
        [
            str(Path(sys.executable).parent / "celery"), "-A", "agentiq", "worker", "-Q", "sync", "--pool", "threads",
            "--concurrency", "2", "-n", f"test-{os.getpid()}@%h", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--loglevel", "INFO", "--pidfile", str(tmp_path / "worker.pid"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
