"""A connection whose key is refused tells the shop's owners once per break, with an e-mail, over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection as db_connection
from django.utils import timezone

from agentiq.celery import app as celery_app
from integrations import services
from integrations.errors import AuthFailed, SubscriptionRequired, TransientError
from integrations.models import Connection
from integrations.sync.engine import sync_connection
from notifications.models import Notification
from notifications.services import send_notification_emails
from sandbox.credentials import mint_wb_token
from tests.factories import ConnectionFactory, UserFactory, sandbox_connection

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_tasks():
    # Product-card refreshes the sync queues run inline instead of going to a broker.
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def owners(seller, owner, agent):
    return [owner, UserFactory(seller=seller, role="owner")]


@pytest.fixture
def refused(sandbox, sandbox_shop, seller):
    """A WB connection whose token the marketplace refuses."""
    sandbox.state.configure(rate_limits=False)
    bad_token = sandbox_shop.mint_wb_token(expires_at=timezone.now() - timedelta(days=1))
    return sandbox_connection(sandbox_shop, seller=seller, name="Основной", wb_token=bad_token)


def notices(connection: Connection) -> list[Notification]:
    return list(Notification.objects.filter(connection=connection).order_by("recipient_id", "id"))


def test_a_refused_key_tells_every_owner_once_with_one_email_each(refused, owners, agent):
    run = sync_connection(connection_id=refused.pk)

    assert run.errors[0]["code"] == "auth_failed"
    refused.refresh_from_db()
    assert refused.status == Connection.Status.INVALID and refused.broken_at is not None
    told = notices(refused)
    assert [n.recipient_id for n in told] == sorted(owner.pk for owner in owners)  # not the agent
    for notice in told:
        assert notice.kind == Notification.Kind.CONNECTION_BROKEN
        assert notice.seller_id == refused.seller_id and notice.wants_email is True
        assert notice.dedupe_key == f"connection:{refused.pk}:{refused.broken_at.isoformat()}"
        assert notice.text.startswith("Подключение «Основной» (Wildberries) не работает: Wildberries не принял")
        assert refused.wb_token not in notice.text

    assert send_notification_emails() == 2
    assert send_notification_emails() == 0
    assert sorted(message.to[0] for message in mail.outbox) == sorted(owner.email for owner in owners)
    assert all(message.subject == "AgentIQ: подключение не работает" for message in mail.outbox)
    assert all(refused.wb_token not in message.body for message in mail.outbox)


def test_a_connection_broken_for_days_is_told_once(refused, owners):
    sync_connection(connection_id=refused.pk)
    # Later: the sync no longer runs, but replies and the seller's checks keep hitting the refused key.
    assert sync_connection(connection_id=refused.pk) is None
    for _ in range(3):
        services.connection_record_failure(
            connection=refused, error=AuthFailed(), now=timezone.now() + timedelta(days=2)
        )

    assert len(notices(refused)) == len(owners)


def test_it_is_told_again_when_it_breaks_again_after_working(refused, owners):
    sync_connection(connection_id=refused.pk)
    services.connection_record_success(connection=refused)  # a check went through: the key works again
    refused.refresh_from_db()
    assert refused.broken_at is None

    services.connection_record_failure(connection=refused, error=AuthFailed())

    assert len(notices(refused)) == 2 * len(owners)
    assert len({n.dedupe_key for n in notices(refused)}) == 2


def test_new_credentials_start_a_new_break_when_they_are_refused_too(refused, owners, owner_client):
    sync_connection(connection_id=refused.pk)
    # A well-formed token the sandbox did not sign: accepted by the form, refused by the marketplace.
    foreign = mint_wb_token(
        shop_no=3, secret="another-test-secret-0123456789abcdef", expires_at=timezone.now() + timedelta(days=30)
    )

    response = owner_client.patch(f"/api/connections/{refused.pk}", {"token": foreign}, format="json")
    assert response.status_code == 200
    refused.refresh_from_db()
    assert refused.broken_at is None and refused.status == Connection.Status.ACTIVE
    sync_connection(connection_id=refused.pk)

    assert len(notices(refused)) == 2 * len(owners)


def test_ozon_without_premium_says_what_is_missing(sandbox, sandbox_shop, seller, owner):
    sandbox.state.configure(rate_limits=False)
    sandbox_shop.settings(premium=False)
    connection = sandbox_connection(sandbox_shop, marketplace="ozon", seller=seller)

    sync_connection(connection_id=connection.pk)

    (notice,) = notices(connection)
    assert notice.recipient == owner
    assert "(Ozon) не работает: " + SubscriptionRequired.default_message in notice.text


def test_a_key_that_no_longer_decrypts_is_a_break(sandbox, sandbox_shop, seller, owner):
    connection = sandbox_connection(sandbox_shop, seller=seller)
    with db_connection.cursor() as cursor:
        cursor.execute(
            "UPDATE integrations_connection SET wb_token = %s WHERE id = %s",
            ["gAAAAABnX2lhb3N0aGVyLWtleS1jaXBoZXJ0ZXh0LWZvci10ZXN0cw==", connection.pk],
        )

    assert sync_connection(connection_id=connection.pk) is None

    (notice,) = notices(connection)
    assert "не удаётся расшифровать" in notice.text


def test_a_rejected_key_on_check_is_a_break(refused, owners, owner_client):
    response = owner_client.post(f"/api/connections/{refused.pk}/check")

    assert response.status_code == 400
    assert len(notices(refused)) == len(owners)


def test_a_marketplace_that_is_down_breaks_nothing(seller, owner):
    connection = ConnectionFactory(seller=seller)

    services.connection_record_failure(connection=connection, error=TransientError())

    connection.refresh_from_db()
    assert connection.status == Connection.Status.ERROR and connection.broken_at is None
    assert notices(connection) == []


def test_a_shop_without_active_owners_breaks_quietly(seller, agent):
    connection = ConnectionFactory(seller=seller)

    assert services.connection_mark_broken(connection=connection, reason="Ключ не принят.", now=timezone.now())
    assert not services.connection_mark_broken(connection=connection, reason="Ключ не принят.", now=timezone.now())

    assert notices(connection) == []
