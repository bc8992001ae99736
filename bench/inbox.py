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
import secrets
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from inbox_load import is_loaded, load

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
