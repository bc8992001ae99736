"""Customers, product cards and reply templates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import ProductCard
from interactions.models import Customer, ReplyTemplate
from tests.factories import CustomerFactory, InteractionFactory, ReplyTemplateFactory

pytestmark = pytest.mark.django_db


def test_customer_list_recent_first_with_cursor_and_search(owner_client, owner):
    now = timezone.now()
    customers = [
        CustomerFactory(seller=owner.seller, name=f"Покупатель {i}", last_seen_at=now - timedelta(hours=i))
        for i in range(5)
    ]
    first = owner_client.get("/api/customers", {"limit": 3}).json()
    assert [c["id"] for c in first["results"]] == [c.id for c in customers[:3]]
    second = owner_client.get("/api/customers", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [c["id"] for c in second["results"]] == [c.id for c in customers[3:]]
    assert second["next_cursor"] is None
    found = owner_client.get("/api/customers", {"q": "Покупатель 3"}).json()["results"]
    assert [c["id"] for c in found] == [customers[3].id]


def test_customer_detail_lists_interactions_across_marketplaces(owner_client, owner):
    customer = CustomerFactory(seller=owner.seller)
    wb = InteractionFactory(connection__seller=owner.seller, customer=customer)
    ozon = InteractionFactory(connection__seller=owner.seller, connection__marketplace="ozon", customer=customer)
    body = owner_client.get(f"/api/customers/{customer.id}").json()
    assert {i["id"] for i in body["interactions"]} == {wb.id, ozon.id}
    assert {i["marketplace"] for i in body["interactions"]} == {"wb", "ozon"}


def test_customer_patch_notes_and_tags(owner_client, owner):
    customer = CustomerFactory(seller=owner.seller)
    response = owner_client.patch(
        f"/api/customers/{customer.id}", {"notes": "Постоянный", "tags": ["vip", " vip", "опт"]}, format="json"
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.notes == "Постоянный" and customer.tags == ["vip", "опт"]
    assert owner_client.get("/api/customers", {"tag": "опт"}).json()["results"][0]["id"] == customer.id


@pytest.mark.parametrize("payload", [{}, {"tags": "vip"}, {"tags": ["x" * 51]}, {"notes": "x" * 5001}])
def test_customer_patch_bad_input(owner_client, owner, payload):
    customer = CustomerFactory(seller=owner.seller)
    response = owner_client.patch(f"/api/customers/{customer.id}", payload, format="json")
    assert response.status_code == 400 and response.json()["errors"]
    assert Customer.objects.get(pk=customer.pk).notes == ""


def test_product_card_and_price_history(owner_client, owner):
    InteractionFactory(connection__seller=owner.seller, product_id="4242", product_name="Куртка")
    ProductCard.objects.create(nm_id=4242, name="Куртка зимняя", brand="Бренд", price_history=[{"price": 5000}])
    body = owner_client.get("/api/products/4242").json()
    assert body["name"] == "Куртка зимняя" and body["card"]["brand"] == "Бренд"
    assert body["card"]["price_history"] == [{"price": 5000}] and body["interactions_count"] == 1


def test_product_without_cached_card_and_unknown_product(owner_client, owner):
    InteractionFactory(connection__seller=owner.seller, product_id="4243", product_name="Шапка")
    body = owner_client.get("/api/products/4243").json()
    assert body["name"] == "Шапка" and body["card"] is None
    ProductCard.objects.create(nm_id=9999, name="Чужой товар")
    assert owner_client.get("/api/products/9999").status_code == 404


def test_reply_templates_crud(owner_client, owner):
    response = owner_client.post(
        "/api/reply-templates", {"name": "Спасибо", "text": "Спасибо, {buyer_name}!", "kind": "review"}, format="json"
    )
    assert response.status_code == 201
    template_id = response.json()["id"]
    assert [t["name"] for t in owner_client.get("/api/reply-templates").json()] == ["Спасибо"]
    response = owner_client.patch(f"/api/reply-templates/{template_id}", {"text": "Благодарим!"}, format="json")
    assert response.status_code == 200 and response.json()["text"] == "Благодарим!"
    assert owner_client.delete(f"/api/reply-templates/{template_id}").status_code == 204
    assert not ReplyTemplate.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "", "text": "x"}, "name"),
        ({"name": "A"}, "text"),
        ({"name": "A", "text": "   "}, "text"),
        ({"name": "A", "text": "x", "kind": "letter"}, "kind"),
        ({"name": "Дубль", "text": "x"}, "name"),
    ],
)
def test_reply_template_bad_input(owner_client, owner, payload, field):
    ReplyTemplateFactory(seller=owner.seller, name="Дубль")
    response = owner_client.post("/api/reply-templates", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    template = ReplyTemplateFactory(seller=owner.seller, name="Другой")
    response = owner_client.patch(f"/api/reply-templates/{template.id}", {**payload, "name": "Дубль"}, format="json")
    assert response.status_code == 400
