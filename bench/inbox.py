"""Inbox benchmark: 1,000,000 interactions across 1,000 shops, measured through the real API stack.

    .venv/bin/python bench/inbox.py                  # load once (minutes), then measure (seconds)
    .venv/bin/python bench/inbox.py --rows 20000 --shops 50 --database agentiq_bench_inbox_small

The load uses COPY (psycopg 3) with secondary indexes dropped and rebuilt afterwards; it is skipped when
the database already holds the requested data set. Requests go through Django's test client with a
real JWT: URL routing, authentication, permissions, serializers. The last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BIG_SHARE = 0.10
PAGE = 50
SAMPLES = 60


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--shops", type=int, default=1_000)
    parser.add_argument("--database", default="agentiq_bench_inbox")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reload", action="store_true", help="drop the loaded data and load again")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the main queries")
    return parser.parse_args()


def configure(args: argparse.Namespace) -> None:
    import psycopg

    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.database}"')
    os.environ["DATABASE_URL"] = f"{args.pg}/{args.database}"
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ENCRYPTION_KEYS", secrets.token_urlsafe(50))
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("THROTTLE_RATE_USER", "1000000/min")
    os.environ.pop("REDIS_URL", None)  # local-memory cache: measure the inbox, not a shared Redis
    os.environ["DJANGO_SETTINGS_MODULE"] = "agentiq.settings"
    import django

    django.setup()


# --- data ----------------------------------------------------------------------------------------------

PRODUCTS = [
    "Платье летнее",
    "Кроссовки беговые",
    "Куртка зимняя",
    "Футболка хлопковая",
    "Рюкзак городской",
    "Наушники беспроводные",
    "Чехол для телефона",
    "Шапка вязаная",
    "Джинсы прямые",
    "Сумка кожаная",
    "Крем для рук",
    "Чайник электрический",
    "Пылесос робот",
    "Кофемашина",
    "Детский конструктор",
]
BUYER_TEXTS = [
    "Товар пришёл с браком, шов разошёлся после первой стирки",
    "Размер маломерит, пришлось вернуть",
    "Отличное качество, спасибо продавцу",
    "Когда будет доставка? Заказ висит неделю",
    "Подскажите, есть ли размер M в наличии?",
    "Цвет не соответствует фото",
    "Всё понравилось, рекомендую",
    "Пришёл не тот товар, хочу обмен",
    "Упаковка порвана, коробка мятая",
    "Какой состав ткани? Можно стирать в машинке?",
    "Аллергия после использования крема",
    "Быстрая доставка, всё целое",
    "Не работает зарядка, наушники не включаются",
    "Совпадает с описанием, хорошая цена",
]
REPLIES = [
    "Спасибо за отзыв! Рады, что товар понравился.",
    "Здравствуйте! Нам жаль, что так вышло. Оформите возврат в личном кабинете маркетплейса.",
    "Здравствуйте! Да, размер M есть в наличии.",
    "Спасибо, что выбрали нас!",
]
NAMES = ["Анна", "Иван", "Мария", "Олег", "Екатерина", "Дмитрий", "Светлана", "Алексей", "Наталья", "Сергей"]
DEADLINE_MIN = {"urgent": 60, "high": 120, "normal": 1440, "low": 2880}
TARGET_MIN = {"urgent": 30, "high": 60, "normal": 240, "low": 1440}
RATINGS = [5] * 60 + [4] * 15 + [3] * 10 + [2] * 5 + [1] * 10

INDEXED_TABLES = (
    "interactions_interaction",
    "interactions_message",
    "interactions_interactionevent",
    "interactions_customer",
)


def is_loaded(*, rows: int, shops: int) -> bool:
    from interactions.models import Interaction
    from sellers.models import Seller

    return Seller.objects.filter(name__startswith="bench-").count() == shops and Interaction.objects.count() == rows


def wipe() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE interactions_interactionevent, interactions_message, interactions_interaction, "
            "interactions_customer, integrations_connection, sellers_user, sellers_seller RESTART IDENTITY CASCADE"
        )


def drop_secondary_indexes() -> list[str]:
    """Secondary indexes are rebuilt after COPY: far faster than maintaining them row by row."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND i.schemaname = 'public'
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [list(INDEXED_TABLES)],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    return [definition for _, definition in indexes]


def load(*, rows: int, shops: int) -> dict[str, float]:
    import psycopg
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from integrations.models import Connection
    from sellers.models import Seller, User

    rng = random.Random(42)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    now = datetime.now().astimezone()
    wipe()
    with transaction.atomic():
        sellers = Seller.objects.bulk_create([Seller(name=f"bench-{n:04d}") for n in range(shops)])
        password = make_password("bench-password-1")
        users = User.objects.bulk_create(
            [
                User(
                    email=f"owner{n}@bench.example",
                    seller=s,
                    role="owner",
                    password=password,
                    full_name=f"Владелец {n}",
                )
                for n, s in enumerate(sellers)
            ]
        )
        connections = Connection.objects.bulk_create(
            [Connection(seller=s, marketplace=m, name=f"{m}-{s.pk}") for s in sellers for m in ("wb", "ozon")]
        )
    conns = {(c.seller_id, c.marketplace): c.pk for c in connections}
    owner_of = {u.seller_id: u.pk for u in users}

    definitions = drop_secondary_indexes()
    big_rows = int(rows * BIG_SHARE)
    per_shop = [big_rows] + [0] * (shops - 1)
    rest = rows - big_rows
    for n in range(1, shops):
        per_shop[n] = rest // (shops - 1) + (1 if n <= rest % (shops - 1) else 0)

    interaction_cols = (
        "id, seller_id, connection_id, marketplace, kind, external_id, customer_id, product_id, product_name, rating, "
        "status, needs_response, priority, intent, sentiment, ai_summary, draft_text, first_response_due_at, "
        "first_responded_at, sla_state, assigned_to_id, is_read, created_at, last_message_at, last_buyer_message_at, "
        "closed_at, reply_context, raw, search_text, inserted_at, updated_at"
    )
    message_cols = (
        "id, interaction_id, seller_id, direction, author, author_user_id, text, attachments, external_id, created_at, "
        "delivery_state, attempts, last_error, sent_at"
    )
    event_cols = "interaction_id, kind, actor_id, data, created_at"
    customer_cols = (
        "id, seller_id, marketplace, external_id, name, first_seen_at, last_seen_at, chats_count, questions_count, "
        "reviews_count, average_rating, last_sentiment, notes, tags"
    )
    interaction_id = message_id = customer_id = 0
    t0 = time.perf_counter()
    # One session per table: a connection runs one COPY at a time. No FK triggers during the bulk load.
    dsn = os.environ["DATABASE_URL"]
    sessions = [psycopg.connect(dsn, autocommit=True) for _ in range(4)]
    for session in sessions:
        session.execute("SET session_replication_role = replica")
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        with (
            sessions[0].cursor().copy(f"COPY interactions_interaction ({interaction_cols}) FROM STDIN") as interactions,
            sessions[1].cursor().copy(f"COPY interactions_message ({message_cols}) FROM STDIN") as messages,
            sessions[2].cursor().copy(f"COPY interactions_interactionevent ({event_cols}) FROM STDIN") as events,
            sessions[3].cursor().copy(f"COPY interactions_customer ({customer_cols}) FROM STDIN") as customers,
        ):
            for shop_index, seller in enumerate(sellers):
                count = per_shop[shop_index]
                pool = []
                for _ in range(max(count // 3, 1)):
                    customer_id += 1
                    name = f"{rng.choice(NAMES)} {rng.randint(1, 999)}"
                    marketplace = "wb" if rng.random() < 0.6 else "ozon"
                    seen = now - timedelta(days=rng.uniform(0, 365))
                    customers.write_row(
                        (
                            customer_id,
                            seller.pk,
                            marketplace,
                            f"c{customer_id}",
                            name,
                            seen,
                            seen,
                            1,
                            0,
                            1,
                            4.5,
                            "",
                            "",
                            "[]",
                        )
                    )
                    pool.append((customer_id, name))
                for _ in range(count):
                    interaction_id += 1
                    marketplace = "wb" if rng.random() < 0.6 else "ozon"
                    roll = rng.random()
                    kind = "review" if roll < 0.55 else "question" if roll < 0.75 else "chat"
                    rating = rng.choice(RATINGS) if kind == "review" else None
                    if kind == "review":
                        priority = "urgent" if rating <= 2 else "high" if rating == 3 else "low"
                    else:
                        priority = "high"
                    # Skewed to the recent past, as a live inbox is.
                    age = timedelta(days=365 * rng.random() ** 2)
                    created = now - age
                    recent = age < timedelta(days=3)
                    needs = rng.random() < (0.6 if recent else 0.03)
                    due = created + timedelta(minutes=DEADLINE_MIN[priority])
                    responded = None if needs else created + timedelta(minutes=rng.lognormvariate(4, 1.2))
                    if needs:
                        status = "new" if rng.random() < 0.5 else "open"
                        sla_state = (
                            "breached"
                            if now >= due
                            else "due_soon"
                            if now >= created + timedelta(minutes=TARGET_MIN[priority])
                            else "ok"
                        )
                    else:
                        status = "waiting" if kind == "chat" and rng.random() < 0.3 else "closed"
                        sla_state = "ok"
                    cust_id, cust_name = rng.choice(pool)
                    product_no = rng.randrange(200)
                    product_name = f"{PRODUCTS[product_no % len(PRODUCTS)]} {product_no}"
                    text = rng.choice(BUYER_TEXTS)
                    reply = rng.choice(REPLIES) if responded else ""
                    assigned = owner_of[seller.pk] if shop_index == 0 and rng.random() < 0.3 else None
                    last_message = responded or created
                    interactions.write_row(
                        (
                            interaction_id,
                            seller.pk,
                            conns[(seller.pk, marketplace)],
                            marketplace,
                            kind,
                            f"x{interaction_id}",
                            cust_id,
                            str(100_000 + shop_index * 1000 + product_no),
                            product_name,
                            rating,
                            status,
                            needs,
                            priority,
                            "",
                            "",
                            "",
                            "",
                            due,
                            responded,
                            sla_state,
                            assigned,
                            not needs or rng.random() < 0.3,
                            created,
                            last_message,
                            created,
                            last_message if status == "closed" else None,
                            "{}",
                            "{}",
                            f"{product_name} {cust_name} {text} {reply}".strip(),
                            created,
                            last_message,
                        )
                    )
                    message_id += 1
                    messages.write_row(
                        (
                            message_id,
                            interaction_id,
                            seller.pk,
                            "in",
                            "buyer",
                            None,
                            text,
                            "[]",
                            f"m{message_id}",
                            created,
                            "",
                            0,
                            "",
                            None,
                        )
                    )
                    events.write_row((interaction_id, "created", None, "{}", created))
                    if responded:
                        message_id += 1
                        user = owner_of[seller.pk] if rng.random() < 0.7 else None
                        messages.write_row(
                            (
                                message_id,
                                interaction_id,
                                seller.pk,
                                "out",
                                "seller",
                                user,
                                reply,
                                "[]",
                                f"m{message_id}",
                                responded,
                                "sent",
                                1,
                                "",
                                responded,
                            )
                        )
                        events.write_row((interaction_id, "reply_sent", None, "{}", responded))
                if shop_index % 100 == 0:
                    print(f"  shop {shop_index}/{shops}: {interaction_id} interactions", file=sys.stderr, flush=True)
        for session in sessions:
            session.close()
        timings["copy_s"] = round(time.perf_counter() - t0, 1)
        t1 = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for definition in definitions:
            cursor.execute(definition)
        timings["index_s"] = round(time.perf_counter() - t1, 1)
        for table in ("interactions_interaction", "interactions_message", "interactions_customer"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
        cursor.execute("VACUUM (ANALYZE) interactions_interaction")
        cursor.execute("ANALYZE")
    timings["load_s"] = round(time.perf_counter() - started, 1)
    return timings


# --- measurement ---------------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)


def timed(client, url: str, *, samples: int = SAMPLES) -> tuple[list[float], int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm
    reset_queries()  # the log is a bounded deque: a full one would count nothing
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    queries = len(ctx.captured_queries)  # a lazy slice of the log, which the next request clears
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    durations = []
    for _ in range(samples):
        start = time.perf_counter()
        response = client.get(url)
        durations.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return durations, queries


def measure(args: argparse.Namespace) -> dict:
    from django.test import Client
    from rest_framework_simplejwt.tokens import RefreshToken

    from interactions.models import Interaction
    from sellers.models import Seller, User

    big = Seller.objects.filter(name__startswith="bench-").order_by("id").first()
    owner = User.objects.get(seller=big, role="owner")
    token = str(RefreshToken.for_user(owner).access_token)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    results: dict = {}
    load_before = os.getloadavg()[0]

    list_times, list_queries = timed(client, f"/api/interactions?limit={PAGE}")
    _, small_queries = timed(client, "/api/interactions?limit=5", samples=1)
    _, large_queries = timed(client, "/api/interactions?limit=100", samples=1)
    cursor = client.get(f"/api/interactions?limit={PAGE}").json()["next_cursor"]
    page2_times, _ = timed(client, f"/api/interactions?{urlencode({'limit': PAGE, 'cursor': cursor})}")
    results["list"] = {
        "p95_ms": p95(list_times),
        "p50_ms": round(statistics.median(list_times), 2),
        "queries": list_queries,
    }
    results["list_page2"] = {"p95_ms": p95(page2_times)}
    results["queries_by_page_size"] = {"5": small_queries, str(PAGE): list_queries, "100": large_queries}

    filters = {
        "needs_response": "needs_response=true",
        "kind_review_low_rating": "kind=review&rating_max=2",
        "marketplace_ozon_chats": "marketplace=ozon&kind=chat",
        "status_closed": "status=closed",
        "assigned_to_me": "assigned_to=me",
        "breached": "sla_state=breached",
    }
    filter_times: list[float] = []
    results["filters"] = {}
    for name, query in filters.items():
        times, queries = timed(client, f"/api/interactions?limit={PAGE}&{query}", samples=SAMPLES // 2)
        filter_times += times
        results["filters"][name] = {"p95_ms": p95(times), "queries": queries}

    search_times: list[float] = []
    results["search"] = {}
    for word in ("брак", "доставка", "размер", "платье", "аллергия"):
        times, queries = timed(client, f"/api/interactions?limit={PAGE}&{urlencode({'q': word})}", samples=SAMPLES // 3)
        search_times += times
        results["search"][word] = {"p95_ms": p95(times), "queries": queries}

    ids = list(Interaction.objects.filter(seller=big).order_by("?").values_list("id", flat=True)[:SAMPLES])
    detail_times = []
    client.get(f"/api/interactions/{ids[0]}")
    for pk in ids:
        start = time.perf_counter()
        response = client.get(f"/api/interactions/{pk}")
        detail_times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    _, detail_queries = timed(client, f"/api/interactions/{ids[0]}", samples=1)
    results["detail"] = {
        "p95_ms": p95(detail_times),
        "p50_ms": round(statistics.median(detail_times), 2),
        "queries": detail_queries,
    }

    stats_times, stats_queries = timed(client, "/api/stats", samples=10)
    results["stats_30d"] = {
        "p95_ms": p95(stats_times),
        "p50_ms": round(statistics.median(stats_times), 2),
        "queries": stats_queries,
    }
    year_times, _ = timed(client, f"/api/stats?from={(datetime.now() - timedelta(days=364)).date()}", samples=5)
    results["stats_365d"] = {"p50_ms": round(statistics.median(year_times), 2)}

    results["summary"] = {
        "bench": "inbox",
        "rows": Interaction.objects.count(),
        "big_shop_rows": Interaction.objects.filter(seller=big).count(),
        "list_p95_ms": results["list"]["p95_ms"],
        "filter_p95_ms": p95(filter_times),
        "search_p95_ms": p95(search_times),
        "detail_p95_ms": results["detail"]["p95_ms"],
        "stats_ms": results["stats_30d"]["p95_ms"],
        # The box is shared: the 1-minute load average before and after says how quiet it was.
        "loadavg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    return results


def explain(big_seller_id: int) -> None:
    """The plans behind the numbers (for bench/README.md)."""
    from django.db import connection

    from interactions.models import Interaction
    from interactions.selectors.inbox import ORDERINGS, _search

    order = [k.order_by() for k in ORDERINGS["default"]]
    base = Interaction.objects.filter(seller_id=big_seller_id)
    queries = {
        "default page": base.order_by(*order)[:51],
        "needs_response": base.filter(needs_response=True).order_by(*order)[:51],
        "q=брак": _search(base, "брак").order_by(*order)[:51],
        "q=аллергия": _search(base, "аллергия").order_by(*order)[:51],
    }
    for name, queryset in queries.items():
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            print(f"--- {name}", file=sys.stderr)
            for (line,) in cursor.fetchall():
                print(line, file=sys.stderr)


def main() -> None:
    args = parse_args()
    configure(args)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    timings: dict[str, float] = {}
    if args.reload or not is_loaded(rows=args.rows, shops=args.shops):
        print(f"loading {args.rows} interactions across {args.shops} shops…", file=sys.stderr, flush=True)
        timings = load(rows=args.rows, shops=args.shops)
        print(f"loaded: {timings}", file=sys.stderr, flush=True)
    else:
        print("data already loaded: skipping the load", file=sys.stderr, flush=True)
    results = measure(args)
    if args.explain:
        from sellers.models import Seller

        explain(Seller.objects.filter(name__startswith="bench-").order_by("id").first().pk)
    for name, value in results.items():
        if name != "summary":
            print(f"{name}: {json.dumps(value, ensure_ascii=False)}")
    if timings:
        print(f"load: {json.dumps(timings)}")
    print(json.dumps(results["summary"]))


if __name__ == "__main__":
    main()
