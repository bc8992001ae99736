#!/usr/bin/env python
"""Sync benchmark (issue 4): N connections against the sandbox marketplace with 50 ms per request.

Runs the sync the way production does: `sync_all_sellers` (the beat task) queues one
`sync_connection` per due connection into Redis, and Celery worker processes with a thread pool
consume the `sync` queue. Postgres (`agentiq_bench_sync`) and Redis (db 5) as in production.

Phases:
  1. initial import: every shop's generated history (not the headline; printed for reference).
     Product-card fetches the syncs queue go to the `default` queue, which these workers do not
     consume: cards are decoration, fetched once per nmId, and never hold up a sync;
  2. the headline cycle: every shop got new items on every stream, all connections due, one cycle;
  3. re-sync with nothing new: a full cycle through the workers, then a sequential sample measuring
     the database time per connection in-process (execute_wrapper around every query);
  4. the inbox is compared with the sandbox's ground truth: `lost` and `duplicated`.

    .venv/bin/python bench/sync.py [--connections 1000] [--workers 2] [--threads 12]

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from sync_processes import (
    ROOT,
    VAR,
    cpu_seconds,
    http_json,
    log,
    machine_busy_seconds,
    pids_named,
    start_sandbox,
    start_workers,
    stop,
    worker_peak_rss_mb,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--threads", type=int, default=12, help="threads per worker (each holds a DB connection)")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/agentiq_bench_sync")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--resync-sample", type=int, default=100, help="connections timed one by one in phase 3")
    parser.add_argument("--timeout", type=float, default=900, help="give up a cycle after this many seconds")
    return parser.parse_args()


def bench_env(args: argparse.Namespace) -> dict[str, str]:
    sandbox = f"http://127.0.0.1:{args.port}"
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "agentiq.settings",
            "DEBUG": "false",  # as in production: no query log in memory, real secrets required
            "SECRET_KEY": "bench-sync-secret-key-7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a",
            "ENCRYPTION_KEYS": "bench-sync-encryption-key-2c4e6a8c0e2a4c6e8a0c2e4a",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "LOG_LEVEL": "WARNING",
            "SANDBOX_URL": sandbox,
            "SANDBOX_SECRET": "agentiq-sandbox-bench-secret-0123456789",
            "WB_FEEDBACKS_BASE_URL": sandbox,
            "WB_CHAT_BASE_URL": sandbox,
            "OZON_BASE_URL": sandbox,
            "WB_CDN_BASE_URL": sandbox + "/cdn/basket-{basket}",
            "MARKETPLACE_TIMEOUT_SECONDS": "15",
        }
    )
    return env


# --- database ------------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def reset_data(n: int, secret: str) -> list[tuple[int, int, str]]:
    """Fresh sellers and connections: (connection id, sandbox shop_no, marketplace), WB and Ozon alternating."""
    from django.core.management import call_command
    from django.db import connection as db
    from django.utils import timezone

    from integrations.models import Connection
    from sandbox.credentials import mint_wb_token, ozon_credentials
    from sellers.models import Seller

    call_command("migrate", verbosity=0)
    with db.cursor() as cursor:
        cursor.execute("TRUNCATE sellers_seller, integrations_productcard RESTART IDENTITY CASCADE")
    sellers = Seller.objects.bulk_create([Seller(name=f"Бенчмарк {i}") for i in range(n)], batch_size=1000)
    far = timezone.now() + timezone.timedelta(days=1)
    connections = []
    for i, seller in enumerate(sellers):
        shop_no = i + 1
        if i % 2 == 0:
            token = mint_wb_token(shop_no=shop_no, secret=secret)
            connections.append(
                Connection(seller=seller, marketplace="wb", name=f"WB {shop_no}", wb_token=token, next_sync_at=far)
            )
        else:
            client_id, api_key = ozon_credentials(shop_no=shop_no, secret=secret)
            connections.append(
                Connection(
                    seller=seller,
                    marketplace="ozon",
                    name=f"Ozon {shop_no}",
                    ozon_client_id=client_id,
                    ozon_api_key=api_key,
                    next_sync_at=far,
                )
            )
    created = Connection.objects.bulk_create(connections, batch_size=500)
    return [(c.pk, i + 1, c.marketplace) for i, c in enumerate(created)]


def purge_queue(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).delete("sync", "default")


def queue_length(redis_url: str) -> int:
    import redis

    return int(redis.Redis.from_url(redis_url).llen("sync"))


# --- phases --------------------------------------------------------------------------------


def run_cycle(*, ids: list[int], sandbox_url: str, timeout: float, label: str, pids: dict[str, list[int]]) -> dict:
    """Make every connection due, fire the beat task once, wait until every connection has synced."""
    from django.db.models import Count, Sum
    from django.utils import timezone

    from integrations import tasks
    from integrations.models import Connection, SyncRun

    before = http_json(f"{sandbox_url}/sandbox/stats")
    cpu_before = {name: cpu_seconds(group) for name, group in pids.items()}
    servers_before = {pid: cpu_seconds([pid]) for pid in pids_named("postgres", "redis-server")}
    busy_before = machine_busy_seconds()
    start_at = timezone.now()
    Connection.objects.filter(pk__in=ids).update(next_sync_at=start_at, backoff_until=None)
    started = time.monotonic()
    queued = tasks.sync_all_sellers()
    log(f"{label}: beat task queued {queued} syncs in {time.monotonic() - started:.2f} s")
    done = 0
    # Every connection in this database is the bench's (reset_data), so no id list: with 10,000 ids
    # the poll itself took a fifth of a core.
    synced = Connection.objects.filter(last_sync_at__gte=start_at)
    while time.monotonic() - started < timeout:
        done = synced.count()
        if done >= len(ids):
            break
        time.sleep(0.2 if len(ids) <= 2000 else 1.0)
    cycle_s = time.monotonic() - started
    cpu = {f"{name}_cpu_s": round(cpu_seconds(group) - cpu_before[name], 1) for name, group in pids.items()}
    for name, comm in (("postgres", "postgres"), ("redis", "redis-server")):
        # Backends started during the cycle count from zero.
        spent = sum(cpu_seconds([pid]) - servers_before.get(pid, 0.0) for pid in pids_named(comm))
        cpu[f"{name}_cpu_s"] = round(spent, 1)
    cpu["machine_busy_cpu_s"] = round(machine_busy_seconds() - busy_before, 1)
    after = http_json(f"{sandbox_url}/sandbox/stats")
    runs = SyncRun.objects.filter(connection_id__in=ids, started_at__gte=start_at).aggregate(
        n=Count("id"), fetched=Sum("fetched"), created=Sum("created"), updated=Sum("updated"), pages=Sum("pages")
    )
    statuses = dict(
        SyncRun.objects.filter(connection_id__in=ids, started_at__gte=start_at)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    requests = sum(
        count - before["by_path"].get(path, 0) for path, count in after["by_path"].items() if path != "/cdn/"
    )
    cdn_requests = after["by_path"].get("/cdn/", 0) - before["by_path"].get("/cdn/", 0)
    result = {
        "cycle_s": round(cycle_s, 2),
        "synced": done,
        "runs": runs["n"],
        "statuses": statuses,
        "requests": requests,
        "requests_per_s": round(requests / cycle_s, 1),
        "cdn_requests": cdn_requests,
        "fetched": runs["fetched"] or 0,
        "items_per_s": round((runs["fetched"] or 0) / cycle_s, 1),
        "created": runs["created"] or 0,
        "updated": runs["updated"] or 0,
        "pages": runs["pages"] or 0,
        **cpu,
    }
    log(f"{label}: {json.dumps(result, ensure_ascii=False)}")
    return result


def wait_queue_drained(redis_url: str, timeout: float = 300) -> None:
    """Let the workers finish what is queued on `sync` before the next phase starts."""
    started = time.monotonic()
    while queue_length(redis_url) and time.monotonic() - started < timeout:
        time.sleep(0.5)
    time.sleep(2)


def add_traffic(shops: list[tuple[int, int, str]], sandbox_url: str) -> None:
    for _, shop_no, marketplace in shops:
        http_json(
            f"{sandbox_url}/sandbox/shops/{shop_no}/traffic",
            {"reviews": 2, "questions": 2, "chats": 1, "chat_messages": 2, "marketplace": marketplace},
        )


def resync_db_time(ids: list[int]) -> dict:
    """Sync a sample one by one in this process, timing every query: the database cost of a no-op sync."""
    from django.db import connection as db

    from integrations.sync.engine import sync_connection

    totals = {"seconds": 0.0, "queries": 0}

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            totals["seconds"] += time.perf_counter() - started
            totals["queries"] += 1

    with db.cursor() as cursor:  # the server process behind this session: its CPU is the database's side
        cursor.execute("SELECT pg_backend_pid()")
        backend = [cursor.fetchone()[0]]
    created = 0
    server_before = cpu_seconds(backend)
    with db.execute_wrapper(timer):
        for connection_id in ids:
            run = sync_connection(connection_id=connection_id)
            created += run.created if run else 0
    n = max(1, len(ids))
    return {
        "sample": len(ids),
        "db_ms_per_connection": round(totals["seconds"] * 1000 / n, 3),
        "db_server_cpu_ms_per_connection": round((cpu_seconds(backend) - server_before) * 1000 / n, 3),
        "queries_per_connection": round(totals["queries"] / n, 1),
        "created": created,
    }


def audit(shops: list[tuple[int, int, str]], sandbox_url: str) -> dict:
    from integrations.models import Connection
    from integrations.sync.truth_audit import audit_connection

    lost = duplicated = expected = 0
    by_id = Connection.objects.in_bulk([connection_id for connection_id, _, _ in shops])
    for connection_id, shop_no, _ in shops:
        truth = http_json(f"{sandbox_url}/sandbox/shops/{shop_no}/truth")
        result = audit_connection(connection=by_id[connection_id], truth=truth)
        lost += result.lost
        duplicated += result.duplicated
        expected += result.interactions + result.messages
    return {"lost": lost, "duplicated": duplicated, "expected_rows": expected}


def main() -> None:
    args = parse_args()
    env = bench_env(args)
    VAR.mkdir(exist_ok=True)
    ensure_database(args.database_url)
    setup_django(env)
    from django.conf import settings

    sandbox = start_sandbox(args, env)
    workers: list[tuple[subprocess.Popen, Path]] = []
    try:
        log(f"creating {args.connections} sellers and connections")
        shops = reset_data(args.connections, settings.SANDBOX_SECRET)
        ids = [connection_id for connection_id, _, _ in shops]
        purge_queue(args.redis_url)
        workers = start_workers(args, env)
        time.sleep(3)
        pids = {"workers": [process.pid for process, _ in workers], "sandbox": [sandbox.pid], "beat": [os.getpid()]}

        initial = run_cycle(
            ids=ids, sandbox_url=env["SANDBOX_URL"], timeout=args.timeout, label="initial import", pids=pids
        )
        wait_queue_drained(args.redis_url)

        log("new buyer items on every stream of every shop")
        add_traffic(shops, env["SANDBOX_URL"])
        cycle = run_cycle(ids=ids, sandbox_url=env["SANDBOX_URL"], timeout=args.timeout, label="new items", pids=pids)
        wait_queue_drained(args.redis_url)

        resync = run_cycle(
            ids=ids, sandbox_url=env["SANDBOX_URL"], timeout=args.timeout, label="re-sync, nothing new", pids=pids
        )
        peaks = worker_peak_rss_mb(workers)
        stop([process for process, _ in workers])
        workers = []
        sample = resync_db_time(ids[: args.resync_sample])
        log(f"re-sync DB time (sequential sample): {json.dumps(sample)}")
        truth = audit(shops, env["SANDBOX_URL"])
        log(f"audit against the sandbox truth: {json.dumps(truth)}")
    finally:
        stop([process for process, _ in workers] + [sandbox])

    summary = {
        "runner": f"celery {args.workers} worker processes x {args.threads} threads, queue sync, Redis broker",
        "latency_ms": args.latency_ms,
        "initial_import": initial,
        "new_items_cycle": cycle,
        "resync_cycle": resync,
        "resync_db": sample,
        "worker_peak_rss_mb": peaks,
    }
    print(json.dumps(summary, ensure_ascii=False))
    print(
        json.dumps(
            {
                "bench": "sync",
                "connections": args.connections,
                "cycle_s": cycle["cycle_s"],
                "requests_per_s": cycle["requests_per_s"],
                "items_per_s": cycle["items_per_s"],
                "peak_rss_mb": round(sum(peaks), 1),
                "lost": truth["lost"],
                "duplicated": truth["duplicated"],
                "resync_db_ms_per_connection": sample["db_ms_per_connection"],
            }
        )
    )


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
