"""GET /api/interactions: order, filters, search, keyset pagination, query count."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from django.utils import timezone

from tests.factories import ConnectionFactory, CustomerFactory, MessageFactory

pytestmark = pytest.mark.django_db
URL = "/api/interactions"


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_default_order_breached_then_due_then_priority_then_newest(owner_client, make_interaction):
    now = timezone.now()
    closed = make_interaction(status="closed", needs_response=False)
    answered = make_interaction(needs_response=False, status="waiting")
    ok_low_due_late = make_interaction(priority="low", first_response_due_at=now + timedelta(hours=5))
    ok_due_soonest = make_interaction(priority="low", first_response_due_at=now + timedelta(hours=1))
    tie_high_old = make_interaction(10, priority="high", first_response_due_at=now + timedelta(hours=3))
    tie_high_new = make_interaction(1, priority="high", first_response_due_at=now + timedelta(hours=3))
    tie_urgent = make_interaction(30, priority="urgent", first_response_due_at=now + timedelta(hours=3))
    no_deadline = make_interaction(priority="urgent", first_response_due_at=None)
    due_soon = make_interaction(sla_state="due_soon", first_response_due_at=now + timedelta(minutes=5))
    breached = make_interaction(sla_state="breached", first_response_due_at=now - timedelta(hours=1))

    assert ids(owner_client.get(URL)) == [
        breached.id,
        due_soon.id,
        ok_due_soonest.id,
        tie_urgent.id,
        tie_high_new.id,
        tie_high_old.id,
        ok_low_due_late.id,
        no_deadline.id,
        answered.id,
        closed.id,
    ]


def test_list_row_shape(owner_client, make_interaction, owner):
    customer = CustomerFactory(seller=owner.seller, name="Ольга")
    interaction = make_interaction(customer=customer, assigned_to=owner, product_name="Кроссовки", rating=4)
    MessageFactory(interaction=interaction, text="первое", created_at=timezone.now() - timedelta(minutes=2))
    MessageFactory(interaction=interaction, text="последнее " + "я" * 300, created_at=timezone.now())

    row = owner_client.get(URL).json()["results"][0]

    assert row["customer"]["name"] == "Ольга" and row["assigned_to"]["email"] == owner.email
    assert row["last_message_preview"].startswith("последнее") and len(row["last_message_preview"]) == 200
    assert row["product_name"] == "Кроссовки" and row["rating"] == 4
    assert "raw" not in row and "search_text" not in row


@pytest.mark.parametrize("page_size", [2, 20])
def test_query_count_is_constant_in_page_size(
    owner_client, make_interaction, owner, page_size, django_assert_num_queries
):
    customer = CustomerFactory(seller=owner.seller)
    for i in range(25):
        interaction = make_interaction(i, customer=customer, assigned_to=owner)
        MessageFactory(interaction=interaction)
    # One query for the page, whatever its size: customer and assignee joined, preview in a subquery.
    with django_assert_num_queries(1):
        response = owner_client.get(URL, {"limit": page_size})
    assert len(ids(response)) == page_size


def test_filters(owner_client, make_interaction, owner, agent, connection):
    ozon = ConnectionFactory(seller=owner.seller, marketplace="ozon")
    customer = CustomerFactory(seller=owner.seller)
    now = timezone.now()
    chat = make_interaction(kind="chat", priority="high", intent="delivery", assigned_to=owner)
    review1 = make_interaction(kind="review", rating=1, sentiment="negative", sla_state="breached", customer=customer)
    review5 = make_interaction(kind="review", rating=5, needs_response=False, status="closed", product_id="777")
    question = make_interaction(connection=ozon, kind="question", assigned_to=agent, is_read=True)
    old = make_interaction(60 * 24 * 10, kind="chat")

    def check(params, expected):
        assert sorted(ids(owner_client.get(URL, params))) == sorted(i.id for i in expected), params

    check({"kind": "chat"}, [chat, old])
    check({"kind": "review,question"}, [review1, review5, question])
    check({"marketplace": "ozon"}, [question])
    check({"connection": connection.id}, [chat, review1, review5, old])
    check({"status": "closed"}, [review5])
    check({"needs_response": "false"}, [review5])
    check({"priority": "high"}, [chat])
    check({"intent": "delivery"}, [chat])
    check({"sentiment": "negative"}, [review1])
    check({"rating_min": 2}, [review5])
    check({"rating_max": 2}, [review1])
    check({"sla_state": "breached"}, [review1])
    check({"assigned_to": "me"}, [chat])
    check({"assigned_to": agent.id}, [question])
    check({"assigned_to": "unassigned"}, [review1, review5, old])
    check({"product": "777"}, [review5])
    check({"customer": customer.id}, [review1])
    check({"is_read": "true"}, [question])
    check({"created_from": (now - timedelta(days=1)).isoformat()}, [chat, review1, review5, question])
    check({"created_to": (now - timedelta(days=1)).isoformat()}, [old])


def test_search(owner_client, make_interaction):
    match = make_interaction(search_text="Платье порвалось после стирки")
    make_interaction(search_text="Отличные кроссовки")
    assert ids(owner_client.get(URL, {"q": "Платье"})) == [match.id]


def test_bad_filters_are_field_errors(owner_client):
    response = owner_client.get(URL, {"kind": "letter", "rating_min": 9, "limit": 0, "assigned_to": "bob"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"kind", "rating_min", "limit", "assigned_to"} <= set(errors)
    response = owner_client.get(URL, {"cursor": "not-a-cursor"})
    assert response.status_code == 400 and "cursor" in response.json()["errors"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sla_met": "maybe"}, "sla_met"),
        ({"needs_response": "maybe"}, "needs_response"),  # an older flag, Russian too now
        ({"sla_target_met": "2"}, "sla_target_met"),
        ({"sla_pending": "pending"}, "sla_pending"),
        ({"responded": "ага"}, "responded"),
        ({"auto_reply": "-"}, "auto_reply"),
        ({"responded_by": "bob"}, "responded_by"),
        ({"responded_by": "0"}, "responded_by"),
        ({"responded_by": str(2**63)}, "responded_by"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "1999-12-31"}, "from"),
        ({"from": "2026-11-09", "to": "2026-11-01"}, "to"),
    ],
)
def test_bad_drill_down_values_are_russian_field_errors(owner_client, params, field):
    response = owner_client.get(URL, params)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert set(errors) == {field}, errors
    assert all(any("а" <= ch <= "я" for ch in message.lower()) for message in errors[field]), errors


def test_keyset_pagination_walks_everything_once_and_is_stable_under_inserts(owner_client, make_interaction):
    now = timezone.now()
    created = [
        make_interaction(
            i,
            priority=["low", "normal", "high", "urgent"][i % 4],
            sla_state=["ok", "due_soon", "breached"][i % 3],
            first_response_due_at=(now + timedelta(minutes=i % 5)) if i % 6 else None,
            last_buyer_message_at=(now - timedelta(minutes=i % 7)) if i % 5 else None,
            needs_response=i % 8 != 0,
        )
        for i in range(37)
    ]
    full = ids(owner_client.get(URL, {"limit": 100}))
    assert sorted(full) == sorted(i.id for i in created)

    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = owner_client.get(URL, params).json()
        seen += [row["id"] for row in body["results"]]
        pages += 1
        if pages == 2:
            # New rows land while the seller pages: some before the cursor, some after.
            make_interaction(priority="urgent", sla_state="breached", first_response_due_at=now - timedelta(days=1))
            make_interaction(needs_response=False, status="closed")
        cursor = body["next_cursor"]
        if not cursor:
            break

    assert len(seen) == len(set(seen))  # nothing repeats
    before = [i for i in full if i in seen]
    assert before == full  # every original row, in the original order, none skipped


def test_other_shop_rows_never_listed(other_client, make_interaction):
    make_interaction()
    assert ids(other_client.get(URL)) == []


def test_staff_without_shop_is_refused(staff_client):
    assert staff_client.get(URL).status_code == 403


def test_anonymous_is_refused(anon_client):
    assert anon_client.get(URL).status_code == 401


def test_agent_sees_the_shop_inbox(agent_client, make_interaction):
    interaction = make_interaction()
    assert ids(agent_client.get(URL)) == [interaction.id]


def test_fast_list_rows_match_the_declared_serializer(make_interaction, owner):
    from rest_framework import serializers

    from interactions.api.serializers import InteractionListOutput
    from interactions.selectors import inbox_list

    customer = CustomerFactory(seller=owner.seller, name="Ольга")
    make_interaction(customer=customer, assigned_to=owner, rating=3, closed_at=timezone.now(), status="closed")
    make_interaction(first_response_due_at=timezone.now() + timedelta(hours=1))
    rows = inbox_list(seller=owner.seller, user=owner, filters={}, cursor=None, limit=10).rows
    output = InteractionListOutput()
    for row in rows:
        assert output.to_representation(row) == serializers.Serializer.to_representation(output, row)


def test_list_rows_render_as_the_declared_serializer_renders_the_model(owner_client, make_interaction, owner):
    """The lean rows (plain values, no model instances) keep the JSON byte for byte: every field, every
    format (a whole-second timestamp has no fraction, others six digits, UTC with "Z"), both with and
    without a customer, an assignee and a preview."""
    from datetime import datetime

    from rest_framework import serializers

    from interactions.api.serializers import InteractionListOutput
    from interactions.models import Interaction

    customer = CustomerFactory(seller=owner.seller, name="Ольга")
    whole_second = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    full = make_interaction(
        customer=customer,
        assigned_to=owner,
        rating=3,
        status="closed",
        needs_response=False,
        closed_at=whole_second,
        first_response_due_at=timezone.now() + timedelta(hours=1),
        first_responded_at=whole_second,
        intent="delivery",
        sentiment="negative",
        product_id="123",
        product_name="Платье",
    )
    MessageFactory(interaction=full, text="Где заказ?")
    bare = make_interaction()

    body = owner_client.get(URL).json()

    by_id = {row["id"]: row for row in body["results"]}
    declared = InteractionListOutput()
    for interaction in (full, bare):
        instance = Interaction.objects.select_related("customer", "assigned_to").get(pk=interaction.pk)
        instance.last_message_preview = instance.messages.values_list("text", flat=True).first()
        expected = serializers.Serializer.to_representation(declared, instance)
        assert by_id[interaction.pk] == expected
        assert list(by_id[interaction.pk]) == list(expected)  # same key order
    assert by_id[full.pk]["closed_at"] == "2026-03-01T12:00:00Z"
    assert set(body) == {"results", "next_cursor"}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"limit": "5"},
        {"kind": "review,question", "needs_response": "true", "q": " платье "},
        {"status": ["new", "open"], "rating_min": "2", "rating_max": "4", "ordering": "newest"},
        {"assigned_to": "me", "is_read": "false", "created_from": "2026-03-01T00:00:00Z", "customer": "7"},
        {"kind": "letter", "rating_min": "9", "limit": "0", "assigned_to": "bob"},
        {"rating_min": "4", "rating_max": "2"},
        {"unknown": "ignored", "priority": "urgent"},
        {"from": "2026-03-01", "to": "2026-03-31", "sla_met": "false", "responded_by": "7", "auto_reply": "true"},
        {"from": "2026-03-31", "to": "2026-03-01", "sla_pending": "maybe", "responded_by": "none"},
        {"to": "1999-01-01", "responded": "true", "sla_target_met": "0", "responded_by": "me"},
    ],
)
def test_filter_input_copying_only_named_fields_validates_as_the_full_serializer(params):
    """The list's filter input copies only the fields a request names (and those with defaults)."""
    import copy

    from interactions.api.inbox import InteractionListApi

    class AllFields(InteractionListApi.FilterInput):
        def get_fields(self):
            return copy.deepcopy(self._declared_fields)

    context = {"today": date(2026, 3, 15)}  # the shop's today, which bounds `from`/`to`
    lean, full = InteractionListApi.FilterInput(data=params, context=context), AllFields(data=params, context=context)
    assert lean.is_valid() == full.is_valid()
    assert lean.errors == full.errors
    if not lean.errors:
        assert lean.validated_data == full.validated_data
    assert set(InteractionListApi.FilterInput().fields) == set(InteractionListApi.FilterInput._declared_fields)


@pytest.mark.parametrize("page_size", [5, 50, 100])
def test_a_page_with_a_real_jwt_is_two_queries(make_interaction, owner, page_size, django_assert_num_queries):
    """Through the whole stack: the user with their shop (JWT authentication), then the page."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import AccessToken

    customer = CustomerFactory(seller=owner.seller)
    for i in range(60):
        MessageFactory(interaction=make_interaction(i, customer=customer, assigned_to=owner if i % 2 else None))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(owner)}")
    with django_assert_num_queries(2):
        response = client.get(URL, {"limit": page_size})
    assert len(ids(response)) == min(page_size, 60)
    with django_assert_num_queries(2):
        assert client.get(URL, {"limit": page_size, "q": "заказ", "needs_response": "true"}).status_code == 200


@pytest.mark.parametrize("ordering", ["default", "newest", "oldest", "due"])
def test_every_ordering_pages_through_every_row_once(owner_client, make_interaction, ordering):
    now = timezone.now()
    created = [
        make_interaction(i, first_response_due_at=(now + timedelta(minutes=i % 4)) if i % 3 else None)
        for i in range(13)
    ]
    seen: list[int] = []
    cursor = None
    while True:
        response = owner_client.get(URL, {"limit": 4, "ordering": ordering, **({"cursor": cursor} if cursor else {})})
        seen += ids(response)
        cursor = response.json()["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(i.id for i in created) and len(seen) == len(set(seen))
    assert seen == ids(owner_client.get(URL, {"limit": 100, "ordering": ordering}))
