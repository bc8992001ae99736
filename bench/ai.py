#!/usr/bin/env python
"""AI pipeline benchmark (issue 16): analysis and drafts for N sandbox interactions against a sandbox LLM.

1. A fresh PostgreSQL database (`--database`, dropped and created), migrated; N interactions written through
   the sync's import door (`upsert_records`) from the sandbox's buyer texts and products, across `--shops`
   shops: reviews of every rating (5★ often without words), product questions and chats.
2. The sandbox LLM (`manage.py sandbox_llm`, its own process: an OpenAI-compatible API answering our real
   prompts) with `--latency-ms` per answer. The pipeline runs as the `ai` task runs it:
   `ai.services.process_interactions(ids)` (contexts in a few queries, the calls on AI_CONCURRENCY threads,
   results written and calls booked per batch). Figures: interactions per second, the answer cache's hit
   ratio, tokens and cost per 1,000 interactions (from the `LLMCall` rows, priced by `ai_prices`).
3. The same interactions again with no key (offline analyzer and template drafts, DB writes included), and
   the offline analyzer alone on their texts (`analyze_offline_many`).

    python bench/ai.py [--interactions 1000] [--latency-ms 300] [--shops 5]

The cache is Redis (`--redis-url`, flushed first) as in production; `--redis-url ''` uses local memory.
The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ai_setup import configure, free_port, log, recreate_database, start_llm  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=1000)
    parser.add_argument("--shops", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="agentiq_bench_ai")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--offline-texts", type=int, default=20_000)
    return parser.parse_args()


def records(rng: random.Random, count: int, shop: int) -> list:
    from django.utils import timezone

    from interactions.records import CustomerRecord, InteractionRecord, MessageRecord
    from sandbox import catalog, texts

    nm_ids = catalog.shop_nm_ids(rng, 12)
    now = timezone.now()
    out = []
    for number in range(count):
        nm_id = rng.choice(nm_ids)
        product = catalog.product(nm_id)
        wearable = product.root_subject in ("Одежда", "Обувь")
        roll = rng.random()
        created = now - timedelta(minutes=rng.randint(1, 600))
        rating = None
        if roll < 0.6:
            kind = "review"
            rating = rng.choices((5, 4, 3, 2, 1), weights=(50, 15, 10, 10, 15))[0]
            text = "" if rating == 5 and rng.random() < 0.4 else texts.review(rng, rating=rating, wearable=wearable)[0]
        elif roll < 0.8:
            kind = "question"
            text = texts.question(rng, wearable=wearable)[0]
        else:
            kind = "chat"
            text = rng.choice(texts.CHAT_OPENERS)
        name = rng.choice(texts.FIRST_NAMES)
        out.append(
            InteractionRecord(
                kind=kind,
                external_id=f"bench-{shop}-{number}",
                created_at=created,
                messages=[MessageRecord(f"bench-{shop}-{number}:1", "in", "buyer", text, created)],
                customer=CustomerRecord(external_id=f"buyer-{shop}-{rng.randint(1, count // 2)}", name=name)
                if kind == "chat"
                else CustomerRecord(external_id="", name=name),
                product_id=str(nm_id),
                product_name=product.name,
                rating=rating,
            )
        )
    return out


def load(args: argparse.Namespace) -> list[int]:
    from integrations.models import Connection
    from interactions.models import Interaction
    from interactions.services import upsert_records
    from sellers.models import Seller

    rng = random.Random(16)
    per_shop = args.interactions // args.shops
    for shop in range(args.shops):
        seller = Seller.objects.create(name=f"Бенч-магазин {shop + 1}", reply_signature=f"Команда магазина {shop + 1}")
        connection = Connection.objects.create(
            seller=seller, marketplace="wb", name="Бенч", wb_token=f"bench-token-{shop}"
        )
        count = per_shop if shop < args.shops - 1 else args.interactions - per_shop * (args.shops - 1)
        upsert_records(connection=connection, records=records(rng, count, shop))
    return list(Interaction.objects.order_by("pk").values_list("pk", flat=True))


def reset_ai(ids: list[int]) -> None:
    from ai.models import LLMCall
    from interactions.models import Interaction

    Interaction.objects.filter(pk__in=ids).update(
        ai_analyzed_at=None, ai_input_hash="", draft_text="", draft_source="", draft_for_hash="", drafted_at=None
    )
    LLMCall.objects.all().delete()


def flush_cache() -> None:
    from django.core.cache import cache

    cache.clear()


def run_llm(ids: list[int]) -> dict:
    from django.db.models import Count, Q, Sum

    from ai import services
    from ai.models import LLMCall

    started = time.perf_counter()
    outcome = services.process_interactions(ids)
    seconds = time.perf_counter() - started
    calls = LLMCall.objects.aggregate(
        n=Count("id"),
        hits=Count("id", filter=Q(cache_hit=True)),
        errors=Count("id", filter=~Q(error="")),
        prompt=Sum("prompt_tokens"),
        completion=Sum("completion_tokens"),
        cost=Sum("cost_usd"),
    )
    per_k = 1000 / len(ids)
    return {
        "seconds": round(seconds, 2),
        "throughput_per_s": round(len(ids) / seconds, 1),
        "analyzed": outcome.analyzed,
        "drafted": outcome.drafted,
        "llm_analyses": outcome.llm_analyses,
        "llm_drafts": outcome.llm_drafts,
        "fallbacks": outcome.fallbacks,
        "calls": calls["n"],
        "api_calls": calls["n"] - calls["hits"],
        "errors": calls["errors"],
        "cache_hit_ratio": round(calls["hits"] / calls["n"], 3) if calls["n"] else 0.0,
        "tokens_per_1k": round(((calls["prompt"] or 0) + (calls["completion"] or 0)) * per_k),
        "cost_usd_per_1k": round(float(calls["cost"] or 0) * per_k, 4),
    }


def run_offline_pipeline(ids: list[int]) -> dict:
    from django.conf import settings

    from ai import services

    settings.DEEPSEEK_API_KEY = ""
    started = time.perf_counter()
    outcome = services.process_interactions(ids)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "per_s": round(len(ids) / seconds), "drafted": outcome.drafted}


def run_offline_analyzer(ids: list[int], texts: int) -> float:
    from ai.context import contexts_for
    from ai.offline.analyzer import OfflineItem, analyze_offline_many

    items = [OfflineItem(kind=c.kind, rating=c.rating, text=c.text) for c in contexts_for(ids)]
    items = (items * (texts // len(items) + 1))[:texts]
    analyze_offline_many(items[:500])  # the stem cache warm, as in a worker
    started = time.perf_counter()
    for start in range(0, len(items), 256):
        analyze_offline_many(items[start : start + 256])
    return len(items) / (time.perf_counter() - started)


def main() -> None:
    args = parse_args()
    port = free_port()
    recreate_database(args.pg, args.database)
    configure(
        database_url=f"{args.pg}/{args.database}",
        redis_url=args.redis_url,
        llm_url=f"http://127.0.0.1:{port}/v1",
        api_key="sandbox-bench-key",
    )
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    log(f"loading {args.interactions} sandbox interactions into {args.shops} shops…")
    ids = load(args)
    llm = start_llm(port, latency_ms=args.latency_ms)
    try:
        reset_ai(ids)
        flush_cache()
        log(
            f"LLM pipeline: {len(ids)} interactions, {args.latency_ms} ms per answer, "
            f"AI_CONCURRENCY={settings.AI_CONCURRENCY}…"
        )
        figures = run_llm(ids)
        for key, value in figures.items():
            log(f"  {key}: {value}")
    finally:
        llm.terminate()
        llm.wait(10)
    reset_ai(ids)
    offline = run_offline_pipeline(ids)
    log(f"offline pipeline (analysis + template drafts + writes): {offline['per_s']} interactions/s")
    offline_per_s = run_offline_analyzer(ids, args.offline_texts)
    log(f"offline analyzer alone: {offline_per_s:,.0f} texts/s")
    print(
        json.dumps(
            {
                "bench": "ai",
                "interactions": len(ids),
                "latency_ms": args.latency_ms,
                "concurrency": settings.AI_CONCURRENCY,
                "throughput_per_s": figures["throughput_per_s"],
                "offline_per_s": round(offline_per_s),
                "offline_pipeline_per_s": offline["per_s"],
                "cache_hit_ratio": figures["cache_hit_ratio"],
                "tokens_per_1k": figures["tokens_per_1k"],
                "cost_usd_per_1k": figures["cost_usd_per_1k"],
                "api_calls": figures["api_calls"],
                "drafted": figures["drafted"],
                "fallbacks": figures["fallbacks"],
            }
        )
    )


if __name__ == "__main__":
    main()
