"""GET /api/notifications, POST /api/notifications/{id}/read and /read-all: each user sees only their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from notifications.models import Notification
from tests.factories import NotificationFactory, SellerFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/notifications"
READ_ALL_URL = "/api/notifications/read-all"


def read_url(notification_id: int) -> str:
    return f"/api/notifications/{notification_id}/read"


@pytest.fixture
def inbox(owner, agent, other_owner):
    """Three of the owner's (one read), one of the agent's, one of another shop's owner."""
    now = timezone.now()
    oldest = NotificationFactory(recipient=owner, created_at=now - timedelta(hours=3), read_at=now)
    middle = NotificationFactory(recipient=owner, created_at=now - timedelta(hours=2), kind="sla_breached")
    newest = NotificationFactory(recipient=owner, created_at=now - timedelta(hours=1), kind="connection_broken")
    NotificationFactory(recipient=agent)
    theirs = NotificationFactory(recipient=other_owner)
    return {"oldest": oldest, "middle": middle, "newest": newest, "theirs": theirs}


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_the_list_is_my_own_newest_first_with_the_unread_count(owner_client, inbox):
    response = owner_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert ids(response) == [inbox["newest"].pk, inbox["middle"].pk, inbox["oldest"].pk]
    assert body["unread_count"] == 2
    assert body["next_cursor"] is None
    row = body["results"][0]
    assert set(row) == {
        "id",
        "kind",
        "text",
        "seller",
        "interaction",
        "connection",
        "is_read",
        "read_at",
        "created_at",
    }
    assert row["kind"] == "connection_broken" and row["is_read"] is False and row["read_at"] is None
    assert row["seller"] == inbox["newest"].seller_id
    assert "dedupe_key" not in row and "wants_email" not in row


def test_unread_true_lists_only_unread_and_false_only_read(owner_client, inbox):
    unread = owner_client.get(LIST_URL, {"unread": "true"})
    read = owner_client.get(LIST_URL, {"unread": "false"})

    assert ids(unread) == [inbox["newest"].pk, inbox["middle"].pk]
    assert ids(read) == [inbox["oldest"].pk]
    assert unread.json()["unread_count"] == read.json()["unread_count"] == 2


def test_pages_follow_the_cursor_without_repeats(owner_client, owner):
    now = timezone.now()
    made = [NotificationFactory(recipient=owner, created_at=now - timedelta(minutes=n % 3)) for n in range(7)]

    seen: list[int] = []
    params = {"limit": "3"}
    for _ in range(5):
        response = owner_client.get(LIST_URL, params)
        assert response.status_code == 200
        seen += ids(response)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
        params = {"limit": "3", "cursor": cursor}

    expected = sorted(made, key=lambda n: (n.created_at, n.pk), reverse=True)
    assert seen == [n.pk for n in expected]


@pytest.mark.parametrize(
    "params",
    [{"unread": "maybe"}, {"limit": "0"}, {"limit": "101"}, {"cursor": "not-a-cursor"}, {"cursor": "a\x00b"}],
)
def test_bad_parameters_are_a_400_in_russian(owner_client, inbox, params):
    response = owner_client.get(LIST_URL, params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] in ("invalid", "invalid_cursor")
    assert set(body["errors"]) == set(params)


def test_reading_one_marks_it_and_lowers_the_count(owner_client, inbox):
    response = owner_client.post(read_url(inbox["newest"].pk))

    assert response.status_code == 200
    assert response.json()["id"] == inbox["newest"].pk and response.json()["is_read"] is True
    again = owner_client.post(read_url(inbox["newest"].pk))
    assert again.status_code == 200 and again.json()["read_at"] == response.json()["read_at"]
    assert owner_client.get(LIST_URL).json()["unread_count"] == 1


def test_read_all_marks_every_unread_one_and_says_how_many(owner_client, inbox):
    response = owner_client.post(READ_ALL_URL)

    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert owner_client.post(READ_ALL_URL).json() == {"marked": 0}
    assert owner_client.get(LIST_URL).json()["unread_count"] == 0
    theirs = inbox["theirs"]
    theirs.refresh_from_db()
    assert theirs.read_at is None  # another user's stay unread


def test_someone_elses_notification_is_a_404_and_stays_unread(owner_client, agent_client, inbox, owner):
    theirs, colleagues = inbox["theirs"], Notification.objects.get(recipient__role="agent")

    for client, notification in ((owner_client, theirs), (owner_client, colleagues), (agent_client, inbox["newest"])):
        response = client.post(read_url(notification.pk))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        notification.refresh_from_db()
        assert notification.read_at is None


def test_missing_and_huge_ids_are_a_404(owner_client, inbox):
    for notification_id in (999_999_999, 2**63 - 1, 2**63, 10**30):
        response = owner_client.post(read_url(notification_id))
        assert response.status_code == 404, notification_id


def test_staff_without_a_shop_read_their_own(staff_client, staff, inbox):
    note = NotificationFactory(recipient=staff, seller=None)

    response = staff_client.get(LIST_URL)

    assert response.status_code == 200
    assert ids(response) == [note.pk]
    assert staff_client.post(read_url(note.pk)).status_code == 200
    assert staff_client.post(read_url(inbox["newest"].pk)).status_code == 404


def test_anonymous_and_members_of_an_inactive_shop_are_refused(anon_client, inbox):
    assert anon_client.get(LIST_URL).status_code == 401
    assert anon_client.post(READ_ALL_URL).status_code == 401

    from rest_framework.test import APIClient

    member = UserFactory(seller=SellerFactory(is_active=False), role="owner")
    client = APIClient()
    client.force_authenticate(member)
    assert client.get(LIST_URL).status_code == 403


def test_the_list_costs_a_constant_number_of_queries(owner_client, owner, django_assert_max_num_queries):
    NotificationFactory.create_batch(30, recipient=owner)

    with django_assert_max_num_queries(3):  # the shop for the permission, the page, the count
        response = owner_client.get(LIST_URL)

    assert len(response.json()["results"]) == 30


def test_the_endpoints_are_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]

    listing = paths["/api/notifications"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"unread", "cursor", "limit"}
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][page]["properties"]) == {"results", "next_cursor", "unread_count"}
    assert "content" in paths["/api/notifications/{notification_id}/read"]["post"]["responses"]["200"]
    assert "content" in paths["/api/notifications/read-all"]["post"]["responses"]["200"]
    assert {"jwtAuth": []} in listing["security"]
