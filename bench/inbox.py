"""Inbox benchmark: 1,000,000 interactions across 1,000 shops, measured through the real API stack.

    .venv/bin/python bench/inbox.py                  # load once (minutes), then measure (seconds)
    .venv/bin/python bench/inbox.py --rows 20000 --shops 50 --database agentiq_bench_inbox_small

The load uses COPY (psycopg 3) with secondary indexes dropped and rebuilt afterwards; it is skipped when
the database already holds the requested data set. Requests go through Django's test client with a
real JWT (in-process: URL routing, authentication, permissions, serializers), then over HTTP through a
real gunicorn with production settings, interleaved with a floor (a bare DRF list view over the same
table, `inbox_site_urls.py`); `--profile` prints a cProfile of in-process requests. The last stdout line
is one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlencode

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
    parser.add_argument("--http-rounds", type=int, default=300, help="requests per series over HTTP (0: skip)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6", help="the gunicorn's cache (flushed)")
    parser.add_argument(
        "--profile", choices=["list", "small_list", "detail"], help="print a cProfile of 200 in-process requests"
    )
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions per request with valgrind (≈ 3 min)"
    )
    parser.add_argument(
        "--fixed-details",
        action="store_true",
        help="the same detail interactions every run (spread over the big shop) instead of random ones: for A/B runs",
    )
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


FILTERS = {
    "needs_response": "needs_response=true",
    "kind_review_low_rating": "kind=review&rating_max=2",
    "marketplace_ozon_chats": "marketplace=ozon&kind=chat",
    "status_closed": "status=closed",
    "assigned_to_me": "assigned_to=me",
    "breached": "sla_state=breached",
}
SEARCH_WORDS = ("брак", "доставка", "размер", "платье", "аллергия")


@dataclass
class Shops:
    big_id: int
    small_id: int  # a ~900-row shop: where most sellers live
    big_token: str
    small_token: str
    detail_ids: list[int]


def shops(*, random_details: bool = True) -> Shops:
    """The big and a small shop, their owners' JWTs, and SAMPLES interactions of the big shop for the
    detail (random, or spread evenly over the shop when a count must repeat from run to run)."""
    from rest_framework_simplejwt.tokens import AccessToken

    from interactions.models import Interaction
    from sellers.models import Seller, User

    big, small = Seller.objects.filter(name__startswith="bench-").order_by("id")[:2]
    tokens = [str(AccessToken.for_user(User.objects.get(seller=s, role="owner"))) for s in (big, small)]
    big_ids = Interaction.objects.filter(seller=big).values_list("id", flat=True)
    if random_details:
        ids = list(big_ids.order_by("?")[:SAMPLES])
    else:
        every = list(big_ids.order_by("id"))
        ids = every[:: max(1, len(every) // SAMPLES)][:SAMPLES]
    return Shops(big_id=big.pk, small_id=small.pk, big_token=tokens[0], small_token=tokens[1], detail_ids=ids)


def measure(args: argparse.Namespace, bench: Shops) -> dict:
    from django.test import Client

    from interactions.models import Interaction

    client = Client(HTTP_AUTHORIZATION=f"Bearer {bench.big_token}")
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

    small_client = Client(HTTP_AUTHORIZATION=f"Bearer {bench.small_token}")
    small_times, _ = timed(small_client, f"/api/interactions?limit={PAGE}")
    results["small_list"] = {"p95_ms": p95(small_times), "p50_ms": round(statistics.median(small_times), 2)}

    filter_times: list[float] = []
    results["filters"] = {}
    for name, query in FILTERS.items():
        times, queries = timed(client, f"/api/interactions?limit={PAGE}&{query}", samples=SAMPLES // 2)
        filter_times += times
        results["filters"][name] = {"p95_ms": p95(times), "queries": queries}

    search_times: list[float] = []
    results["search"] = {}
    for word in SEARCH_WORDS:
        times, queries = timed(client, f"/api/interactions?limit={PAGE}&{urlencode({'q': word})}", samples=SAMPLES // 3)
        search_times += times
        results["search"][word] = {"p95_ms": p95(times), "queries": queries}

    ids = bench.detail_ids
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
        "big_shop_rows": Interaction.objects.filter(seller_id=bench.big_id).count(),
        "small_shop_rows": Interaction.objects.filter(seller_id=bench.small_id).count(),
        "list_p95_ms": results["list"]["p95_ms"],
        "small_list_p95_ms": results["small_list"]["p95_ms"],
        "filter_p95_ms": p95(filter_times),
        "search_p95_ms": p95(search_times),
        "detail_p95_ms": results["detail"]["p95_ms"],
        "stats_ms": results["stats_30d"]["p95_ms"],
        # The box is shared: the 1-minute load average before and after says how quiet it was.
        "loadavg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    return results


def measure_http(args: argparse.Namespace, bench: Shops) -> dict:
    """p50/p95 of every series over HTTP, and each one's ratio to the floor measured alongside it."""
    import redis
    from inbox_http import Client, gunicorn, interleaved

    redis.Redis.from_url(args.redis_url).flushdb()  # the bench's own db: throttle counts start empty
    series = {
        "floor": ([f"/bench/floor?seller={bench.small_id}"], None),
        "empty": (["/bench/empty"], None),
        "auth": (["/bench/auth"], bench.big_token),
        "list": ([f"/api/interactions?limit={PAGE}"], bench.big_token),
        "small_list": ([f"/api/interactions?limit={PAGE}"], bench.small_token),
        "detail": ([f"/api/interactions/{pk}" for pk in bench.detail_ids], bench.big_token),
        "filter": ([f"/api/interactions?limit={PAGE}&{query}" for query in FILTERS.values()], bench.big_token),
        "search": ([f"/api/interactions?limit={PAGE}&{urlencode({'q': w})}" for w in SEARCH_WORDS], bench.big_token),
    }
    log_path = ROOT / "var" / "bench-inbox-gunicorn.log"
    load_before = os.getloadavg()[0]
    with gunicorn(database_url=os.environ["DATABASE_URL"], redis_url=args.redis_url, log_path=log_path) as address:
        times = interleaved(Client(address), series, rounds=args.http_rounds)
    floor = p95([t for by_url in times["floor"].values() for t in by_url])
    results: dict = {}
    for name, by_url in times.items():
        every = [t for url_times in by_url.values() for t in url_times]
        results[name] = {
            "p95_ms": p95(every),
            "p50_ms": round(statistics.median(every), 2),
            "ratio_to_floor": round(p95(every) / floor, 2),
        }
        if name in ("filter", "search"):
            results[name]["p95_ms_by_url"] = {unquote(url.split("&", 1)[1]): p95(t) for url, t in by_url.items()}
    results["loadavg_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return results


def profile(name: str, bench: Shops, *, requests: int = 200) -> None:
    """cProfile of in-process requests (test client, same stack as gunicorn's workers minus HTTP)."""
    from django.test import Client

    token = bench.small_token if name == "small_list" else bench.big_token
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    urls = (
        [f"/api/interactions/{pk}" for pk in bench.detail_ids]
        if name == "detail"
        else [f"/api/interactions?limit={PAGE}"]
    )
    for url in urls[:5]:
        client.get(url)  # warm
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(requests):
        client.get(urls[n % len(urls)])
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    print(f"--- profile {name}: {requests} requests, {stats.total_calls / requests:.0f} function calls each", file=out)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
    # Call counts per request of what the issue names: model instances, Python-side timestamp parsing,
    # DRF field copies, compiled queries.
    watched = {
        "Model.from_db": ("django/db/models/base.py", "from_db"),
        "psycopg _load_iso (Python timestamptz parse)": ("psycopg/types/datetime.py", "_load_iso"),
        "DRF Field.__deepcopy__": ("rest_framework/fields.py", "__deepcopy__"),
        "SQLCompiler.as_sql": ("django/db/models/sql/compiler.py", "as_sql"),
    }
    for label, (path, function) in watched.items():
        count = sum(v[1] for f, v in stats.stats.items() if f[0].endswith(path) and f[2] == function)
        print(f"calls per request, {label}: {count / requests:g}", file=out)
    print(out.getvalue(), file=sys.stderr)


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


def series_names(http: dict) -> list[str]:
    return [name for name in http if name not in ("floor", "empty", "auth", "loadavg_1m")]


def main() -> None:
    args = parse_args()
    configure(args)
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", verbosity=0)
    if pending:
        # A data migration may rewrite most rows (0010 did): until a VACUUM the visibility map is gone, the
        # stats' index-only scans turn into heap scans and the figures measure the migration, not the code.
        print(f"applied {len(pending)} migrations: VACUUM ANALYZE…", file=sys.stderr, flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    timings: dict[str, float] = {}
    if args.reload or not is_loaded(rows=args.rows, shops=args.shops):
        print(f"loading {args.rows} interactions across {args.shops} shops…", file=sys.stderr, flush=True)
        timings = load(rows=args.rows, shops=args.shops)
        print(f"loaded: {timings}", file=sys.stderr, flush=True)
    else:
        print("data already loaded: skipping the load", file=sys.stderr, flush=True)
    bench = shops(random_details=not args.fixed_details)
    if args.profile:
        profile(args.profile, bench)
    results = measure(args, bench)
    if args.explain:
        explain(bench.big_id)
    for name, value in results.items():
        if name != "summary":
            print(f"{name}: {json.dumps(value, ensure_ascii=False)}")
    if args.http_rounds:
        http = measure_http(args, bench)
        for name, value in http.items():
            print(f"http {name}: {json.dumps(value, ensure_ascii=False)}")
        results["summary"].update(
            http_list_p95_ms=http["list"]["p95_ms"],
            http_small_list_p95_ms=http["small_list"]["p95_ms"],
            http_detail_p95_ms=http["detail"]["p95_ms"],
            http_filter_p95_ms=http["filter"]["p95_ms"],
            http_search_p95_ms=http["search"]["p95_ms"],
            floor_http_p95_ms=http["floor"]["p95_ms"],
            empty_http_p95_ms=http["empty"]["p95_ms"],
            auth_http_p95_ms=http["auth"]["p95_ms"],
            http_ratio_to_floor={name: http[name]["ratio_to_floor"] for name in series_names(http)},
            http_loadavg_1m=http["loadavg_1m"],
        )
    if args.instructions:
        from inbox_cost import instructions_per_request

        counts = instructions_per_request(database_url=os.environ["DATABASE_URL"], redis_url=args.redis_url)
        print(f"instructions per request (millions): {json.dumps(counts)}")
        results["summary"]["instructions_per_request_m"] = counts
    if timings:
        print(f"load: {json.dumps(timings)}")
    print(json.dumps(results["summary"]))


if __name__ == "__main__":
    main()
