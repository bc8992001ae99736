"""Ozon product info (no Premium needed): the names of a seller's products by SKU.

Reviews, questions and chats carry only a SKU; the name comes from /v3/product/info/list.
"""

from __future__ import annotations

from collections.abc import Iterable

from integrations.errors import BadResponse
from integrations.ozon.client import OzonAuth, as_id, call

MAX_PER_CALL = 1000  # Ozon's limit on identifiers in one request


def product_names(auth: OzonAuth, *, skus: Iterable[int]) -> dict[int, str]:
    """SKU → name for the seller's own products among `skus`; SKUs Ozon does not return are left out."""
    wanted = sorted(set(skus))
    names: dict[int, str] = {}
    for start in range(0, len(wanted), MAX_PER_CALL):
        chunk = wanted[start : start + MAX_PER_CALL]
        data = call(auth, "/v3/product/info/list", {"sku": [str(sku) for sku in chunk]})
        items = data.get("items")
        if not isinstance(items, list):
            raise BadResponse("Ozon вернул список товаров неизвестного формата.")
        for item in items:
            if not isinstance(item, dict):
                continue
            try:
                sku, name = as_id(item.get("sku")), item.get("name")
            except ValueError:
                continue
            if sku.isdigit() and isinstance(name, str) and name.strip():
                names[int(sku)] = name.strip()[:500]
    return names
