"""Product names for items whose marketplace payload has none.

WB chats carry only an nmId (`goodCard`), Ozon reviews, questions and chats only a SKU. Before a page
enters the inbox its unnamed products are named, in this order: another item of the same page, the
product cache (WB CDN cards, Ozon product info), an earlier item of the same shop, and for Ozon the
product info API. WB cards not yet cached are fetched after the sync (integrations.cards), which then
names the items that arrived without. A name is decoration: nothing here ever fails a sync.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.utils import timezone

from integrations.models import ProductCard
from interactions.models import Marketplace
from interactions.records import InteractionRecord

logger = logging.getLogger(__name__)

NAME_MAX_AGE = timedelta(hours=24)


def with_product_names(*, connection: Any, records: list[InteractionRecord]) -> list[InteractionRecord]:
    unnamed = {r.product_id for r in records if r.product_id.isdigit() and not r.product_name}
    if not unnamed:
        return records
    try:
        names = _names(connection=connection, product_ids=unnamed, records=records)
    except Exception:
        logger.exception("product names: lookup failed for connection %s", connection.pk)
        return records
    return [
        replace(r, product_name=names[r.product_id]) if not r.product_name and r.product_id in names else r
        for r in records
    ]


def _names(*, connection: Any, product_ids: set[str], records: list[InteractionRecord]) -> dict[str, str]:
    from interactions.selectors import product_names_known

    marketplace = connection.marketplace
    names = {r.product_id: r.product_name for r in records if r.product_id in product_ids and r.product_name}
    wanted = product_ids - names.keys()
    fresh_misses: set[str] = set()
    if wanted:
        for nm_id, name, is_missing, fetched_at in ProductCard.objects.filter(
            marketplace=marketplace, nm_id__in=[int(p) for p in wanted]
        ).values_list("nm_id", "name", "is_missing", "fetched_at"):
            if name:
                names[str(nm_id)] = name
            elif is_missing and fetched_at >= timezone.now() - NAME_MAX_AGE:
                fresh_misses.add(str(nm_id))
        wanted -= names.keys()
    if wanted:
        names.update(product_names_known(seller_id=connection.seller_id, marketplace=marketplace, product_ids=wanted))
        wanted -= names.keys()
    if wanted - fresh_misses and marketplace == Marketplace.OZON:
        names.update(_ozon_names(connection=connection, skus=sorted(int(p) for p in wanted - fresh_misses)))
    return names


def _ozon_names(*, connection: Any, skus: list[int]) -> dict[str, str]:
    from integrations.ozon.client import ozon_auth
    from integrations.ozon.products import product_names

    found = product_names(ozon_auth(connection), skus=skus)
    now = timezone.now()
    for sku in skus:
        name = found.get(sku, "")
        # A SKU Ozon does not return is remembered as missing too, so it is not asked for on every page.
        ProductCard.objects.update_or_create(
            marketplace=Marketplace.OZON,
            nm_id=sku,
            defaults={"name": name, "is_missing": not name, "fetched_at": now},
        )
    return {str(sku): name for sku, name in found.items()}
