"""WB public CDN: card.json and price-history.json at the basket that really holds the card (docs/marketplaces.md §5)."""

from __future__ import annotations

import re

from sandbox import catalog
from sandbox.wire import Response, json_response

PREFIX = "/cdn/"
_PATH = re.compile(r"^/cdn/basket-(\d{1,3})/vol(\d+)/part(\d+)/(\d+)/info/(ru/card\.json|price-history\.json)$")


def handle(path: str, now: float) -> Response:
    match = _PATH.match(path)
    if match is None:
        return _not_found()
    basket, vol, part, nm_id = (int(g) for g in match.groups()[:4])
    if vol != nm_id // 100_000 or part != nm_id // 1000 or catalog.card_basket(nm_id) != basket:
        return _not_found()
    if match.group(5) == "ru/card.json":
        return json_response(200, catalog.card_json(nm_id))
    if not catalog.has_price_history(nm_id):
        return _not_found()
    return json_response(200, catalog.price_history(nm_id, now=now))


def _not_found() -> Response:
    return Response(404, body=b"404 page not found", content_type="text/plain; charset=utf-8")
