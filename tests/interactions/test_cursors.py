"""Page cursors: a valid one round-trips; a forged one is a 400 `invalid_cursor`, whatever it holds."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from interactions.models import Interaction
from interactions.selectors.inbox import ORDERINGS
from interactions.selectors.keyset import CursorError, decode_cursor
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
INBOX = "/api/interactions"
CUSTOMERS = "/api/customers"
WHEN = "2026-03-01T10:00:00+00:00"


def forge(payload: object) -> str:
    """A cursor as the API writes one: url-safe base64 of compact JSON, padding stripped."""
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def assert_invalid_cursor(response) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_cursor"
    assert body["detail"] == "Неверный курсор страницы."
    assert "cursor" in body["errors"]


@pytest.fixture
def inbox(make_interaction):
    return [make_interaction(i) for i in range(3)]


# The three cases of issue 14, as they were reported.
def test_issue_cursor_with_strings_for_numbers_on_the_inbox(owner_client, inbox):
    cursor = forge({"o": "default", "v": ["abc", None, 1, None, 1]})
    assert_invalid_cursor(owner_client.get(INBOX, {"cursor": cursor}))


def test_issue_cursor_with_strings_for_numbers_on_the_inbox_oldest_first(owner_client, inbox):
    assert_invalid_cursor(
        owner_client.get(
            INBOX, {"ordering": "oldest", "cursor": forge({"o": "default", "v": ["abc", None, 1, None, 1]})}
        )
    )
    assert_invalid_cursor(
        owner_client.get(INBOX, {"ordering": "oldest", "cursor": forge({"o": "oldest", "v": [WHEN, "abc"]})})
    )


def test_issue_cursor_with_strings_for_numbers_on_customers(owner_client, owner):
    CustomerFactory(seller=owner.seller)
    assert_invalid_cursor(
        owner_client.get(CUSTOMERS, {"cursor": forge({"o": "default", "v": ["abc", None, 1, None, 1]})})
    )
    assert_invalid_cursor(owner_client.get(CUSTOMERS, {"cursor": forge({"o": "recent", "v": [WHEN, "abc"]})}))


@pytest.mark.parametrize(
    "values",
    [
        ["1", WHEN, 1, WHEN, 1],  # a number written as a string
        [True, WHEN, 1, WHEN, 1],  # JSON true is not the number 1
        [1.5, WHEN, 1, WHEN, 1],
        [None, WHEN, 1, WHEN, 1],  # attention_rank is never null
        [32768, WHEN, 1, WHEN, 1],  # past a smallint column
        [-32769, WHEN, 1, WHEN, 1],
        [1, WHEN, 1, WHEN, 2**63],  # past a bigint id
        [1, WHEN, 1, WHEN, -(2**63) - 1],
        [1, WHEN, 1, WHEN, 10**30],
        [1, "yesterday", 1, WHEN, 1],
        [1, "2026-03-01T10:00:00", 1, WHEN, 1],  # no timezone: which instant is it?
        [1, "2026-03-01", 1, WHEN, 1],
        [1, 1772359200, 1, WHEN, 1],  # a timestamp where an ISO date is expected
        [1, "0001-01-01T00:00:00+05:00", 1, WHEN, 1],  # before year 1 in UTC
        [1, "9999-12-31T23:59:59-05:00", 1, WHEN, 1],  # after year 9999 in UTC
        [1, WHEN, [1], WHEN, 1],
        [1, WHEN, {"a": 1}, WHEN, 1],
        [1, WHEN, 1, WHEN],  # one value short
        [1, WHEN, 1, WHEN, 1, 1],
    ],
)
def test_every_value_must_fit_its_column(owner_client, inbox, values):
    assert_invalid_cursor(owner_client.get(INBOX, {"cursor": forge({"o": "default", "v": values})}))


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "",
        "%%%",
        forge([1, 2]),
        forge("default"),
        forge({"o": "default"}),
        forge({"o": "default", "v": "abcde"}),  # a string of the right length is not a list
        forge({"o": ["default"], "v": [1, WHEN, 1, WHEN, 1]}),
        forge({"o": "newest", "v": [WHEN, 1]}),  # another ordering's cursor
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        base64.urlsafe_b64encode(b'{"o":"default","v":[1,NaN,1,Infinity,1]}').decode(),
    ],
)
def test_malformed_cursors(owner_client, inbox, cursor):
    response = owner_client.get(INBOX, {"cursor": cursor})
    if cursor == "":
        assert response.status_code == 400  # blank is a field error of its own
        return
    assert_invalid_cursor(response)


def test_extreme_but_valid_values_are_accepted(owner_client, inbox):
    """The edges of each column are legal: they page (to nothing), they do not fail."""
    values = [32767, "0001-01-01T00:00:00+00:00", -32768, "9999-12-31T23:59:59.999999+00:00", 2**63 - 1]
    response = owner_client.get(INBOX, {"cursor": forge({"o": "default", "v": values})})
    assert response.status_code == 200, response.content
    response = owner_client.get(INBOX, {"cursor": forge({"o": "default", "v": [0, None, 0, None, -(2**63)]})})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("ordering", ["default", "newest", "oldest", "due"])
def test_a_cursor_from_the_api_round_trips_in_every_ordering(owner_client, make_interaction, ordering):
    now = timezone.now()
    made = [
        make_interaction(
            i,
            first_response_due_at=(now + timedelta(minutes=i)) if i % 2 else None,
            last_buyer_message_at=(now - timedelta(minutes=i)) if i % 3 else None,
        )
        for i in range(7)
    ]
    seen, cursor = [], None
    while True:
        response = owner_client.get(INBOX, {"ordering": ordering, "limit": 2, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        seen += [row["id"] for row in response.json()["results"]]
        cursor = response.json()["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(i.id for i in made) and len(seen) == len(set(seen))


def test_a_customer_cursor_from_the_api_round_trips(owner_client, owner):
    now = timezone.now()
    made = [CustomerFactory(seller=owner.seller, last_seen_at=now - timedelta(minutes=i % 2)) for i in range(5)]
    first = owner_client.get(CUSTOMERS, {"limit": 3}).json()
    rest = owner_client.get(CUSTOMERS, {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [c["id"] for c in first["results"] + rest["results"]] == [
        c.id for c in sorted(made, key=lambda c: (-c.last_seen_at.timestamp(), -c.id))
    ]


def test_a_cursor_nested_past_the_stack_is_a_cursor_error():
    """The 2000 characters the API allows do not nest this deep; decode_cursor holds on its own all the same."""
    with pytest.raises(CursorError):
        decode_cursor(
            cursor=base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(),
            ordering="default",
            keys=ORDERINGS["default"],
            model=Interaction,
        )
