"""GET /api/stats against values computed by hand, in the shop's timezone (Moscow, UTC+3).

The SLA figures (`sla`, `first_response`) count buyer waits (ResponseCycle rows and running waits) since the
SLA report landed; tests/interactions/test_sla_report.py has the report itself and its drill-downs."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.factories import ConnectionFactory, InteractionFactory, OutgoingMessageFactory, ResponseCycleFactory

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
        interaction = InteractionFactory(
            connection=conn,
            kind=kind,
            created_at=created,
            sla_started_at=created,
            first_response_due_at=due,
            first_responded_at=responded,
            needs_response=responded is None,
            **kw,
        )
        if responded is not None:  # the finished wait, as the services write it (round the clock here)
            ResponseCycleFactory(
                interaction=interaction,
                started_at=created,
                due_soon_at=due,
                due_at=due,
                ended_at=responded,
                response_seconds=int((responded - created).total_seconds()),
                met_target=responded <= due,
                met_deadline=responded <= due,
            )
        return interaction

    a = make(connection, "review", msk(1, 10), due=msk(1, 11), responded=msk(1, 10, 30), rating=1, status="closed")
    # 01:00 in Moscow on the 2nd is still the 1st in UTC: it must count on the 2nd.
    b = make(connection, "review", msk(2, 1), due=msk(2, 1) + 48 * h, responded=msk(2, 2), rating=5, status="closed")
    c = make(connection, "chat", msk(2, 12), due=msk(2, 14), responded=msk(2, 15), status="waiting")
    make(ozon, "question", msk(2, 13), due=msk(2, 13, 30))
    make(ozon, "question", msk(2, 14), due=timezone.now() + 24 * h)
    make(connection, "review", msk(0, 23, 59), due=msk(1, 1), rating=2)  # the day before
    make(connection, "chat", msk(3, 0), due=msk(3, 2))  # the day after
    other = InteractionFactory(created_at=msk(2, 12), rating=3, sla_started_at=msk(2, 12))  # another shop
    ResponseCycleFactory(interaction=other, met_deadline=False, response_seconds=99999)

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
    # Met: a and b; missed: c answered late and the first question still waiting past its deadline; the
    # second question is pending (not judged).
    assert body["sla"] == {"met": 2, "breached": 2, "compliance_pct": 50.0}
    # Working seconds of the answered waits (round the clock): 1800, 3600, 10800; median 3600; p90 = 3600 + 0.8 × 7200.
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


# The three cases of issue 14: date arithmetic past year 1 or 9999 was a 500.
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "0001-01-01"}, "to"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "9999-12-30", "to": "9999-12-31"}, "from"),
    ],
)
def test_issue_dates_at_the_ends_of_the_calendar_are_a_400(owner_client, params, field):
    response = owner_client.get("/api/stats", params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"]
    assert "Дата должна быть между 01.01.2000" in body["errors"][field][0]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "1999-12-31", "to": "2000-01-10"}, "from"),
        ({"from": "2000-01-01", "to": "2000-01-10"}, None),  # the first day of the window is in it
        ({"to": "2000-01-10"}, None),  # `from` defaults to 30 days before, outside the window: not the seller's fault
        ({"from": "0001-01-01"}, "from"),
        ({"from": "today"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-03-01T00:00:00"}, "from"),
    ],
)
def test_stats_date_window(owner_client, params, field):
    response = owner_client.get("/api/stats", params)
    if field is None:
        assert response.status_code == 200, response.content
        return
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert set(errors) == {field}
    assert all(any("а" <= ch <= "я" for ch in message.lower()) for message in errors[field]), errors  # Russian


def test_stats_window_ends_a_year_from_the_shops_today(owner_client):
    today = timezone.now().astimezone(MSK).date()
    assert (
        owner_client.get("/api/stats", {"from": str(today), "to": str(today + timedelta(days=365))}).status_code == 200
    )
    response = owner_client.get("/api/stats", {"from": str(today), "to": str(today + timedelta(days=366))})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"to"}


def test_stats_from_in_the_future_without_to_is_the_from_field(owner_client):
    today = timezone.now().astimezone(MSK).date()
    response = owner_client.get("/api/stats", {"from": str(today + timedelta(days=3))})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"from"}


def test_stats_longest_range(owner_client):
    assert owner_client.get("/api/stats", {"from": "2025-01-01", "to": "2026-01-01"}).status_code == 200  # 366 days
    response = owner_client.get("/api/stats", {"from": "2025-01-01", "to": "2026-01-02"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"from": ["Период не длиннее 366 дней."]}


def test_stats_defaults_to_the_last_30_days(owner_client):
    today = timezone.now().astimezone(MSK).date()
    body = owner_client.get("/api/stats").json()
    assert (body["date_from"], body["date_to"]) == (str(today - timedelta(days=29)), str(today))
    body = owner_client.get("/api/stats", {"to": "2026-03-31"}).json()
    assert (body["date_from"], body["date_to"]) == ("2026-03-02", "2026-03-31")
