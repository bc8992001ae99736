#!/usr/bin/env python
"""Recovery benchmark (issue 14): how soon syncs come back after a worker is killed with -9 and after the
broker restarts, with production settings (lease 60 s renewed every 10 s, enqueue grace 60 s).

N WB connections against the sandbox marketplace (latency per request, so each sync takes a few seconds),
PostgreSQL (`agentiq_bench_faults`), and a redis-server of the bench's own (a free port, no persistence;
never the shared one) as broker and cache. This process plays beat: `sync_all_sellers` every `--tick`
seconds (30, as in production). Phases:
  1. kill: every connection due, a tick, the worker is SIGKILLed while the syncs are mid-page, a new worker
     starts at once; measured per connection: seconds from the kill to the start of its next sync;
  2. broker restart: the worker is stopped, a tick queues every connection, Redis restarts empty (the
     tasks are gone), a worker starts; measured: seconds from the restart to the start of each next sync;
  3. the inbox is compared with the sandbox's ground truth: `lost` and `duplicated`.

    .venv/bin/python bench/faults.py [--connections 20] [--latency-ms 300] [--tick 30]

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

from sync import add_traffic, audit, bench_env, ensure_database, setup_django
from sync_processes import VAR, http_json, log, start_sandbox, start_workers, stop


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=12, help="threads of the worker")
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--chat-messages", type=int, default=300, help="new chat events per shop (pages to read)")
    parser.add_argument("--tick", type=float, default=30.0, help="seconds between two beat ticks")
    parser.add_argument("--kill-after", type=float, default=3.0, help="seconds after the tick to kill the worker")
    parser.add_argument("--port", type=int, default=8502)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/agentiq_bench_faults")
    parser.add_argument("--timeout", type=float, default=300)
    return parser.parse_args()


class BenchRedis:
    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--save", ""]
        command += ["--appendonly", "no", "--bind", "127.0.0.1"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the bench's redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


class Beat:
    """sync_all_sellers every `tick` seconds, from a thread of this process (as beat would)."""

    def __init__(self, tick: float) -> None:
        self.tick = tick
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="beat", daemon=True)

    def _run(self) -> None:
        from django.db import close_old_connections

        from integrations import tasks

        while not self.stopped.wait(self.tick):
            try:
                queued = tasks.sync_all_sellers()
                if queued:
                    log(f"beat: queued {queued}")
            except Exception as exc:  # the broker may be away: beat logs and ticks again
                log(f"beat: {type(exc).__name__}")
            finally:
                close_old_connections()

    def start(self) -> Beat:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=30)


def reset_data(n: int, secret: str) -> list[tuple[int, int, str]]:
    from django.core.management import call_command
    from django.db import connection as db
    from django.utils import timezone

    from integrations.models import Connection
    from sandbox.credentials import mint_wb_token
    from sellers.models import Seller

    call_command("migrate", verbosity=0)
    with db.cursor() as cursor:
        cursor.execute("TRUNCATE sellers_seller, integrations_productcard RESTART IDENTITY CASCADE")
    sellers = Seller.objects.bulk_create([Seller(name=f"Сбои {i}") for i in range(n)])
    far = timezone.now() + timezone.timedelta(days=1)
    created = Connection.objects.bulk_create(
        [
            Connection(
                seller=seller,
                marketplace="wb",
                name=f"WB {i + 1}",
                wb_token=mint_wb_token(shop_no=i + 1, secret=secret),
                next_sync_at=far,
            )
            for i, seller in enumerate(sellers)
        ]
    )
    return [(c.pk, i + 1, "wb") for i, c in enumerate(created)]


def next_sync_starts(ids: list[int], *, after, timeout: float) -> dict[int, float]:
    """Per connection: seconds from `after` to the start of its first sync that began after it."""
    from integrations.models import SyncRun

    deadline = time.monotonic() + timeout
    found: dict[int, float] = {}
    while len(found) < len(ids) and time.monotonic() < deadline:
        for connection_id, started_at in SyncRun.objects.filter(
            connection_id__in=[i for i in ids if i not in found], started_at__gt=after
        ).values_list("connection_id", "started_at"):
            found.setdefault(connection_id, (started_at - after).total_seconds())
        time.sleep(0.5)
    return found


def summary(seconds: dict[int, float], expected: int) -> dict:
    values = sorted(seconds.values())
    return {
        "connections": expected,
        "resumed": len(values),
        "min_s": round(values[0], 1) if values else None,
        "median_s": round(statistics.median(values), 1) if values else None,
        "max_s": round(values[-1], 1) if values else None,
    }


def main() -> None:
    args = parse_args()
    redis_server = BenchRedis()
    redis_server.start()
    args.redis_url = redis_server.url
    args.workers = 1
    env = bench_env(args)
    env["LOG_LEVEL"] = "INFO"
    VAR.mkdir(exist_ok=True)
    ensure_database(args.database_url)
    setup_django(env)
    from django.conf import settings
    from django.utils import timezone

    from integrations.models import Connection, SyncRun

    sandbox = start_sandbox(args, env)
    processes = [sandbox]
    beat = None
    try:
        shops = reset_data(args.connections, settings.SANDBOX_SECRET)
        ids = [connection_id for connection_id, _, _ in shops]
        log(
            f"{len(ids)} connections; lease {settings.SYNC_LEASE_SECONDS:.0f} s renewed every "
            f"{settings.SYNC_LEASE_RENEW_SECONDS:.0f} s, enqueue grace {settings.SYNC_ENQUEUED_GRACE_SECONDS:.0f} s"
        )
        for _, shop_no, _ in shops:
            http_json(
                f"{env['SANDBOX_URL']}/sandbox/shops/{shop_no}/traffic",
                {"chats": 3, "chat_messages": args.chat_messages, "marketplace": "wb"},
            )
        workers = start_workers(args, env)
        processes += [w for w, _ in workers]
        time.sleep(5)  # the worker connects

        # 1. kill -9 mid-sync
        from integrations import tasks

        Connection.objects.filter(pk__in=ids).update(next_sync_at=timezone.now())
        log(f"kill: beat queued {tasks.sync_all_sellers()}")
        time.sleep(args.kill_after)
        running = Connection.objects.filter(pk__in=ids, sync_lock_until__gt=timezone.now()).count()
        workers[0][0].send_signal(signal.SIGKILL)
        workers[0][0].wait()
        killed_at = timezone.now()
        log(f"kill: worker SIGKILLed with {running} syncs running")
        workers = start_workers(args, env)
        processes += [w for w, _ in workers]
        beat = Beat(args.tick).start()
        killed = next_sync_starts(ids, after=killed_at, timeout=args.timeout)
        kill_result = {**summary(killed, len(ids)), "running_at_kill": running}
        log(f"kill: {json.dumps(kill_result)}")
        time.sleep(args.tick)  # let the re-syncs finish

        # 2. broker restart with syncs queued
        stop([w for w, _ in workers])
        beat.stop()
        add_traffic(shops, env["SANDBOX_URL"])
        Connection.objects.filter(pk__in=ids).update(next_sync_at=timezone.now(), backoff_until=None)
        log(f"broker: beat queued {tasks.sync_all_sellers()} with no worker running")
        redis_server.stop()
        redis_server.start()
        restarted_at = timezone.now()
        log("broker: Redis restarted empty")
        workers = start_workers(args, env)
        processes += [w for w, _ in workers]
        beat = Beat(args.tick).start()
        restarted = next_sync_starts(ids, after=restarted_at, timeout=args.timeout)
        broker_result = summary(restarted, len(ids))
        log(f"broker: {json.dumps(broker_result)}")

        # 3. audit once everything is quiet
        deadline = time.monotonic() + args.timeout
        while Connection.objects.filter(pk__in=ids, sync_lock_until__gt=timezone.now()).exists():
            if time.monotonic() > deadline:
                break
            time.sleep(1)
        beat.stop()
        stop([w for w, _ in workers])
        for connection_id in ids:  # one last complete sync each, in this process
            from integrations.sync.engine import sync_connection

            sync_connection(connection_id=connection_id)
        result = audit(shops, env["SANDBOX_URL"])
        failed = SyncRun.objects.filter(connection_id__in=ids, status=SyncRun.Status.FAILED).count()
        print(
            json.dumps(
                {
                    "bench": "faults",
                    "connections": len(ids),
                    "lease_s": settings.SYNC_LEASE_SECONDS,
                    "renew_s": settings.SYNC_LEASE_RENEW_SECONDS,
                    "grace_s": settings.SYNC_ENQUEUED_GRACE_SECONDS,
                    "tick_s": args.tick,
                    "after_kill": kill_result,
                    "after_broker_restart": broker_result,
                    "failed_runs": failed,
                    **result,
                }
            ),
            flush=True,
        )
    finally:
        if beat is not None:
            beat.stop()
        stop(processes)
        redis_server.stop()


if __name__ == "__main__":
    sys.exit(main())
