"""Whatever a client puts in the query string of the inbox, customers, stats, notifications, SLA rules and calendar
reads, the answer is never a 5xx.

Each example is a mostly plausible query (so that it gets past validation and reaches the database)
with up to two parameters replaced by something hostile: arbitrary text, NUL bytes, huge numbers,
dates at the ends of the calendar, forged cursors.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from django.db import transaction
from django.utils import timezone as dj_timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from interactions.api.calendar import CalendarDayListApi, CalendarPreviewApi
from interactions.api.customers import CustomerListApi
from interactions.api.inbox import InteractionListApi
from interactions.api.sla_rules import SLARuleListApi
from interactions.api.stats import StatsApi
from interactions.models import Kind, Marketplace, Priority, Sentiment, SLAState, Status
from notifications.api import NotificationListApi
from tests.factories import (
    CalendarDayFactory,
    CustomerFactory,
    InteractionFactory,
    NotificationFactory,
    OutgoingMessageFactory,
    ResponseCycleFactory,
    SLARuleFactory,
    UserFactory,
    WorkingCalendarFactory,
)

pytestmark = pytest.mark.django_db

# The fixtures are read-only shop data, shared by every example of a test on purpose.
BUDGET = settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SMALLINT = (-(2**15), 2**15 - 1)
BIGINT = (-(2**63), 2**63 - 1)
EDGE_NUMBERS = [0, -1, 1, 5, 6, 2**15, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**30, 10**400]


def _offset() -> st.SearchStrategy[timezone]:
    limit = timedelta(hours=23, minutes=59, seconds=59)
    return st.timedeltas(min_value=-limit, max_value=limit).map(timezone)


AWARE = st.datetimes(timezones=st.one_of(st.just(UTC), _offset()))
ISO_DATETIMES = st.one_of(AWARE, st.datetimes()).map(datetime.isoformat)
ISO_DATES = st.dates().map(date.isoformat)
NUMBERS = st.one_of(
    st.integers().map(str),
    st.sampled_from(EDGE_NUMBERS).map(str),
    st.floats().map(str),
    # Digits of other scripts: "²".isdigit() is True, int("²") is a ValueError.
    st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=30),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | ISO_DATETIMES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


def encode(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def forged_cursors(ordering: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    payload = st.fixed_dictionaries({"o": ordering | st.text(max_size=10), "v": st.lists(JSON, max_size=6)})
    return st.one_of(
        payload.map(encode),
        JSON.map(encode),
        st.text(max_size=100),
        st.binary(max_size=200).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
        # Nested as deep as the 2000 characters a cursor may have allow.
        st.integers(1, 740).map(lambda depth: encode(json.loads("[" * depth + "]" * depth))),
    )


# No surrogates: a query string in UTF-8 cannot carry them.
LONG_TEXT = st.builds(lambda char, n: char * n, st.characters(codec="utf-8"), st.integers(100, 5000))
HOSTILE = st.one_of(
    st.text(max_size=60),
    st.text(max_size=20).map(lambda s: f"{s}\x00{s}"),  # PostgreSQL refuses NUL in text
    LONG_TEXT,
    NUMBERS,
    ISO_DATES,
    ISO_DATETIMES,
    forged_cursors(st.sampled_from(["default", "newest", "oldest", "due", "recent"])),
    st.sampled_from(["", " ", "null", "None", "true", "[]", "{}", "me", "unassigned", "%00", ",", ",,", "--", "*"]),
)


def _column(kind: str, *, nullable: bool = False) -> st.SearchStrategy[Any]:
    """Any value a sort column could hold, at its extremes too, as the API writes it into a cursor."""
    values = {
        "smallint": st.integers(*SMALLINT),
        "bigint": st.integers(*BIGINT),
        "datetime": AWARE.map(datetime.isoformat),
    }[kind]
    return st.none() | values if nullable else values


# The sort columns of each ordering: a cursor of the right shape reaches the query.
CURSOR_COLUMNS = {
    "default": [
        _column("smallint"),
        _column("datetime", nullable=True),
        _column("smallint"),
        _column("datetime", nullable=True),
        _column("bigint"),
    ],
    "newest": [_column("datetime", nullable=True), _column("bigint")],
    "oldest": [_column("datetime"), _column("bigint")],
    "due": [_column("datetime", nullable=True), _column("bigint")],
    "recent": [_column("datetime"), _column("bigint")],
}


def typed_cursor(ordering: str) -> st.SearchStrategy[str]:
    return st.tuples(*CURSOR_COLUMNS[ordering]).map(lambda values: encode({"o": ordering, "v": list(values)}))


def _choices(choices) -> st.SearchStrategy[Any]:
    values = st.lists(st.sampled_from([value for value, _ in choices]), max_size=3)
    return values.map(",".join) | values  # `?k=a,b` or `?k=a&k=b`


BOOLEANS = st.sampled_from(["true", "false", "1", "0", "True", "null", "yes", "no"])
IDS = st.integers(min_value=1, max_value=10**25).map(str)
# Days a shop could ask about (so that the range reaches the database), or any day of the calendar.
DAYS = st.dates(date(1999, 12, 1), date.today() + timedelta(days=400)).map(date.isoformat) | st.dates().map(
    date.isoformat
)


def _inbox_plausible(ordering: str) -> dict[str, st.SearchStrategy[Any]]:
    return {
        "kind": _choices(Kind.choices),
        "marketplace": _choices(Marketplace.choices),
        "status": _choices(Status.choices),
        "priority": _choices(Priority.choices),
        "sla_state": _choices(SLAState.choices),
        "sentiment": _choices(Sentiment.choices),
        "intent": st.lists(st.text(max_size=32), max_size=3),
        "connection": IDS,
        "needs_response": BOOLEANS,
        "is_read": BOOLEANS,
        "rating_min": st.integers(1, 5).map(str),
        "rating_max": st.integers(1, 5).map(str),
        "assigned_to": st.one_of(st.sampled_from(["me", "unassigned"]), IDS),
        "product": st.text(max_size=64),
        "customer": IDS,
        "created_from": ISO_DATETIMES,
        "created_to": ISO_DATETIMES,
        "q": st.text(max_size=200),
        # The SLA report's drill-down.
        "from": DAYS,
        "to": DAYS,
        "sla_met": BOOLEANS,
        "sla_target_met": BOOLEANS,
        "sla_pending": BOOLEANS,
        "responded": BOOLEANS,
        "responded_by": st.one_of(st.sampled_from(["me", "none"]), IDS),
        "auto_reply": BOOLEANS,
        # The quality report's drill-down.
        "reply_from": DAYS,
        "reply_to": DAYS,
        "reply_by": st.one_of(st.sampled_from(["me", "none"]), IDS),
        "quality_min": st.integers(-5, 105).map(str),
        "quality_max": st.integers(-5, 105).map(str),
        "ordering": st.just(ordering),
        "cursor": typed_cursor(ordering),
        "limit": st.integers(1, 100).map(str),
    }


CUSTOMERS_PLAUSIBLE = {
    "q": st.text(max_size=200),
    "marketplace": st.sampled_from([value for value, _ in Marketplace.choices]),
    "tag": st.text(max_size=50),
    "cursor": typed_cursor("recent"),
    "limit": st.integers(1, 100).map(str),
}
NOTIFICATIONS_PLAUSIBLE = {
    "unread": BOOLEANS,
    "cursor": typed_cursor("recent"),  # created_at, id: the same shape as the customers' "recent"
    "limit": st.integers(1, 100).map(str),
}
CALENDAR = st.dates().map(date.isoformat)
SLA_RULES_PLAUSIBLE = {"include_inactive": BOOLEANS}
# Around today, where the shop's special days are, or any day of the calendar.
NEAR_DAYS = st.integers(-400, 1200).map(lambda n: (date.today() + timedelta(days=n)).isoformat())
CALENDAR_DAYS_PLAUSIBLE = {"from": NEAR_DAYS | CALENDAR, "to": NEAR_DAYS | CALENDAR}
PREVIEW_PLAUSIBLE = {
    "start": st.one_of(
        st.datetimes(datetime(2000, 1, 1), datetime(2029, 1, 1)).map(datetime.isoformat),
        st.datetimes(datetime(2000, 1, 2), datetime(2029, 1, 1), timezones=st.just(UTC)).map(datetime.isoformat),
        ISO_DATETIMES,
        st.sampled_from(["0001-01-01T00:00:00", "9999-12-31T23:59:59", "9999-12-31T23:59:59-23:59"]),
    ),
    "minutes": st.integers(0, 525_600).map(str),
}


@st.composite
def queries(draw, plausible: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    """Some of the parameters, each plausible, except at most two that are hostile."""
    present = draw(st.lists(st.sampled_from(sorted(plausible)), unique=True))
    hostile = set(draw(st.lists(st.sampled_from(present), unique=True, max_size=2))) if present else set()
    return {
        name: draw(st.lists(HOSTILE, min_size=1, max_size=2) if name in hostile else plausible[name])
        for name in present
    }


@st.composite
def inbox_queries(draw) -> dict[str, Any]:
    return draw(queries(_inbox_plausible(draw(st.sampled_from(sorted(CURSOR_COLUMNS.keys() - {"recent"}))))))


@st.composite
def stats_queries(draw) -> dict[str, Any]:
    """Mostly a range a shop could ask about (so that it reaches the database), or any day of the calendar."""
    start = draw(st.dates(date(1999, 12, 1), date.today() + timedelta(days=400)))
    days = st.integers(-10, 400).map(lambda n: (start + timedelta(days=n)).isoformat())
    return draw(queries({"from": st.just(start.isoformat()) | CALENDAR, "to": days | CALENDAR}))


@pytest.fixture
def unthrottled(settings):
    # Hundreds of requests a test from one user: past the per-user rate, every answer would be a 429 that
    # never reads the query string.
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": None}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


@pytest.fixture
def shop(owner, agent, unthrottled):
    """A little of everything the filters, cursors and stats look at."""
    now = dj_timezone.now()
    buyer = CustomerFactory(seller=owner.seller, tags=["vip", "опт"], notes="Просит звонить вечером")
    CustomerFactory(seller=owner.seller, marketplace="ozon", last_seen_at=now - timedelta(days=3))
    for i, (kind, status) in enumerate(
        [("review", "new"), ("chat", "open"), ("question", "closed"), ("chat", "waiting")]
    ):
        interaction = InteractionFactory(
            connection__seller=owner.seller,
            kind=kind,
            status=status,
            needs_response=status != "closed",
            rating=(i % 5) + 1 if kind == "review" else None,
            customer=buyer if i % 2 else None,
            assigned_to=agent if i == 1 else None,
            product_id=str(100 + i),
            search_text=f"Платье {i} порвалось после стирки",
            created_at=now - timedelta(days=i),
            first_response_due_at=now + timedelta(hours=i - 2) if i != 2 else None,
        )
        OutgoingMessageFactory(interaction=interaction, author_user=owner, delivery_state="sent", sent_at=now)
        ResponseCycleFactory(
            interaction=interaction,
            started_at=now - timedelta(days=i, hours=1),
            responder=owner if i % 2 else None,
            is_auto_reply=i == 3,
            outcome="closed" if i == 2 else "responded",
            met_deadline=i != 1,
        )
        NotificationFactory(
            recipient=owner,
            interaction=interaction,
            created_at=now - timedelta(hours=i),
            read_at=now if i % 2 else None,
        )
    UserFactory(seller=owner.seller, role="agent")
    SLARuleFactory(seller=owner.seller, kind="review", rating_min=1, rating_max=2)
    SLARuleFactory(seller=owner.seller, is_active=False)
    calendar = WorkingCalendarFactory(
        seller=owner.seller, week={**{str(d): [["09:00", "13:00"], ["14:00", "18:00"]] for d in range(5)}}
    )
    for n in (-10, 0, 3, 30):
        CalendarDayFactory(calendar=calendar, date=date.today() + timedelta(days=n), is_working=n == 3)


# 200 bodies by endpoint: a page, a plain list, or one object.
PLAIN_LISTS = {"/api/sla-rules", "/api/calendar/days"}
OBJECTS = {"/api/stats", "/api/calendar", "/api/calendar/preview"}


def assert_never_5xx(client, url: str, params: dict[str, Any] | None = None, **extra: Any) -> None:
    # A savepoint per request: a database error must fail this example, not poison the next ones.
    with transaction.atomic():
        response = client.get(url, params, **extra)
    assert response.status_code < 500, (url, params, extra, response.content[:500])
    assert response.status_code != 429, "throttled: the query string was never read"
    event(f"status {response.status_code}")  # --hypothesis-show-statistics: how many examples got past validation
    body = response.json()
    if response.status_code >= 400:
        assert set(body) >= {"detail", "code"}, body
    elif url in PLAIN_LISTS:
        assert isinstance(body, list)
    elif url not in OBJECTS:
        assert isinstance(body["results"], list)


# Found by the property tests below, each a 500: SQLite cannot bind an int past 64 bits, int("²") raises, and
# int() refuses more than 4300 digits. Other scripts' digits, which int() does read, are refused with them.
@pytest.mark.parametrize(
    "params",
    [
        {"connection": str(2**63)},
        {"customer": str(2**63)},
        {"assigned_to": str(2**63)},
        {"assigned_to": "²"},
        {"assigned_to": "١٢"},
        {"assigned_to": "1" * 5000},
    ],
)
def test_ids_past_bigint_or_not_ascii_digits_are_field_errors(owner_client, shop, params):
    response = owner_client.get("/api/interactions", params)
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == set(params)


def test_ids_at_the_bigint_edge_are_accepted(owner_client, shop):
    edge = str(2**63 - 1)
    response = owner_client.get("/api/interactions", {"connection": edge, "customer": edge, "assigned_to": edge})
    assert response.status_code == 200 and response.json()["results"] == []


def test_bulk_and_assign_refuse_ids_past_bigint(owner_client, shop, owner):
    interaction = InteractionFactory(connection__seller=owner.seller)
    response = owner_client.post("/api/interactions/bulk", {"action": "mark_read", "ids": [2**63]}, format="json")
    assert response.status_code == 400 and "ids" in response.json()["errors"]
    response = owner_client.patch(f"/api/interactions/{interaction.id}", {"assigned_to": 2**63}, format="json")
    assert response.status_code == 400 and "assigned_to" in response.json()["errors"]


def test_every_query_parameter_is_covered():
    """A parameter added to an endpoint must be added here too, or it escapes the property tests."""
    assert set(InteractionListApi.FilterInput().fields) == set(_inbox_plausible("default"))
    assert set(CustomerListApi.FilterInput().fields) == set(CUSTOMERS_PLAUSIBLE)
    assert set(StatsApi.FilterInput().fields) == {"date_from", "date_to"}  # `from` and `to` on the wire
    assert set(NotificationListApi.FilterInput().fields) == set(NOTIFICATIONS_PLAUSIBLE)
    assert set(SLARuleListApi.FilterInput().fields) == set(SLA_RULES_PLAUSIBLE)
    assert set(CalendarDayListApi.FilterInput().fields) == set(CALENDAR_DAYS_PLAUSIBLE)
    assert set(CalendarPreviewApi.FilterInput().fields) == set(PREVIEW_PLAUSIBLE)


@BUDGET
@given(params=inbox_queries())
def test_inbox_list_never_5xx(owner_client, shop, params):
    assert_never_5xx(owner_client, "/api/interactions", params)


@BUDGET
@given(params=queries(CUSTOMERS_PLAUSIBLE))
def test_customer_list_never_5xx(owner_client, shop, params):
    assert_never_5xx(owner_client, "/api/customers", params)


@BUDGET
@given(params=stats_queries())
def test_stats_never_5xx(owner_client, shop, params):
    assert_never_5xx(owner_client, "/api/stats", params)


@BUDGET
@given(params=queries(NOTIFICATIONS_PLAUSIBLE))
def test_notification_list_never_5xx(owner_client, shop, params):
    assert_never_5xx(owner_client, "/api/notifications", params)


@settings(BUDGET, max_examples=60)
@given(params=queries(SLA_RULES_PLAUSIBLE))
def test_sla_rule_list_never_5xx(owner_client, shop, params):
    assert_never_5xx(owner_client, "/api/sla-rules", params)


@BUDGET
@given(params=queries(CALENDAR_DAYS_PLAUSIBLE))
def test_calendar_day_list_never_5xx(owner_client, shop, params):
    assert_never_5xx(owner_client, "/api/calendar/days", params)


@BUDGET
@given(params=queries(PREVIEW_PLAUSIBLE))
def test_calendar_preview_never_5xx(owner_client, shop, params):
    assert_never_5xx(owner_client, "/api/calendar/preview", params)


@settings(BUDGET, max_examples=60)
@given(
    url=st.sampled_from(
        [
            "/api/interactions",
            "/api/customers",
            "/api/stats",
            "/api/notifications",
            "/api/sla-rules",
            "/api/calendar",
            "/api/calendar/days",
            "/api/calendar/preview",
        ]
    ),
    pairs=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "q",
                    "cursor",
                    "limit",
                    "from",
                    "to",
                    "kind",
                    "assigned_to",
                    "tag",
                    "unread",
                    "include_inactive",
                    "start",
                    "minutes",
                ]
            ),
            st.binary(),
        ),
        max_size=4,
    ),
)
def test_undecodable_query_strings_never_5xx(owner_client, shop, url, pairs):
    """Bytes that are not UTF-8 at all, as a browser or a script may send them."""
    query = "&".join(f"{name}={quote_from_bytes(raw)}" for name, raw in pairs)
    assert_never_5xx(owner_client, url, QUERY_STRING=query)
