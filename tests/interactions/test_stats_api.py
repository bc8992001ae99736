"""GET /api/stats against values computed by hand, in the shop's timezone (Moscow, UTC+3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.factories import ConnectionFactory, InteractionFactory, OutgoingMessageFactory

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    return (
        datetime(2026, 3, day, hour, minute, tzinfo=MSK) if day > 0 else datetime(2026, 2, 28, hour, minute, tzinfo=MSK)
    )


@pytest.fixture
def data(owner, connection):
    ozon = ConnectionFactory(seller=owner.seller, marketplace="ozon")
    h = timedelta(hours=1)

    def make(conn, kind, created, *, due, responded=None, **kw):
        return InteractionFactory(
            connection=conn,
            kind=kind,
            created_at=created,
            first_response_due_at=due,
            first_responded_at=responded,
            needs_response=responded is None,
            **kw,
        )

    a = make(connection, "review", msk(1, 10), due=msk(1, 11), responded=msk(1, 10, 30), rating=1, status="closed")
    # 01:00 in Moscow on the 2nd is still the 1st in UTC: it must count on the 2nd.
    b = make(connection, "review", msk(2, 1), due=msk(2, 1) + 48 * h, responded=msk(2, 2), rating=5, status="closed")
    c = make(connection, "chat", msk(2, 12), due=msk(2, 14), responded=msk(2, 15), status="waiting")
    make(ozon, "question", msk(2, 13), due=msk(2, 13, 30))
    make(ozon, "question", msk(2, 14), due=timezone.now() + 24 * h)
    make(connection, "review", msk(0, 23, 59), due=msk(1, 1), rating=2)  # the day before
    make(connection, "chat", msk(3, 0), due=msk(3, 2))  # the day after
    InteractionFactory(created_at=msk(2, 12), rating=3)  # another shop

    OutgoingMessageFactory(interaction=a, author_user=owner, delivery_state="sent", sent_at=msk(1, 10, 30))
    OutgoingMessageFactory(interaction=b, author_user=None, delivery_state="sent", sent_at=msk(2, 2))
    OutgoingMessageFactory(interaction=c, author_user=owner, delivery_state="sent", sent_at=msk(2, 15))
    OutgoingMessageFactory(interaction=c, author_user=owner, delivery_state="pending")
    OutgoingMessageFactory(delivery_state="sent", sent_at=msk(2, 15))  # another shop


def test_stats_hand_computed(owner_client, data):
    response = owner_client.get("/api/stats", {"from": "2026-03-01", "to": "2026-03-02"})
    assert response.status_code == 200, response.content
    body = response.json()

    assert body["timezone"] == "Europe/Moscow"
    assert body["open_count"] == 5  # c, both questions, the day-before review, the day-after chat
    assert body["needs_response_count"] == 4
    assert body["interactions_count"] == 5
    assert body["sla"] == {"met": 2, "breached": 2, "compliance_pct": 50.0}
    # 1800 s, 3600 s, 10800 s: median 3600; p90 = 3600 + 0.8 × 7200.
    assert body["first_response"] == {"median_seconds": 3600.0, "p90_seconds": 9360.0}
    assert body["rating_distribution"] == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 1}
    assert body["volume_per_day"] == [
        {"day": "2026-03-01", "marketplace": "wb", "kind": "review", "count": 1},
        {"day": "2026-03-02", "marketplace": "ozon", "kind": "question", "count": 2},
        {"day": "2026-03-02", "marketplace": "wb", "kind": "chat", "count": 1},
        {"day": "2026-03-02", "marketplace": "wb", "kind": "review", "count": 1},
    ]
    assert body["replies_sent_per_day"] == [
        {"day": "2026-03-01", "count": 1, "from_agentiq": 1},
        {"day": "2026-03-02", "count": 2, "from_agentiq": 1},
    ]


def test_stats_empty_range(owner_client, data):
    body = owner_client.get("/api/stats", {"from": "2025-01-01", "to": "2025-01-31"}).json()
    assert body["sla"]["compliance_pct"] is None and body["first_response"]["median_seconds"] is None
    assert body["volume_per_day"] == [] and body["open_count"] == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-03-05", "to": "2026-03-01"}, "to"),
        ({"from": "2024-01-01", "to": "2026-03-01"}, "from"),
    ],
)
def test_stats_bad_range(owner_client, params, field):
    response = owner_client.get("/api/stats", params)
    assert response.status_code == 400 and field in response.json()["errors"]
