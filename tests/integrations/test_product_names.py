"""Every item that names a product id gets the product's name: from its own payload, the product cache,
the shop's other items, Ozon's product info, or a WB card fetched after the item arrived."""

from __future__ import annotations

from django.utils import timezone

from integrations.cards import ensure_product_cards
from integrations.models import ProductCard
from integrations.ozon.client import OzonAuth
from integrations.ozon.products import product_names
from integrations.products import with_product_names
from integrations.sync.engine import sync_connection
from interactions.models import Interaction
from interactions.records import InteractionRecord, MessageRecord
from interactions.services import product_names_fill
from sandbox import catalog
from tests.factories import ConnectionFactory, InteractionFactory, sandbox_connection

PRODUCT_INFO = "/v3/product/info/list"


def test_ozon_product_info_names_the_shops_own_skus_only(sandbox_shop):
    auth = OzonAuth(client_id=sandbox_shop.ozon_client_id, api_key=sandbox_shop.ozon_api_key)
    own = sorted({r["sku"] for r in sandbox_shop.truth()["ozon"]["reviews"]})

    names = product_names(auth, skus=[*own, 123_456_789])

    assert names == {sku: catalog.product(sku).name for sku in own}


def test_ozon_items_are_named_and_each_sku_is_asked_for_once(db, sandbox, sandbox_shop):
    sandbox.state.configure(rate_limits=False)
    connection = sandbox_connection(sandbox_shop, marketplace="ozon")

    sync_connection(connection_id=connection.pk)
    asked = sandbox.state.stats()["by_path"].get(PRODUCT_INFO, 0)
    sandbox_shop.add_traffic(reviews=3, questions=2, chats=1, marketplace="ozon")
    sync_connection(connection_id=connection.pk)

    items = Interaction.objects.filter(connection=connection)
    assert items.count() > 10
    assert {(i.product_id, i.product_name) for i in items} == {
        (i.product_id, catalog.product(int(i.product_id)).name) for i in items
    }
    assert asked >= 1
    # Traffic only mentions SKUs already named: the cache answers, Ozon is not asked again.
    assert sandbox.state.stats()["by_path"].get(PRODUCT_INFO, 0) == asked
    assert ProductCard.objects.filter(marketplace="ozon", is_missing=False).count() == len(
        {i.product_id for i in items}
    )


def test_a_wb_item_that_came_before_its_card_is_named_when_the_card_arrives(db, sandbox, sandbox_shop):
    nm_id = next(f["nm_id"] for f in sandbox_shop.truth()["wb"]["feedbacks"] if catalog.card_basket(f["nm_id"]))
    chat = InteractionFactory(kind="chat", product_id=str(nm_id), product_name="")
    named_elsewhere = InteractionFactory(kind="chat", product_id=str(nm_id), product_name="Своё имя")

    ensure_product_cards(nm_ids=[nm_id])

    chat.refresh_from_db()
    named_elsewhere.refresh_from_db()
    assert chat.product_name == catalog.product(nm_id).name
    assert named_elsewhere.product_name == "Своё имя"


def test_a_product_without_a_card_takes_the_name_the_shops_other_items_carry(db):
    connection = ConnectionFactory()
    InteractionFactory(connection=connection, kind="review", product_id="555", product_name="Кружка керамическая")
    InteractionFactory(kind="review", product_id="777", product_name="Чужой магазин")  # another shop's
    ProductCard.objects.create(marketplace="wb", nm_id=555, is_missing=True, fetched_at=timezone.now())
    message = MessageRecord(external_id="e1", direction="in", author="buyer", text="?", created_at=timezone.now())

    def chat(ext: str, product_id: str) -> InteractionRecord:
        return InteractionRecord(
            kind="chat", external_id=ext, created_at=message.created_at, messages=[message], product_id=product_id
        )

    named = with_product_names(connection=connection, records=[chat("c1", "555"), chat("c2", "777")])

    assert [r.product_name for r in named] == ["Кружка керамическая", ""]


def test_a_name_learned_later_makes_the_item_findable_by_it(db, owner_client, owner):
    connection = ConnectionFactory(seller=owner.seller)
    item = InteractionFactory(connection=connection, kind="chat", product_id="4242", search_text="когда привезут")
    InteractionFactory(connection=connection, kind="chat", product_id="4242", product_name="Своё имя")

    assert product_names_fill(marketplace="wb", names={"4242": "Термокружка  стальная"}) == 1

    item.refresh_from_db()
    assert item.product_name == "Термокружка стальная"
    found = owner_client.get("/api/interactions", {"q": "Термокружка"}).json()["results"]
    assert [row["id"] for row in found] == [item.pk]
