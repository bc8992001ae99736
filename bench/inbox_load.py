"""The inbox benchmark's data set: 1,000,000 interactions (with messages, events, customers) across
1,000 shops, loaded with COPY while the secondary indexes are dropped, then rebuilt and analysed."""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import datetime, timedelta

BIG_SHARE = 0.10  # the big shop's share of all rows

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


def drop_secondary_indexes(tables: tuple[str, ...] = INDEXED_TABLES) -> list[str]:
    """Secondary indexes of `tables` are rebuilt after COPY: far faster than maintaining them row by row.
    Returns their definitions."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND i.schemaname = 'public'
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [list(tables)],
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
        "closed_at, reply_context, raw, search_text, inserted_at, updated_at, author_name"
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
                            cust_name,
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
