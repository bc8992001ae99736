"""Every inbox and notifications endpoint and method, called by the owner of another shop: 404, or an empty list."""

from __future__ import annotations

import pytest

from integrations.models import ProductCard
from interactions.models import Customer, Interaction, InteractionEvent, Message, ReplyTemplate
from notifications.models import Notification
from tests.factories import (
    CustomerFactory,
    InteractionFactory,
    MessageFactory,
    NotificationFactory,
    ReplyTemplateFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(owner):
    customer = CustomerFactory(seller=owner.seller, notes="VIP")
    interaction = InteractionFactory(
        connection__seller=owner.seller, customer=customer, product_id="555", kind="review", rating=1
    )
    MessageFactory(interaction=interaction)
    ProductCard.objects.create(nm_id=555, name="Товар")
    template = ReplyTemplateFactory(seller=owner.seller)
    notification = NotificationFactory(recipient=owner, interaction=interaction)
    return {"interaction": interaction, "customer": customer, "template": template, "notification": notification}


def _state():
    return (
        list(Interaction.objects.order_by("id").values()),
        list(Message.objects.order_by("id").values()),
        list(Customer.objects.order_by("id").values()),
        list(ReplyTemplate.objects.order_by("id").values()),
        list(Notification.objects.order_by("id").values()),
        InteractionEvent.objects.count(),
    )


def test_other_shop_gets_404_everywhere(other_client, shop):
    i, c, t = shop["interaction"].id, shop["customer"].id, shop["template"].id
    before = _state()
    calls = [
        ("get", f"/api/interactions/{i}", None),
        ("patch", f"/api/interactions/{i}", {"status": "closed"}),
        ("post", f"/api/interactions/{i}/reply", {"text": "Чужой ответ"}),
        ("post", f"/api/interactions/{i}/read", None),
        ("post", "/api/interactions/bulk", {"action": "close", "ids": [i]}),
        ("get", f"/api/customers/{c}", None),
        ("patch", f"/api/customers/{c}", {"notes": "взлом"}),
        ("get", "/api/products/555", None),
        ("get", f"/api/reply-templates/{t}", None),
        ("patch", f"/api/reply-templates/{t}", {"name": "взлом"}),
        ("delete", f"/api/reply-templates/{t}", None),
        ("post", f"/api/notifications/{shop['notification'].id}/read", None),
    ]
    for method, url, payload in calls:
        response = getattr(other_client, method)(url, payload, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json()["code"] == "not_found"
    assert _state() == before


def test_other_shop_lists_are_empty(other_client, shop):
    assert other_client.get("/api/interactions").json()["results"] == []
    assert other_client.get("/api/interactions", {"customer": shop["customer"].id}).json()["results"] == []
    assert other_client.get("/api/customers").json()["results"] == []
    assert other_client.get("/api/reply-templates").json() == []
    notifications = other_client.get("/api/notifications").json()
    assert notifications["results"] == [] and notifications["unread_count"] == 0
    other_client.post("/api/notifications/read-all")
    assert Notification.objects.get().read_at is None
    stats = other_client.get("/api/stats").json()
    assert stats["open_count"] == 0 and stats["interactions_count"] == 0


def test_own_shop_sees_it(owner_client, shop):
    i, c, t = shop["interaction"].id, shop["customer"].id, shop["template"].id
    for url in (f"/api/interactions/{i}", f"/api/customers/{c}", "/api/products/555", f"/api/reply-templates/{t}"):
        assert owner_client.get(url).status_code == 200, url
