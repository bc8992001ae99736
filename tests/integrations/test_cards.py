"""WB CDN product cards against the sandbox CDN: basket guess, neighbour fallback, cached misses, 24 h staleness."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from integrations.cards import ensure_product_cards
from integrations.models import ProductCard
from integrations.wildberries import cards as wb_cards
from sandbox import catalog


def shop_nm_ids(shop) -> list[int]:
    return sorted({f["nm_id"] for f in shop.truth()["wb"]["feedbacks"]})


def test_basket_table_and_urls(settings):
    settings.WB_CDN_BASE_URL = "https://basket-{basket}.wbbasket.ru"
    assert wb_cards.vol_part(287700029) == (2877, 287700)
    assert wb_cards.guess_basket(287700029) == 18
    assert wb_cards.guess_basket(14_300_000) == 1 and wb_cards.guess_basket(14_400_000) == 2
    assert wb_cards.guess_basket(999_999_999) == 41
    assert wb_cards.neighbours(1) == [1, 2, 3]
    assert wb_cards.card_url(287700029, 18, "card") == (
        "https://basket-18.wbbasket.ru/vol2877/part287700/287700029/info/ru/card.json"
    )
    assert wb_cards.card_url(287700029, 18, "price").endswith("/287700029/info/price-history.json")


def test_cards_are_fetched_with_neighbour_fallback_and_misses_cached(db, sandbox, sandbox_shop):
    nm_ids = shop_nm_ids(sandbox_shop)
    kinds = {nm: catalog.card_basket(nm) for nm in nm_ids}
    assert None in kinds.values()  # every sandbox shop has a missing card …
    assert any(b is not None and b != catalog.table_basket(nm) for nm, b in kinds.items())  # … and a neighbour one

    ensure_product_cards(nm_ids=nm_ids)

    stored = {c.nm_id: c for c in ProductCard.objects.filter(nm_id__in=nm_ids)}
    assert set(stored) == set(nm_ids)
    for nm_id, basket in kinds.items():
        card = stored[nm_id]
        if basket is None:
            assert card.is_missing is True and card.name == ""
            continue
        assert card.is_missing is False
        assert card.basket == f"{basket:02d}"
        expected = catalog.card_json(nm_id)
        assert card.name == expected["imt_name"]
        assert card.brand == expected["selling"]["brand_name"]
        assert card.vendor_code == expected["vendor_code"]
        assert card.photo_count == expected["media"]["photo_count"]
        if catalog.has_price_history(nm_id):
            assert card.price_history and [p["dt"] for p in card.price_history] == sorted(
                p["dt"] for p in card.price_history
            )


def test_fresh_cards_cost_no_requests_and_stale_ones_are_refreshed(db, sandbox, sandbox_shop):
    nm_ids = shop_nm_ids(sandbox_shop)
    ensure_product_cards(nm_ids=nm_ids)
    before = sandbox.state.stats()["requests"]
    ensure_product_cards(nm_ids=nm_ids)
    assert sandbox.state.stats()["requests"] == before  # fresh, and misses are cached too

    first_seen = ProductCard.objects.get(nm_id=nm_ids[0]).fetched_at
    with freeze_time(timezone.now() + timedelta(hours=25)):
        ensure_product_cards(nm_ids=nm_ids)
        assert sandbox.state.stats()["requests"] > before
        assert ProductCard.objects.get(nm_id=nm_ids[0]).fetched_at > first_seen


def test_remembered_basket_is_tried_first(db, sandbox, sandbox_shop):
    neighbour = next(
        nm for nm in shop_nm_ids(sandbox_shop) if catalog.card_basket(nm) not in (None, catalog.table_basket(nm))
    )
    ensure_product_cards(nm_ids=[neighbour])
    before = sandbox.state.stats()["requests"]
    ensure_product_cards(nm_ids=[neighbour], max_age=timedelta(0))
    # card.json straight from the remembered basket, then the price history: two requests, no probing.
    assert sandbox.state.stats()["requests"] - before == 2


def test_unreachable_cdn_never_raises_and_caches_no_miss(db, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.WB_CDN_BASE_URL = f"http://127.0.0.1:{port}/basket-{{basket}}"
    ensure_product_cards(nm_ids=[287700029, "not-a-number", -5])
    assert not ProductCard.objects.exists()


@pytest.mark.parametrize("nm_ids", [[], [0], ["x"]])
def test_nothing_to_fetch_is_a_no_op(db, nm_ids):
    ensure_product_cards(nm_ids=nm_ids)
    assert not ProductCard.objects.exists()
