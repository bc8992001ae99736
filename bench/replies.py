#!/usr/bin/env python
"""Reply checks benchmark (issue 17): the guardrails and the repeated-answer guard against a shop with 100,000
earlier answers, and how many AI drafts for 5★ reviews of one product the guard would hold.

1. A fresh PostgreSQL database (`--database`, dropped and created), migrated; one shop with `--history`
   earlier answers to reviews and questions (bulk_create: interactions, the buyers' texts from the sandbox,
   our answers written by the offline templates over varied facts and by hand-style phrases), sent over the
   last 90 days across 300 products.
2. `--replies` new reviews and questions (the sync's import door, `upsert_records`), each with a reply drafted
   by the templates; each checked as the reply API checks it (`reply_check`: the guardrails and the
   repeated-answer guard, their queries included). Figures: p50/p95/p99 ms per reply.
3. The held share: `--drafts` 5★ reviews of ONE new product (40 % without words, as buyers leave them), for
   each path the pipeline has: the offline templates (no key) and the sandbox LLM (`manage.py sandbox_llm`,
   its own process, answering our real prompts). One at a time, as a seller works: the pipeline drafts it
   (`ai.services.process_interactions`), the guard checks the draft against the shop's sent answers
   (`repeat_check` at the default `reply_repeat_threshold`), the draft is sent and joins the history. Each
   path runs in a transaction rolled back afterwards, so both start from the same history.

    python bench/replies.py [--history 100000] [--replies 10000] [--drafts 1000]

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ai_setup import configure, free_port, log, recreate_database, start_llm  # noqa: E402

PRODUCTS = 300
HAND_OPENERS = ("Спасибо за отзыв!", "Благодарим вас!", "Очень приятно!", "Здравствуйте!", "Добрый день!")
HAND_MIDDLES = (
    "Рады, что {p} вам подошёл.",
    "Передадим ваши слова команде.",
    "Мы стараемся, чтобы каждый заказ радовал.",
    "Нам важно ваше мнение о товаре «{p}».",
    "Хорошо, что размер совпал.",
    "Упаковываем каждый заказ вручную.",
)
HAND_CLOSERS = ("Ждём вас снова!", "Хорошего дня!", "Приятных покупок!", "Всегда рады помочь.", "")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--drafts", type=int, default=1000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="agentiq_bench_replies")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--skip", nargs="*", default=[], choices=["check", "offline", "llm"])
    return parser.parse_args()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def _history_reply(rng: random.Random, *, number: int, kind: str, rating: int | None, buyer: str, name: str, product):
    from ai.offline.analyzer import analyze_offline
    from ai.offline.drafts import DraftFacts, offline_draft

    if rng.random() < 0.3:  # written by hand in the cabinet or in AgentIQ
        parts = [
            rng.choice(HAND_OPENERS),
            rng.choice(HAND_MIDDLES).format(p=product.name[:40]),
            rng.choice(HAND_CLOSERS),
        ]
        return " ".join(part for part in parts if part)
    found = analyze_offline(kind=kind, rating=rating, text=buyer)
    facts = DraftFacts(
        kind=kind,
        intent=found.intent,
        sentiment=found.sentiment,
        rating=rating,
        buyer_text=buyer,
        buyer_name=name if rng.random() < 0.5 else "",
        product_name=product.name,
        signature="Команда магазина «Бенч»",
    )
    return offline_draft(facts, seed=number)


def load_history(seller, connection, *, count: int, rng: random.Random) -> list[int]:
    from django.utils import timezone

    from interactions.models import Interaction, Message
    from sandbox import catalog, texts

    nm_ids = catalog.shop_nm_ids(rng, PRODUCTS)
    products = {nm_id: catalog.product(nm_id) for nm_id in nm_ids}
    now = timezone.now()
    batch = 5000
    for start in range(0, count, batch):
        rows, replies = [], []
        for number in range(start, min(count, start + batch)):
            nm_id = rng.choice(nm_ids)
            product = products[nm_id]
            wearable = product.root_subject in ("Одежда", "Обувь")
            created = now - timedelta(days=90) + timedelta(seconds=number * 7_776_000 // max(1, count))
            if rng.random() < 0.8:
                kind, rating = "review", rng.choices((5, 4, 3, 2, 1), weights=(55, 15, 10, 8, 12))[0]
                buyer = (
                    "" if rating == 5 and rng.random() < 0.4 else texts.review(rng, rating=rating, wearable=wearable)[0]
                )
            else:
                kind, rating = "question", None
                buyer = texts.question(rng, wearable=wearable)[0]
            name = rng.choice(texts.FIRST_NAMES)
            rows.append(
                Interaction(
                    seller=seller,
                    connection=connection,
                    marketplace="wb",
                    kind=kind,
                    external_id=f"h-{number}",
                    author_name=name,
                    product_id=str(nm_id),
                    product_name=product.name,
                    rating=rating,
                    status="closed",
                    needs_response=False,
                    created_at=created,
                    last_message_at=created + timedelta(hours=2),
                    closed_at=created + timedelta(hours=2),
                )
            )
            replies.append(
                (
                    buyer,
                    _history_reply(
                        rng, number=number, kind=kind, rating=rating, buyer=buyer, name=name, product=product
                    ),
                )
            )
        Interaction.objects.bulk_create(rows, batch_size=1000)
        messages = []
        for interaction, (buyer, reply) in zip(rows, replies, strict=True):
            messages.append(
                Message(
                    interaction=interaction,
                    seller=seller,
                    direction="in",
                    author="buyer",
                    text=buyer,
                    external_id=interaction.external_id,
                    created_at=interaction.created_at,
                )
            )
            messages.append(
                Message(
                    interaction=interaction,
                    seller=seller,
                    direction="out",
                    author="seller",
                    text=reply,
                    external_id=f"{interaction.external_id}:answer",
                    created_at=interaction.last_message_at,
                    delivery_state="sent",
                    sent_at=interaction.last_message_at,
                    marketplace_state="published",
                )
            )
        Message.objects.bulk_create(messages, batch_size=2000)
        log(f"  history: {min(count, start + batch):,} answers")
    return nm_ids


def new_records(rng: random.Random, count: int, nm_ids: list[int], *, prefix: str, rating: int | None = None):
    from django.utils import timezone

    from interactions.records import CustomerRecord, InteractionRecord, MessageRecord
    from sandbox import catalog, texts

    now = timezone.now()
    out = []
    for number in range(count):
        nm_id = rng.choice(nm_ids)
        product = catalog.product(nm_id)
        wearable = product.root_subject in ("Одежда", "Обувь")
        created = now - timedelta(minutes=count - number)
        stars = rating
        if rating is None and rng.random() < 0.25:
            kind, text = "question", texts.question(rng, wearable=wearable)[0]
        else:
            kind = "review"
            stars = rating or rng.choices((5, 4, 3, 2, 1), weights=(55, 15, 10, 8, 12))[0]
            text = "" if stars == 5 and rng.random() < 0.4 else texts.review(rng, rating=stars, wearable=wearable)[0]
        out.append(
            InteractionRecord(
                kind=kind,
                external_id=f"{prefix}-{number}",
                created_at=created,
                messages=[MessageRecord(f"{prefix}-{number}", "in", "buyer", text, created)],
                customer=CustomerRecord(external_id="", name=rng.choice(texts.FIRST_NAMES)),
                product_id=str(nm_id),
                product_name=product.name,
                rating=stars if kind == "review" else None,
            )
        )
    return out


def measure_checks(connection, records) -> dict:
    from ai.context import contexts_for
    from ai.offline.analyzer import analyze_offline
    from ai.offline.drafts import draft_facts_from, offline_draft
    from interactions.models import Interaction
    from interactions.services import upsert_records
    from interactions.services.reply_checks import reply_check

    for start in range(0, len(records), 1000):
        upsert_records(connection=connection, records=records[start : start + 1000])
    interactions = list(Interaction.objects.filter(external_id__startswith="n-").order_by("pk"))
    texts = {}
    for start in range(0, len(interactions), 500):
        for context in contexts_for([i.pk for i in interactions[start : start + 500]]):
            found = analyze_offline(kind=context.kind, rating=context.rating, text=context.text)
            facts = draft_facts_from(context)
            facts = type(facts)(**{**facts.__dict__, "intent": found.intent, "sentiment": found.sentiment})
            texts[context.interaction_id] = offline_draft(facts, seed=context.interaction_id)
    for interaction in interactions[:200]:  # warm: the compiled lists, the prepared plans, the caches
        reply_check(interaction=interaction, text=texts[interaction.pk])
    timings, blocked, held = [], 0, 0
    for interaction in interactions:
        started = time.perf_counter()
        checked = reply_check(interaction=interaction, text=texts[interaction.pk])
        timings.append((time.perf_counter() - started) * 1000)
        blocked += checked.verdict.blocked
        held += checked.repeat.held
    return {
        "replies": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "p99_ms": round(percentile(timings, 0.99), 2),
        "blocked": blocked,
        "held": held,
    }


class _Rollback(Exception):
    pass


def held_share(seller, connection, *, drafts: int, path: str, rng: random.Random, nm_id: int) -> dict:
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from ai import services
    from ai.llm.client import reset_client
    from interactions.models import Interaction, Message
    from interactions.selectors.replies import recent_replies_cache_clear
    from interactions.services import upsert_records
    from interactions.services.reply_checks import repeat_check

    records = new_records(rng, drafts, [nm_id], prefix=f"d-{path}", rating=5)
    figures: dict = {}
    try:
        with transaction.atomic():
            upsert_records(connection=connection, records=records)
            items = list(Interaction.objects.filter(external_id__startswith=f"d-{path}-").order_by("pk"))
            settings.DEEPSEEK_API_KEY = "sandbox-bench-key" if path == "llm" else ""
            reset_client()
            held, sources, scores, started = 0, {}, [], time.perf_counter()
            sent_at = timezone.now()
            for number, item in enumerate(items):
                services.process_interactions([item.pk])
                item.refresh_from_db(fields=["draft_text", "draft_source"])
                sources[item.draft_source] = sources.get(item.draft_source, 0) + 1
                result = repeat_check(seller=seller, interaction=item, text=item.draft_text)
                held += result.held
                scores.append(result.top_score)
                Message.objects.create(
                    interaction=item,
                    seller=seller,
                    direction="out",
                    author="seller",
                    text=item.draft_text,
                    external_id=f"{item.external_id}:answer",
                    created_at=sent_at + timedelta(seconds=number),
                    delivery_state="sent",
                    sent_at=sent_at + timedelta(seconds=number),
                )
                Interaction.objects.filter(pk=item.pk).update(needs_response=False, status="closed")
            figures = {
                "drafts": len(items),
                "held": held,
                "held_share": round(held / len(items), 4) if items else 0.0,
                "top_score_median": round(statistics.median(scores), 1) if scores else 0.0,
                "top_score_p95": round(percentile(scores, 0.95), 1) if scores else 0.0,
                "sources": sources,
                "seconds": round(time.perf_counter() - started, 1),
            }
            raise _Rollback
    except _Rollback:
        pass
    finally:
        settings.DEEPSEEK_API_KEY = ""
        reset_client()
        recent_replies_cache_clear()  # the guard's kept sets hold the drafts rolled back
    return figures


def main() -> None:
    args = parse_args()
    port = free_port()
    recreate_database(args.pg, args.database)
    configure(
        database_url=f"{args.pg}/{args.database}",
        redis_url=args.redis_url,
        llm_url=f"http://127.0.0.1:{port}/v1",
        api_key="",
    )
    from django.core.cache import cache
    from django.core.management import call_command

    from agentiq.runtime import runtime_get
    from integrations.models import Connection
    from sandbox import catalog
    from sellers.models import Seller

    call_command("migrate", verbosity=0)
    cache.clear()
    rng = random.Random(17)
    seller = Seller.objects.create(name="Бенч-магазин", reply_signature="Команда магазина «Бенч»")
    connection = Connection.objects.create(seller=seller, marketplace="wb", name="Бенч", wb_token="bench-token")
    log(f"loading {args.history:,} earlier answers of one shop…")
    started = time.perf_counter()
    nm_ids = load_history(seller, connection, count=args.history, rng=rng)
    _vacuum()
    log(f"  loaded in {time.perf_counter() - started:.0f} s")
    threshold = runtime_get("reply_repeat_threshold")
    result: dict = {"bench": "replies", "replies": 0, "check_p95_ms": None, "held_share_5star": None}

    if "check" not in args.skip:
        log(f"checking {args.replies:,} new replies (guardrails + repeated-answer guard, as the reply API)…")
        checks = measure_checks(connection, new_records(rng, args.replies, nm_ids, prefix="n"))
        for key, value in checks.items():
            log(f"  {key}: {value}")
        result.update(replies=checks["replies"], check_p95_ms=checks["p95_ms"], check_p50_ms=checks["p50_ms"])

    fresh = [nm_id for nm_id in catalog.shop_nm_ids(random.Random(1717), 50) if nm_id not in set(nm_ids)]
    product = fresh[0]
    log(f"held share: {args.drafts} drafts for 5★ reviews of product {product} ({catalog.product(product).name})…")
    if "offline" not in args.skip:
        offline = held_share(
            seller, connection, drafts=args.drafts, path="offline", rng=random.Random(5), nm_id=product
        )
        log(f"  offline templates: {offline}")
        result["held_share_5star_offline"] = offline["held_share"]
        result["held_share_5star"] = offline["held_share"]
    if "llm" not in args.skip:
        llm = start_llm(port, latency_ms=0)
        try:
            figures = held_share(
                seller, connection, drafts=args.drafts, path="llm", rng=random.Random(5), nm_id=product
            )
        finally:
            llm.terminate()
            llm.wait(10)
        log(f"  sandbox LLM: {figures}")
        result["held_share_5star_llm"] = figures["held_share"]
        result["held_share_5star"] = max(result["held_share_5star"] or 0.0, figures["held_share"])
    result.update(history=args.history, threshold=threshold, drafts=args.drafts)
    print(json.dumps(result))


def _vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


if __name__ == "__main__":
    main()
