"""`/api/connections`: create, list, update, delete, sync now; credentials write-only; tenancy."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Connection
from sandbox.credentials import mint_wb_token, ozon_credentials
from tests.factories import ConnectionFactory, OzonConnectionFactory, SyncRunFactory

SECRET = "test-secret-for-connections-api-0123456789"
LIST_URL = "/api/connections"


def detail_url(connection_id: int) -> str:
    return f"/api/connections/{connection_id}"


def wb_token(shop_no: int = 11, **kwargs) -> str:
    return mint_wb_token(shop_no=shop_no, secret=SECRET, **kwargs)


def assert_no_secret(response, *secrets: str) -> None:
    body = json.dumps(response.json(), ensure_ascii=False) if response.content else ""
    for secret in secrets:
        assert secret not in body
    for key in ("token", "wb_token", "api_key", "ozon_api_key"):
        assert f'"{key}"' not in body


@pytest.mark.django_db
class TestCreate:
    def test_owner_connects_wb_and_sees_expiry_but_never_the_token(self, owner_client, seller, caplog):
        caplog.set_level(logging.DEBUG)
        expires = timezone.now() + timedelta(days=100)
        token = wb_token(expires_at=expires)

        response = owner_client.post(LIST_URL, {"marketplace": "wb", "name": "Основной", "token": token}, format="json")

        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["marketplace"] == "wb"
        assert body["name"] == "Основной"
        assert body["status"] == "active"
        assert body["token_expiring_soon"] is False
        assert abs(timezone.datetime.fromisoformat(body["token_expires_at"]) - expires) < timedelta(seconds=2)
        assert_no_secret(response, token)
        connection = Connection.objects.get(pk=body["id"])
        assert connection.seller == seller
        assert connection.wb_token == token
        assert connection.streams == ["wb_feedbacks", "wb_questions", "wb_chats"]
        assert token not in caplog.text

    def test_feedbacks_only_token_reads_feedbacks_and_questions_only(self, owner_client):
        response = owner_client.post(
            LIST_URL, {"marketplace": "wb", "token": wb_token(categories=("feedbacks",))}, format="json"
        )

        assert response.status_code == 201
        assert response.json()["streams"] == ["wb_feedbacks", "wb_questions"]
        assert Connection.objects.get(pk=response.json()["id"]).streams == ["wb_feedbacks", "wb_questions"]

    def test_token_expiring_within_a_week_is_flagged(self, owner_client):
        token = wb_token(expires_at=timezone.now() + timedelta(days=3))

        response = owner_client.post(LIST_URL, {"marketplace": "wb", "token": token}, format="json")

        assert response.status_code == 201
        assert response.json()["token_expiring_soon"] is True

    def test_owner_connects_ozon(self, owner_client):
        client_id, api_key = ozon_credentials(shop_no=12, secret=SECRET)

        response = owner_client.post(
            LIST_URL, {"marketplace": "ozon", "client_id": client_id, "api_key": api_key}, format="json"
        )

        assert response.status_code == 201
        assert_no_secret(response, api_key)
        connection = Connection.objects.get(pk=response.json()["id"])
        assert (connection.ozon_client_id, connection.ozon_api_key) == (client_id, api_key)
        assert response.json()["token_expires_at"] is None

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"marketplace": "wb"}, "token"),
            ({"marketplace": "wb", "token": "not-a-jwt"}, "token"),
            ({"marketplace": "wb", "token": "eyJhbGciOiJIUzI1NiJ9.bm9wZQ.c2ln"}, "token"),
            (
                {"marketplace": "ozon", "client_id": "abc", "api_key": "1b5e4f3a-2c1d-4e5f-8a9b-0c1d2e3f4a5b"},
                "client_id",
            ),
            ({"marketplace": "ozon", "client_id": "123", "api_key": "short"}, "api_key"),
            ({"marketplace": "ozon"}, "client_id"),
            ({"marketplace": "avito", "token": "x"}, "marketplace"),
            ({"token": "x"}, "marketplace"),
        ],
    )
    def test_bad_input_is_a_400_naming_the_field(self, owner_client, payload, field):
        response = owner_client.post(LIST_URL, payload, format="json")

        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid"
        assert field in body["errors"]
        assert Connection.objects.count() == 0

    def test_expired_read_only_and_categoryless_tokens_are_refused_in_words(self, owner_client):
        cases = [
            wb_token(expires_at=timezone.now() - timedelta(days=1)),
            wb_token(read_only=True),
            wb_token(categories=()),
        ]
        for token in cases:
            response = owner_client.post(LIST_URL, {"marketplace": "wb", "token": token}, format="json")
            assert response.status_code == 400
            message = response.json()["errors"]["token"][0]
            assert token not in message
            assert any(word in message for word in ("истёк", "только для чтения", "доступа"))
        assert Connection.objects.count() == 0

    def test_the_same_account_twice_is_a_conflict(self, owner_client):
        first = owner_client.post(LIST_URL, {"marketplace": "wb", "token": wb_token(shop_no=5)}, format="json")
        second = owner_client.post(LIST_URL, {"marketplace": "wb", "token": wb_token(shop_no=5)}, format="json")

        assert first.status_code == 201
        assert second.status_code == 409
        assert second.json()["code"] == "already_connected"
        assert Connection.objects.count() == 1

    def test_agent_cannot_connect(self, agent_client):
        response = agent_client.post(LIST_URL, {"marketplace": "wb", "token": wb_token()}, format="json")

        assert response.status_code == 403
        assert Connection.objects.count() == 0

    def test_anonymous_and_staff_without_shop_are_refused(self, anon_client, staff_client):
        assert anon_client.get(LIST_URL).status_code == 401
        assert staff_client.get(LIST_URL).status_code == 403


@pytest.mark.django_db
class TestRead:
    def test_list_shows_health_and_last_run_of_own_connections_only(self, agent_client, seller, other_owner):
        mine = ConnectionFactory(seller=seller, status=Connection.Status.ERROR, last_error="Маркетплейс недоступен")
        run = SyncRunFactory(connection=mine, fetched=12, created=10, updated=2, pages=3)
        Connection.objects.filter(pk=mine.pk).update(last_run=run, last_sync_at=run.finished_at)
        OzonConnectionFactory(seller=other_owner.seller)

        response = agent_client.get(LIST_URL)

        assert response.status_code == 200
        rows = response.json()
        assert [row["id"] for row in rows] == [mine.pk]
        row = rows[0]
        assert row["status"] == "error"
        assert row["status_display"] == "ошибка синхронизации"
        assert row["last_error"] == "Маркетплейс недоступен"
        assert row["last_run"]["fetched"] == 12
        assert row["last_run"]["created"] == 10
        assert row["last_sync_at"] is not None
        assert_no_secret(response, mine.wb_token)

    def test_list_costs_a_constant_number_of_queries(self, agent_client, seller, django_assert_max_num_queries):
        for _ in range(5):
            connection = ConnectionFactory(seller=seller)
            Connection.objects.filter(pk=connection.pk).update(last_run=SyncRunFactory(connection=connection))

        with django_assert_max_num_queries(4):
            response = agent_client.get(LIST_URL)

        assert len(response.json()) == 5


@pytest.mark.django_db
class TestUpdateDelete:
    def test_new_token_revives_an_invalid_connection(self, owner_client, seller):
        connection = ConnectionFactory(
            seller=seller,
            status=Connection.Status.INVALID,
            last_error="Маркетплейс не принял ключ",
            consecutive_failures=3,
            token_expiry_notified_at=timezone.now(),
            sync_lock_until=timezone.now() + timedelta(minutes=5),  # a sync still running on the old key
        )
        token = wb_token(shop_no=21)

        response = owner_client.patch(detail_url(connection.pk), {"token": token}, format="json")

        assert response.status_code == 200
        assert_no_secret(response, token)
        assert response.json()["status"] == "active"
        assert response.json()["last_error"] == ""
        connection.refresh_from_db()
        assert connection.wb_token == token
        assert connection.consecutive_failures == 0
        assert connection.token_expiry_notified_at is None
        assert connection.sync_lock_until is None

    def test_rename_and_disable(self, owner_client, seller):
        connection = ConnectionFactory(seller=seller)

        response = owner_client.patch(
            detail_url(connection.pk), {"name": "Склад 2", "is_enabled": False}, format="json"
        )

        assert response.status_code == 200
        assert (response.json()["name"], response.json()["is_enabled"]) == ("Склад 2", False)

    def test_bad_new_token_changes_nothing(self, owner_client, seller):
        connection = ConnectionFactory(seller=seller)
        old = connection.wb_token

        response = owner_client.patch(detail_url(connection.pk), {"token": "garbage"}, format="json")

        assert response.status_code == 400
        assert "token" in response.json()["errors"]
        connection.refresh_from_db()
        assert connection.wb_token == old

    def test_ozon_key_rotation_keeps_client_id(self, owner_client, seller):
        connection = OzonConnectionFactory(seller=seller, ozon_client_id="777")
        _, api_key = ozon_credentials(shop_no=777, secret=SECRET)

        response = owner_client.patch(detail_url(connection.pk), {"api_key": api_key}, format="json")

        assert response.status_code == 200
        connection.refresh_from_db()
        assert (connection.ozon_client_id, connection.ozon_api_key) == ("777", api_key)

    def test_agent_cannot_change_or_delete(self, agent_client, seller):
        connection = ConnectionFactory(seller=seller)

        assert agent_client.patch(detail_url(connection.pk), {"name": "x"}, format="json").status_code == 403
        assert agent_client.delete(detail_url(connection.pk)).status_code == 403
        assert Connection.objects.filter(pk=connection.pk, name=connection.name).exists()

    def test_owner_deletes(self, owner_client, seller):
        connection = ConnectionFactory(seller=seller)

        response = owner_client.delete(detail_url(connection.pk))

        assert response.status_code == 204
        assert not Connection.objects.filter(pk=connection.pk).exists()


@pytest.mark.django_db
class TestSyncNow:
    def test_sync_now_is_queued(self, agent_client, seller, django_capture_on_commit_callbacks):
        connection = ConnectionFactory(seller=seller, next_sync_at=timezone.now() + timedelta(hours=1))
        Connection.objects.filter(pk=connection.pk).update(backoff_until=timezone.now() + timedelta(hours=1))

        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = agent_client.post(f"{detail_url(connection.pk)}/sync")

        assert response.status_code == 202
        assert response.json()["running"] is False
        assert len(callbacks) == 1
        connection.refresh_from_db()
        assert connection.next_sync_at <= timezone.now()
        assert connection.backoff_until is None

    @pytest.mark.parametrize(
        ("fields", "code"),
        [
            ({"status": Connection.Status.INVALID}, "credentials_invalid"),
            ({"is_enabled": False}, "connection_disabled"),
        ],
    )
    def test_sync_now_refused_while_it_cannot_work(self, owner_client, seller, fields, code):
        connection = ConnectionFactory(seller=seller, **fields)

        response = owner_client.post(f"{detail_url(connection.pk)}/sync")

        assert response.status_code == 409
        assert response.json()["code"] == code


@pytest.mark.django_db
def test_another_shops_connection_is_a_404_on_every_endpoint(owner_client, other_owner):
    theirs = ConnectionFactory(seller=other_owner.seller)
    url = detail_url(theirs.pk)

    responses = [
        owner_client.get(url),
        owner_client.patch(url, {"name": "захват"}, format="json"),
        owner_client.delete(url),
        owner_client.post(f"{url}/check"),
        owner_client.post(f"{url}/sync"),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    assert all(r.json()["code"] == "not_found" for r in responses)
    theirs.refresh_from_db()
    assert theirs.name != "захват"


@pytest.mark.django_db
class TestCheck:
    """`POST /api/connections/{id}/check` proves the key against the (sandbox) marketplace."""

    @pytest.fixture(autouse=True)
    def _no_limits(self, sandbox):
        sandbox.state.configure(rate_limits=False)

    def test_working_key_is_confirmed_and_revives_the_connection(self, agent_client, seller, sandbox_shop):
        from tests.factories import sandbox_connection

        connection = sandbox_connection(sandbox_shop, seller=seller, status=Connection.Status.ERROR, last_error="x")

        response = agent_client.post(f"{detail_url(connection.pk)}/check")

        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["ok"] is True
        assert set(body["result"]["streams"]) == {"wb_feedbacks", "wb_questions", "wb_chats"}
        assert body["connection"]["status"] == "active"
        assert_no_secret(response, sandbox_shop.wb_token)

    def test_a_feedbacks_only_token_is_checked_on_its_own_streams(self, owner_client, seller, sandbox_shop):
        from tests.factories import sandbox_connection

        token = sandbox_shop.mint_wb_token(categories=("feedbacks",))
        connection = sandbox_connection(
            sandbox_shop, seller=seller, wb_token=token, streams=["wb_feedbacks", "wb_questions"]
        )

        response = owner_client.post(f"{detail_url(connection.pk)}/check")

        assert response.status_code == 200, response.json()
        assert set(response.json()["result"]["streams"]) == {"wb_feedbacks", "wb_questions"}
        connection.refresh_from_db()
        assert connection.status == Connection.Status.ACTIVE

    def test_rejected_key_is_a_400_in_words_and_marks_it_invalid(self, owner_client, seller, sandbox_shop):
        from tests.factories import sandbox_connection

        token = sandbox_shop.mint_wb_token(expires_at=timezone.now() - timedelta(minutes=1))
        connection = sandbox_connection(sandbox_shop, seller=seller, wb_token=token)

        response = owner_client.post(f"{detail_url(connection.pk)}/check")

        assert response.status_code == 400
        assert response.json()["code"] == "auth_failed"
        assert "токен" in response.json()["detail"]
        assert_no_secret(response, token)
        connection.refresh_from_db()
        assert connection.status == Connection.Status.INVALID

    def test_ozon_without_premium_says_what_is_missing(self, owner_client, seller, sandbox_shop):
        from tests.factories import sandbox_connection

        sandbox_shop.settings(premium=False)
        connection = sandbox_connection(sandbox_shop, seller=seller, marketplace="ozon")

        response = owner_client.post(f"{detail_url(connection.pk)}/check")

        assert response.status_code == 400
        assert response.json()["code"] == "subscription_required"
        assert "Premium" in response.json()["detail"]

    def test_marketplace_down_is_a_424(self, owner_client, seller, sandbox, sandbox_shop):
        from tests.factories import sandbox_connection

        connection = sandbox_connection(sandbox_shop, seller=seller, marketplace="ozon")
        sandbox.state.set_faults(rate=1.0, kinds=["server_error"], seed=1)

        response = owner_client.post(f"{detail_url(connection.pk)}/check")

        assert response.status_code == 424
        assert response.json()["code"] == "marketplace_unavailable"
        connection.refresh_from_db()
        assert connection.status == Connection.Status.ACTIVE
