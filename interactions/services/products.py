"""Product names learned after an item arrived (a WB card fetched later, an Ozon name looked up)."""

from __future__ import annotations

from collections.abc import Mapping

from interactions.models import Interaction


def product_names_fill(*, marketplace: str, names: Mapping[str, str]) -> int:
    """Give every item of this marketplace that has one of these product ids but no name its name.

    Only blank names are written: a name the item came with (WB's productName) is the marketplace's own.
    """
    filled = 0
    for product_id, name in names.items():
        if product_id and name:
            filled += Interaction.objects.filter(
                marketplace=marketplace, product_id=product_id, product_name=""
            ).update(product_name=name[:500])
    return filled
