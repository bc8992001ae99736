"""ProductCard cache: WB CDN cards for the nmIds the sync sees, fetched once and refreshed after 24 h.

A missing card is cached too (is_missing), and nothing here ever raises: a card is decoration,
never a reason for a sync to fail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from integrations.models import ProductCard
from integrations.wildberries import cards as wb_cards
from interactions.models import Marketplace

logger = logging.getLogger(__name__)

BASKET_CACHE_SECONDS = 7 * 24 * 3600
MAX_PER_CALL = 200


def _basket_key(vol: int) -> str:
    return f"wbcdn:basket:{vol}"


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def ensure_product_cards(*, nm_ids: Iterable[int], max_age: timedelta = timedelta(hours=24)) -> None:
    try:
        wanted = sorted({int(n) for n in nm_ids if isinstance(n, int | str) and str(n).isdigit() and int(n) > 0})
    except (TypeError, ValueError):
        return
    if not wanted:
        return
    try:
        fresh_after = timezone.now() - max_age
        fresh = set(
            ProductCard.objects.filter(
                marketplace=Marketplace.WILDBERRIES, nm_id__in=wanted, fetched_at__gte=fresh_after
            ).values_list("nm_id", flat=True)
        )
        known_baskets = dict(
            ProductCard.objects.filter(marketplace=Marketplace.WILDBERRIES, nm_id__in=wanted)
            .filter(~Q(basket=""))
            .values_list("nm_id", "basket")
        )
    except Exception:
        logger.exception("product cards: cannot read the cache table")
        return
    named: dict[str, str] = {}
    for nm_id in [n for n in wanted if n not in fresh][:MAX_PER_CALL]:
        try:
            name = _refresh(nm_id, known_basket=known_baskets.get(nm_id, ""))
        except Exception:
            # Never let a card break the sync; the next sync tries again.
            logger.exception("product card %s: refresh failed", nm_id)
            continue
        if name:
            named[str(nm_id)] = name
    if named:
        _name_items(named)


def _name_items(names: dict[str, str]) -> None:
    """Items that arrived before their card (WB chats carry no product name) get the card's name."""
    from interactions.services import product_names_fill

    try:
        product_names_fill(marketplace=Marketplace.WILDBERRIES, names=names)
    except Exception:
        logger.exception("product cards: could not name the items")


def _refresh(nm_id: int, *, known_basket: str) -> str:
    """Fetch and store one card; returns its name ("" when the card is missing)."""
    vol, _ = wb_cards.vol_part(nm_id)
    remembered = cache.get(_basket_key(vol)) or (int(known_basket) if known_basket.isdigit() else None)
    found = wb_cards.find_card(nm_id, first=remembered)
    now = timezone.now()
    if found is None:
        ProductCard.objects.update_or_create(
            marketplace=Marketplace.WILDBERRIES,
            nm_id=nm_id,
            defaults={"is_missing": True, "fetched_at": now},
        )
        return ""
    basket, card = found
    cache.set(_basket_key(vol), basket, BASKET_CACHE_SECONDS)
    history = wb_cards.fetch_price_history(nm_id, basket)
    selling = card.get("selling") if isinstance(card.get("selling"), dict) else {}
    media = card.get("media") if isinstance(card.get("media"), dict) else {}
    photo_count = media.get("photo_count")
    name = _text(card.get("imt_name"), 500)
    ProductCard.objects.update_or_create(
        marketplace=Marketplace.WILDBERRIES,
        nm_id=nm_id,
        defaults={
            "name": name,
            "brand": _text(selling.get("brand_name"), 200),
            "vendor_code": _text(card.get("vendor_code"), 200),
            "category": _text(card.get("subj_name"), 200),
            "photo_count": photo_count if isinstance(photo_count, int) and photo_count >= 0 else 0,
            "basket": f"{basket:02d}",
            "card": card,
            "price_history": history,
            "is_missing": False,
            "fetched_at": now,
        },
    )
    return name
