"""Detail, reply, PATCH, read and bulk on /api/interactions/{id}."""

from __future__ import annotations

import pytest
from django.utils import timezone

from integrations.models import ProductCard
from interactions.models import DeliveryState, Interaction, InteractionEvent, Message
from tests.factories import (
    CustomerFactory,
    InteractionEventFactory,
    MessageFactory,
    OutgoingMessageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_detail_has_story_customer_and_card(owner_client, make_interaction, owner, django_assert_max_num_queries):
    customer = CustomerFactory(seller=owner.seller, name="Ольга")
    interaction = make_interaction(
        customer=customer, product_id="123456", draft_text="Черновик", intent="delivery", ai_summary="Ждёт заказ"
    )
    other = make_interaction(customer=customer, kind="chat")
    MessageFactory(interaction=interaction, text="Где заказ?")
    OutgoingMessageFactory(interaction=interaction, author_user=owner, text="Едет")
    InteractionEventFactory(interaction=interaction, kind="created")
    ProductCard.objects.create(nm_id=123456, name="Платье", price_history=[{"dt": 1, "price": 1000}])

    with django_assert_max_num_queries(7):
        response = owner_client.get(f"/api/interactions/{interaction.id}")

    assert response.status_code == 200
    body = response.json()
    assert [m["text"] for m in body["messages"]] == ["Где заказ?", "Едет"]
    assert body["messages"][1]["author_user"]["email"] == owner.email
    assert [e["kind"] for e in body["events"]] == ["created"]
    assert body["customer_summary"]["customer"]["name"] == "Ольга"
    assert [i["id"] for i in body["customer_summary"]["other_interactions"]] == [other.id]
    assert body["product_card"]["name"] == "Платье" and body["product_card"]["price_history"][0]["price"] == 1000
    assert body["draft_text"] == "Черновик" and body["intent"] == "delivery" and body["ai_summary"] == "Ждёт заказ"


def test_reply_creates_pending_message(owner_client, make_interaction):
    interaction = make_interaction(kind="review", rating=2)
    response = owner_client.post(
        f"/api/interactions/{interaction.id}/reply", {"text": "Нам жаль, разберёмся."}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["delivery_state"] == "pending"
    message = Message.objects.get(pk=response.json()["id"])
    assert message.delivery_state == DeliveryState.PENDING and message.text == "Нам жаль, разберёмся."
    assert not Interaction.objects.get(pk=interaction.pk).needs_response


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"text": "   "}, "text"), ({}, "text"), ({"text": "x" * 5001}, "text"), ({"text": "я"}, "text")],
)
def test_reply_bad_input(owner_client, make_interaction, payload, field):
    interaction = make_interaction(kind="review")
    response = owner_client.post(f"/api/interactions/{interaction.id}/reply", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Message.objects.exists()


def test_reply_to_wb_chat_without_reply_sign_is_a_clear_400(owner_client, make_interaction):
    interaction = make_interaction(kind="chat", reply_context={})
    response = owner_client.post(f"/api/interactions/{interaction.id}/reply", {"text": "Здравствуйте"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "reply_not_possible"


def test_patch_status_priority_assignee(owner_client, make_interaction, agent):
    interaction = make_interaction(priority="low")
    response = owner_client.patch(
        f"/api/interactions/{interaction.id}",
        {"status": "closed", "priority": "urgent", "assigned_to": agent.id, "draft_text": "Новый черновик"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "closed" and body["priority"] == "urgent" and body["assigned_to"]["id"] == agent.id
    assert body["draft_text"] == "Новый черновик"
    kinds = set(InteractionEvent.objects.filter(interaction=interaction).values_list("kind", flat=True))
    assert {"closed", "priority_changed", "assigned"} <= kinds

    response = owner_client.patch(f"/api/interactions/{interaction.id}", {"status": "open"}, format="json")
    assert response.json()["status"] == "open"
    assert InteractionEvent.objects.filter(interaction=interaction, kind="reopened").exists()


@pytest.mark.parametrize(
    "payload",
    [{"status": "lost"}, {"priority": "asap"}, {"assigned_to": "bob"}, {}],
)
def test_patch_bad_input(owner_client, make_interaction, payload):
    interaction = make_interaction()
    response = owner_client.patch(f"/api/interactions/{interaction.id}", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_cannot_assign_member_of_another_shop(owner_client, make_interaction):
    interaction = make_interaction()
    stranger = UserFactory()
    response = owner_client.patch(f"/api/interactions/{interaction.id}", {"assigned_to": stranger.id}, format="json")
    assert response.status_code == 400 and "assigned_to" in response.json()["errors"]
    assert Interaction.objects.get(pk=interaction.pk).assigned_to_id is None


def test_read_marks_new_as_open(owner_client, make_interaction):
    interaction = make_interaction()
    response = owner_client.post(f"/api/interactions/{interaction.id}/read")
    assert response.status_code == 200 and response.json() == {"id": interaction.id, "is_read": True, "status": "open"}
    assert InteractionEvent.objects.filter(interaction=interaction, kind="read").count() == 1
    owner_client.post(f"/api/interactions/{interaction.id}/read")
    assert InteractionEvent.objects.filter(interaction=interaction, kind="read").count() == 1


def test_bulk_close_reopen_assign_read(owner_client, make_interaction, agent, django_assert_max_num_queries):
    rows = [make_interaction() for _ in range(30)]
    ids = [r.id for r in rows]
    with django_assert_max_num_queries(10):
        response = owner_client.post("/api/interactions/bulk", {"action": "close", "ids": ids}, format="json")
    assert response.status_code == 200 and response.json()["changed"] == 30
    assert set(Interaction.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"closed"}
    assert InteractionEvent.objects.filter(kind="closed").count() == 30

    response = owner_client.post("/api/interactions/bulk", {"action": "reopen", "ids": ids[:5]}, format="json")
    assert response.json()["changed"] == 5
    response = owner_client.post(
        "/api/interactions/bulk", {"action": "assign", "ids": ids[:3], "assigned_to": agent.id}, format="json"
    )
    assert response.json()["changed"] == 3
    assert Interaction.objects.filter(assigned_to=agent).count() == 3
    response = owner_client.post("/api/interactions/bulk", {"action": "mark_read", "ids": ids}, format="json")
    assert response.json()["changed"] == 30
    assert not Interaction.objects.filter(is_read=False).exists()


def test_bulk_with_another_shops_id_changes_nothing(owner_client, make_interaction, other_owner):
    from tests.factories import InteractionFactory

    mine = make_interaction()
    foreign = InteractionFactory(connection__seller=other_owner.seller)
    response = owner_client.post(
        "/api/interactions/bulk", {"action": "close", "ids": [mine.id, foreign.id]}, format="json"
    )
    assert response.status_code == 404
    assert str(foreign.id) not in response.content.decode()
    assert Interaction.objects.get(pk=mine.pk).status == "new"
    assert Interaction.objects.get(pk=foreign.pk).status == "new"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"action": "close", "ids": list(range(1, 502))}, "ids"),
        ({"action": "close", "ids": []}, "ids"),
        ({"action": "explode", "ids": [1]}, "action"),
        ({"action": "assign", "ids": [1]}, "assigned_to"),
        ({"action": "close", "ids": ["x"]}, "ids"),
    ],
)
def test_bulk_bad_input(owner_client, payload, field):
    response = owner_client.post("/api/interactions/bulk", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_bulk_accepts_exactly_500(owner_client, make_interaction):
    from tests.factories import InteractionFactory

    connection = make_interaction().connection
    rows = InteractionFactory.create_batch(499, connection=connection)
    ids = [r.id for r in rows] + [Interaction.objects.exclude(pk__in=[r.id for r in rows]).get().id]
    response = owner_client.post("/api/interactions/bulk", {"action": "mark_read", "ids": ids}, format="json")
    assert response.status_code == 200 and response.json()["changed"] == 500
    assert timezone.now()
