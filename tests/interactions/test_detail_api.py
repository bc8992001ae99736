"""GET /api/interactions/{id}: every section rendered as DRF renders the models, in a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework import serializers

from guardrails.rules import current_rules
from integrations.models import ProductCard
from interactions.api.serializers import (
    CustomerOutput,
    EventOutput,
    InteractionBriefOutput,
    InteractionDetailOutput,
    MessageOutput,
    ProductCardOutput,
)
from interactions.models import Interaction
from tests.factories import CustomerFactory, InteractionEventFactory, MessageFactory, OutgoingMessageFactory

pytestmark = pytest.mark.django_db

WHOLE_SECOND = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _guardrail_lists_compiled(db):
    # The draft's guardrail check reads lists compiled once per process (guardrails.rules): the counts below
    # are the detail's own queries, as in a warm web worker.
    current_rules()


@pytest.fixture
def story(make_interaction, owner, agent):
    """An interaction with everything a detail shows: buyer, assignee, messages, events, card, other interactions."""
    customer = CustomerFactory(
        seller=owner.seller,
        name="Ольга",
        average_rating=Decimal("4.5"),
        tags=["vip", "опт"],
        notes="Звонить после 18:00",
        chats_count=2,
        reviews_count=1,
        first_seen_at=WHOLE_SECOND,
    )
    interaction = make_interaction(
        customer=customer,
        assigned_to=agent,
        product_id="123456",
        product_name="Платье",
        rating=2,
        intent="defect",
        sentiment="negative",
        ai_summary="Брак",
        ai_analyzed_at=WHOLE_SECOND,
        draft_text="Нам жаль",
        escalated_at=timezone.now(),
        first_response_due_at=timezone.now() + timedelta(hours=2),
    )
    older = make_interaction(60, customer=customer, kind="chat", status="closed")
    newer = make_interaction(1, customer=customer, kind="question")
    make_interaction(customer=CustomerFactory(seller=owner.seller))  # another buyer's
    MessageFactory(interaction=interaction, text="Шов разошёлся", attachments=[{"url": "https://x/1.jpg"}])
    OutgoingMessageFactory(interaction=interaction, author_user=owner, text="Оформите возврат", attempts=1)
    InteractionEventFactory(interaction=interaction, kind="created", created_at=WHOLE_SECOND)
    InteractionEventFactory(interaction=interaction, kind="assigned", actor=owner, data={"to": agent.id})
    ProductCard.objects.create(
        nm_id=123456, name="Платье летнее", brand="Бренд", photo_count=3, price_history=[{"dt": 1, "price": 1000}]
    )
    return interaction, [newer, older]


def detail_queries(orm: int) -> int:
    """A detail's queries: one statement on PostgreSQL (selectors.detail_sql), `orm` (one a section) elsewhere."""
    return 1 if connection.vendor == "postgresql" else orm


def declared(serializer: serializers.Serializer, instance) -> dict:
    """What DRF's generic rendering makes of a model instance (the detail's output before lean rows)."""
    return serializers.Serializer.to_representation(serializer, instance)


def test_every_section_is_rendered_as_drf_renders_the_models(owner_client, story):
    interaction, others = story
    body = owner_client.get(f"/api/interactions/{interaction.id}").json()

    instance = Interaction.objects.select_related("customer", "assigned_to").get(pk=interaction.pk)
    assert list(body) == list(InteractionDetailOutput._declared_fields)
    output = InteractionDetailOutput()
    for name, field in output.fields.items():
        if isinstance(field, serializers.BaseSerializer) and name not in ("customer", "assigned_to"):
            continue
        value = field.get_attribute(instance)
        assert body[name] == (None if value is None else field.to_representation(value)), name
    messages = instance.messages.select_related("author_user").order_by("created_at", "id")
    assert body["messages"] == [declared(MessageOutput(), m) for m in messages]
    assert body["messages"][1]["author_user"]["id"] == interaction.messages.last().author_user_id
    events = instance.events.select_related("actor").order_by("created_at", "id")
    assert body["events"] == [declared(EventOutput(), e) for e in events]
    assert body["customer_summary"] == {
        "customer": declared(CustomerOutput(), instance.customer),
        "other_interactions": [declared(InteractionBriefOutput(), i) for i in others],
    }
    assert body["product_card"] == declared(ProductCardOutput(), ProductCard.objects.get(nm_id=123456))
    # Formats a client relies on.
    assert body["customer_summary"]["customer"]["average_rating"] == "4.50"
    assert body["ai_analyzed_at"] == "2026-03-01T12:00:00Z"
    assert body["customer_summary"]["customer"]["tags"] == ["vip", "опт"]


def test_query_count_is_fixed_whatever_the_story_length(owner_client, story, django_assert_num_queries):
    interaction, _ = story
    # The interaction with buyer and assignee, messages, events, the buyer's other interactions, the links'
    # decisions and candidates, the card (one statement on PostgreSQL).
    with django_assert_num_queries(detail_queries(7)):
        short = owner_client.get(f"/api/interactions/{interaction.id}")
    for n in range(30):
        MessageFactory(interaction=interaction, text=f"ещё {n}")
        InteractionEventFactory(interaction=interaction, kind="buyer_message")
    with django_assert_num_queries(detail_queries(7)):
        long = owner_client.get(f"/api/interactions/{interaction.id}")
    assert len(long.json()["messages"]) == len(short.json()["messages"]) + 30


def test_no_buyer_and_no_numeric_product_skip_their_queries(owner_client, make_interaction, django_assert_num_queries):
    interaction = make_interaction(customer=None, product_id="OZ-SKU-1")
    # No buyer's history, no card; the product's links are still looked up.
    with django_assert_num_queries(detail_queries(5)):
        body = owner_client.get(f"/api/interactions/{interaction.id}").json()
    assert body["customer"] is None and body["customer_summary"] is None and body["product_card"] is None
    assert body["assigned_to"] is None and body["messages"] == [] and body["events"] == []


def test_events_are_the_latest_200_oldest_first(owner_client, make_interaction):
    interaction = make_interaction()
    start = timezone.now() - timedelta(days=1)
    for n in range(205):
        InteractionEventFactory(interaction=interaction, kind="read", created_at=start + timedelta(minutes=n))
    events = owner_client.get(f"/api/interactions/{interaction.id}").json()["events"]
    assert len(events) == 200
    assert events[0]["created_at"] < events[-1]["created_at"]
    assert events[-1]["created_at"].startswith((start + timedelta(minutes=204)).strftime("%Y-%m-%dT%H:%M"))


def test_another_shops_interaction_is_404(other_client, story):
    interaction, _ = story
    response = other_client.get(f"/api/interactions/{interaction.id}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_detail_with_a_real_jwt_costs_one_more_query(story, owner, django_assert_num_queries):
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import AccessToken

    interaction, _ = story
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(owner)}")
    with django_assert_num_queries(1 + detail_queries(7)):  # the user with their shop, then the detail's
        assert client.get(f"/api/interactions/{interaction.id}").status_code == 200


def test_an_item_with_neither_buyer_nor_product_costs_no_link_queries(
    owner_client, make_interaction, django_assert_num_queries
):
    interaction = make_interaction(customer=None, product_id="")
    with django_assert_num_queries(detail_queries(3)):
        body = owner_client.get(f"/api/interactions/{interaction.id}").json()
    assert body["links"] == {"strong": [], "suggested": []}


def test_detail_shows_the_clock_with_its_rule_and_why(owner_client, owner):
    from datetime import timedelta

    from django.utils import timezone

    from interactions.services import clock_restart
    from tests.factories import InteractionFactory, SLARuleFactory

    start = timezone.now().replace(microsecond=0) - timedelta(minutes=5)
    rule = SLARuleFactory(
        seller=owner.seller,
        name="Плохие отзывы",
        kind="review",
        rating_min=1,
        rating_max=2,
        target_minutes=20,
        deadline_minutes=60,
        follows_calendar=False,
        escalation_steps=[{"after_minutes": 30, "action": "notify_owner"}],
    )
    interaction = InteractionFactory(connection__seller=owner.seller, kind="review", rating=1, created_at=start)
    clock_restart(interaction, start=start, now=start)
    interaction.save()
    sla = owner_client.get(f"/api/interactions/{interaction.pk}").json()["sla"]
    assert sla["rule"]["id"] == rule.pk and sla["rule"]["is_shop_rule"]
    assert sla["rule"]["reason"].startswith("Правило магазина «Плохие отзывы»: оценка 1–2★")
    assert sla["state"] == "ok" and sla["escalation_steps_done"] == 0 and sla["escalation_steps_total"] == 1
    assert sla["due_at"].startswith((start + timedelta(minutes=60)).strftime("%Y-%m-%dT%H:%M"))
    assert sla["started_at"] is not None and sla["next_escalation_at"] is not None
