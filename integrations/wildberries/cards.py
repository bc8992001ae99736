"""WB public CDN product cards (no auth, unofficial): basket host from the nmId, card.json, price-history.json."""

from __future__ import annotations

from typing import Any

from integrations import http
from integrations.errors import BadResponse, IntegrationError, PermanentError
from integrations.ratelimit import Bucket

# (upper bound of vol, basket). WB adds hosts as ids grow, so this is a first guess: callers probe neighbours.
BASKETS = (
    (143, 1), (287, 2), (431, 3), (719, 4), (1007, 5), (1061, 6), (1115, 7), (1169, 8), (1313, 9),
    (1601, 10), (1655, 11), (1919, 12), (2045, 13), (2189, 14), (2405, 15), (2621, 16), (2837, 17),
    (3053, 18), (3269, 19), (3485, 20), (3701, 21), (3917, 22), (4133, 23), (4349, 24), (4565, 25),
    (4877, 26), (5189, 27), (5501, 28), (5813, 29), (6125, 30), (6437, 31), (6749, 32), (7061, 33),
    (7373, 34), (7685, 35), (7997, 36), (8309, 37), (8741, 38), (9173, 39), (9605, 40),
)  # fmt: skip
MAX_BASKET = 99
# No documented limit; stay polite across all workers.
CDN_BUCKET = Bucket(name="wb_cdn", rate=20.0, burst=20)


def vol_part(nm_id: int) -> tuple[int, int]:
    return nm_id // 100_000, nm_id // 1000


def guess_basket(nm_id: int) -> int:
    vol, _ = vol_part(nm_id)
    for upper, basket in BASKETS:
        if vol <= upper:
            return basket
    return 41


def neighbours(basket: int, *, spread: int = 2) -> list[int]:
    """The guess first, then ±1, ±2…"""
    order = [basket]
    for step in range(1, spread + 1):
        order += [b for b in (basket + step, basket - step) if 1 <= b <= MAX_BASKET]
    return order


def card_url(nm_id: int, basket: int, name: str) -> str:
    vol, part = vol_part(nm_id)
    host = http.base_url("WB_CDN_BASE_URL").replace("{basket}", f"{basket:02d}")
    suffix = "info/ru/card.json" if name == "card" else "info/price-history.json"
    return f"{host}/vol{vol}/part{part}/{nm_id}/{suffix}"


def fetch_card(nm_id: int, basket: int) -> dict[str, Any]:
    """card.json from one basket. PermanentError(not_found) on 404; TransientError when the host is unreachable."""
    response = http.request("GET", card_url(nm_id, basket, "card"), marketplace=http.CDN, bucket=CDN_BUCKET)
    if not isinstance(response.data, dict):
        raise BadResponse("card.json is not an object")
    return response.data


def fetch_price_history(nm_id: int, basket: int) -> list[dict[str, Any]]:
    """Sorted by time; [] when the item has no history (404 or an empty answer)."""
    try:
        response = http.request("GET", card_url(nm_id, basket, "price"), marketplace=http.CDN, bucket=CDN_BUCKET)
    except PermanentError:
        return []
    points = [p for p in (response.data or []) if isinstance(p, dict) and isinstance(p.get("dt"), int)]
    return sorted(points, key=lambda p: p["dt"])


def find_card(nm_id: int, *, first: int | None = None) -> tuple[int, dict[str, Any]] | None:
    """Try the remembered (or guessed) basket, then its neighbours. None when the baskets say "not found";
    TransientError when none of them could be asked at all (do not cache that as a miss)."""
    tried: list[int] = []
    not_found = False
    last_error: IntegrationError | None = None
    for basket in ([first] if first else []) + neighbours(guess_basket(nm_id)):
        if basket in tried:
            continue
        tried.append(basket)
        try:
            return basket, fetch_card(nm_id, basket)
        except PermanentError:
            not_found = True
        except IntegrationError as exc:
            last_error = exc
    if not_found or last_error is None:
        return None
    raise last_error
