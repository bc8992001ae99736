"""The sandbox's product catalog: products keyed by nmId/sku, WB CDN card.json and price-history.json.

Everything here is a pure function of (seed, nmId), so the CDN needs no shop state.
"""

from __future__ import annotations

import functools
import hashlib
import random
from dataclasses import dataclass

from sandbox import texts

# docs/marketplaces.md §5: first row whose upper bound is >= vol gives the basket.
BASKET_TABLE = (
    (143, 1), (287, 2), (431, 3), (719, 4), (1007, 5), (1061, 6), (1115, 7), (1169, 8), (1313, 9),
    (1601, 10), (1655, 11), (1919, 12), (2045, 13), (2189, 14), (2405, 15), (2621, 16), (2837, 17),
    (3053, 18), (3269, 19), (3485, 20), (3701, 21), (3917, 22), (4133, 23), (4349, 24), (4565, 25),
    (4877, 26), (5189, 27), (5501, 28), (5813, 29), (6125, 30), (6437, 31), (6749, 32), (7061, 33),
    (7373, 34), (7685, 35), (7997, 36), (8309, 37), (8741, 38), (9173, 39), (9605, 40),
)  # fmt: skip
NM_ID_MIN = 10_000_000
NM_ID_MAX = 960_000_000


@dataclass(frozen=True)
class Product:
    nm_id: int
    imt_id: int
    name: str
    subject: str
    root_subject: str
    brand: str
    article: str
    color: str
    size: str
    subject_id: int
    supplier_name: str
    price_kopecks: int


def table_basket(nm_id: int) -> int:
    vol = nm_id // 100_000
    for upper, basket in BASKET_TABLE:
        if vol <= upper:
            return basket
    return 41


def _hash(*parts: object) -> int:
    return int.from_bytes(hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


@functools.lru_cache(maxsize=65536)
def card_basket(nm_id: int) -> int | None:
    """The basket that really serves this nmId's card: the table's, its neighbour for ~1 in 5, none for ~1 in 12."""
    h = _hash("basket", nm_id)
    if h % 12 == 0:
        return None
    if h % 5 == 1:
        return table_basket(nm_id) + 1
    return table_basket(nm_id)


def has_price_history(nm_id: int) -> bool:
    return _hash("prices", nm_id) % 7 != 3


@functools.lru_cache(maxsize=65536)
def product(nm_id: int) -> Product:
    rng = random.Random(_hash("product", nm_id))
    subject, root, name, brand = rng.choice(texts.PRODUCTS)
    return Product(
        nm_id=nm_id,
        imt_id=nm_id // 3 + 7,
        name=name,
        subject=subject,
        root_subject=root,
        brand=brand,
        article=f"{rng.choice('ABCDKMP')}{rng.randint(100, 99999)}/{rng.choice(texts.COLORS)}",
        color=rng.choice(texts.COLORS),
        size=rng.choice(texts.SIZES),
        subject_id=100 + texts.PRODUCTS.index((subject, root, name, brand)),
        supplier_name="ИП Песочница",
        price_kopecks=rng.randint(29, 9_999) * 100,
    )


def _card_kind(nm_id: int) -> str:
    where = card_basket(nm_id)
    return "missing" if where is None else ("neighbour" if where != table_basket(nm_id) else "home")


def shop_nm_ids(rng: random.Random, count: int) -> list[int]:
    """`count` (>= 2) nmIds; the first has no card and the second lives on a neighbour basket, so every shop
    exercises the client's probing and its missing-card path."""
    ids = [rng.randint(NM_ID_MIN, NM_ID_MAX) for _ in range(count)]
    for position, kind in enumerate(("missing", "neighbour")):
        while _card_kind(ids[position]) != kind:
            ids[position] = rng.randint(NM_ID_MIN, NM_ID_MAX)
    return ids


def card_json(nm_id: int) -> dict:
    p = product(nm_id)
    rng = random.Random(_hash("card", nm_id))
    options = [
        {"name": "Цвет", "value": p.color, "charc_type": 1},
        {
            "name": "Страна производства",
            "value": rng.choice(("Россия", "Китай", "Турция", "Беларусь")),
            "charc_type": 1,
        },
    ]
    return {
        "imt_id": p.imt_id,
        "nm_id": p.nm_id,
        "imt_name": p.name,
        "slug": f"item-{p.nm_id}",
        "subj_name": p.subject,
        "subj_root_name": p.root_subject,
        "vendor_code": p.article,
        "kinds": ["Унисекс"],
        "description": f"{p.name}. Бренд {p.brand}.",
        "options": options,
        "grouped_options": [{"group_name": "Основная информация", "options": options}],
        "compositions": [{"name": "хлопок 100%"}],
        "nm_colors_names": p.color,
        "colors": [p.nm_id],
        "full_colors": [{"nm_id": p.nm_id}],
        "contents": "1 шт",
        "selling": {"brand_name": p.brand, "brand_hash": f"{_hash('brand', p.brand):016X}", "supplier_id": 528630},
        "media": {"has_video": rng.random() < 0.3, "photo_count": rng.randint(1, 8)},
        "data": {"subject_id": p.subject_id, "subject_root_id": 1, "chrt_ids": [p.nm_id * 2, p.nm_id * 2 + 1]},
        "update_date": "2026-03-05T14:41:40.836797Z",
        "create_date": "2024-11-20T07:37:58.269761Z",
    }


def price_history(nm_id: int, *, now: float) -> list[dict]:
    p = product(nm_id)
    rng = random.Random(_hash("history", nm_id))
    week = 7 * 24 * 3600
    last = int(now) // week * week
    points = []
    for i in range(rng.randint(2, 10)):
        factor = 1 + rng.uniform(-0.15, 0.25)
        points.append({"dt": last - i * week, "price": {"RUB": int(p.price_kopecks * factor) // 100 * 100}})
    points.reverse()
    return points
