"""Product names learned after an item arrived (a WB card fetched later, an Ozon name looked up)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import F, Value
from django.db.models.functions import Concat, Left

from interactions.models import Interaction
from interactions.services.customers import normalize_text
from interactions.services.upsert import SEARCH_TEXT_MAX_CHARS


def product_names_fill(*, marketplace: str, names: Mapping[str, str]) -> int:
    """Give every item of this marketplace that has one of these product ids but no name its name.

    Only blank names are written: a name the item came with (WB's productName) is the marketplace's own.
    The name also goes into the search text (first, so the length cap never cuts it off): a seller finds
    an item by its product the same way whether the name came with it or later.
    """
    filled = 0
    for product_id, name in names.items():
        name = normalize_text(name)[:500]
        if product_id and name:
            filled += Interaction.objects.filter(
                marketplace=marketplace, product_id=product_id, product_name=""
            ).update(
                product_name=name,
                search_text=Left(Concat(Value(name + " "), F("search_text")), SEARCH_TEXT_MAX_CHARS),
            )
    return filled
