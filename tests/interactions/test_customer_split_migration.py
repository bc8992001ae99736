"""Migration 0009 splits the name-keyed customers apart, losing no interaction, message or note."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("interactions", "0009_buyer_links")
SPLIT = ("interactions", "0010_split_name_keyed_customers")


def migrate(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture
def at_latest():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def make_history(apps):
    """What the name-keyed upsert left behind: two Сергей merged, one buyer with a stable WB clientID."""
    Customer = apps.get_model("interactions", "Customer")
    Interaction = apps.get_model("interactions", "Interaction")
    Message = apps.get_model("interactions", "Message")
    wb = ConnectionFactory(marketplace="wb")
    now = timezone.now()
    sergey = Customer.objects.create(
        seller_id=wb.seller_id,
        marketplace="wb",
        external_id="name:сергей",
        name="Сергей",
        reviews_count=2,
        average_rating="3.00",
        notes="Звонил по браку",
        tags=["брак"],
        first_seen_at=now - timedelta(days=3),
        last_seen_at=now,
    )
    alena = Customer.objects.create(
        seller_id=wb.seller_id, marketplace="wb", external_id="186132", name="Алёна", chats_count=1
    )
    rows = {}
    for ext, kind, customer in (("f1", "review", sergey), ("f2", "review", sergey), ("c1", "chat", alena)):
        rows[ext] = Interaction.objects.create(
            seller_id=wb.seller_id,
            connection_id=wb.pk,
            marketplace="wb",
            kind=kind,
            external_id=ext,
            customer=customer,
            created_at=now,
        )
        Message.objects.create(
            interaction=rows[ext], seller_id=wb.seller_id, direction="in", author="buyer", text=f"текст {ext}"
        )
    return alena, rows


def test_split_detaches_name_keyed_customers_keeps_everything_and_reverses(at_latest):
    apps = migrate(BEFORE)
    alena, rows = make_history(apps)

    apps = migrate(SPLIT)

    Customer = apps.get_model("interactions", "Customer")
    Interaction = apps.get_model("interactions", "Interaction")
    Message = apps.get_model("interactions", "Message")
    InteractionEvent = apps.get_model("interactions", "InteractionEvent")
    assert list(Customer.objects.values_list("external_id", "name", "chats_count")) == [("186132", "Алёна", 1)]
    after = {i.external_id: i for i in Interaction.objects.all()}
    assert set(after) == {"f1", "f2", "c1"} and Message.objects.count() == 3
    assert (after["f1"].customer_id, after["f1"].author_name) == (None, "Сергей")
    assert (after["f2"].customer_id, after["f2"].author_name) == (None, "Сергей")
    assert (after["c1"].customer_id, after["c1"].author_name) == (alena.pk, "Алёна")
    events = InteractionEvent.objects.filter(kind="customer_unlinked")
    assert sorted(e.interaction_id for e in events) == sorted([rows["f1"].pk, rows["f2"].pk])
    saved = events.first().data["customer"]
    assert (saved["notes"], saved["tags"], saved["reviews_count"]) == ("Звонил по браку", ["брак"], 2)

    apps = migrate(BEFORE)

    Customer = apps.get_model("interactions", "Customer")
    Interaction = apps.get_model("interactions", "Interaction")
    restored = Customer.objects.get(external_id="name:сергей")
    assert restored.name == "Сергей"
    assert (restored.notes, restored.tags, restored.reviews_count) == ("Звонил по браку", ["брак"], 2)
    assert str(restored.average_rating) == "3.00"
    linked = Interaction.objects.filter(customer=restored).values_list("external_id", flat=True)
    assert sorted(linked) == ["f1", "f2"]
    assert Interaction.objects.get(external_id="c1").customer_id == alena.pk
    assert not apps.get_model("interactions", "InteractionEvent").objects.filter(kind="customer_unlinked").exists()
