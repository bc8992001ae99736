"""SLA benchmark: the sweep, auto-close and recompute over 1,000,000 open interactions on PostgreSQL.

    .venv/bin/python bench/sla.py                    # load once (minutes), then measure
    .venv/bin/python bench/sla.py --rows 100000 --shops 100 --database agentiq_bench_sla_small

The data set (`bench/sla_load.py`) is loaded by a child process (`sys.executable`, COPY, secondary indexes
dropped and rebuilt, VACUUM ANALYZE) so this process's peak RSS is the measurements' own. Its clocks are as
the last sweep left them `--lag-minutes` before the data set's `now`, and every measurement runs at that
`now` (stored with the data), whenever the bench runs. Each figure is the median of `--repeat` runs, each on
the same state (the table vacuumed between runs): the sweep and auto-close in a transaction rolled back
afterwards; recompute after a global rule change, alternating the rule between two values, and the data set
restored (and checked) at the end. Besides wall time, each run's CPU in this process and in the PostgreSQL
backend serving it (from /proc) is given: on a shared box those move less than wall time does.
The last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import resource
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sla_load import load, matches, read_meta

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The global rule recompute is measured after changing: "Срочно" clocks most waits (1–2★ reviews, and every
# wait the reassign step raised from high), so this is the largest change one rule can make.
CHANGED_RULE = {"priority": "urgent", "kind": "", "chat_phase": "", "seller": None}
CHANGED_TO = {"target_minutes": 45, "deadline_minutes": 90}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="open interactions")
    parser.add_argument("--shops", type=int, default=1_000)
    parser.add_argument("--closed", type=int, help="closed history on top (default: rows / 5)")
    parser.add_argument("--lag-minutes", type=int, default=15, help="the last sweep ran this long before `now`")
    parser.add_argument("--database", default="agentiq_bench_sla")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reload", action="store_true", help="drop the bench database and load again")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip", nargs="*", default=[], choices=["sweep", "auto_close", "recompute"])
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of the statements")
    parser.add_argument("--profile", choices=["sweep", "auto_close", "recompute"], help="cProfile one run")
    parser.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.closed is None:
        args.closed = args.rows // 5
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    with open("/proc/self/statm") as statm:
        current = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return round(current, 1), round(peak, 1)


def loadavg() -> float:
    return round(os.getloadavg()[0], 2)


def configure(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = f"{args.pg}/{args.database}"
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ENCRYPTION_KEYS", secrets.token_urlsafe(50))
    os.environ.pop("REDIS_URL", None)  # local-memory cache; on-commit e-mail tasks never fire (rolled back)
    os.environ["DJANGO_SETTINGS_MODULE"] = "agentiq.settings"
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", verbosity=0)
    if pending:
        log(f"applied {len(pending)} migrations: VACUUM ANALYZE…")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")


def ensure_loaded(args: argparse.Namespace) -> dict[str, Any]:
    """Load in a child process when the database lacks this data set (or --reload); returns the load's timings."""
    import psycopg

    if not args.database.startswith("agentiq_bench"):
        sys.exit("--database must start with agentiq_bench (the bench drops and recreates it)")
    dsn = f"{args.pg}/{args.database}"
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
    spec = {"rows": args.rows, "shops": args.shops, "closed": args.closed, "lag_minutes": args.lag_minutes}
    if exists and not args.reload and matches(read_meta(dsn), **spec):
        log("data already loaded: skipping the load")
        return {}
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    log(f"loading {args.rows} open + {args.closed} closed interactions across {args.shops} shops…")
    command = [sys.executable, __file__, "--load-only", "--database", args.database, "--pg", args.pg]
    command += ["--rows", str(args.rows), "--shops", str(args.shops), "--closed", str(args.closed)]
    command += ["--lag-minutes", str(args.lag_minutes)]
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    timings = json.loads(out.strip().splitlines()[-1])
    log(f"loaded: {json.dumps(timings, ensure_ascii=False)}")
    return timings


def load_only(args: argparse.Namespace) -> None:
    configure(args)
    migrate()
    result = load(rows=args.rows, shops=args.shops, closed=args.closed, lag_minutes=args.lag_minutes)
    print(json.dumps(result, ensure_ascii=False))


# --- measurement ---------------------------------------------------------------------------------------


def bench_meta() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM bench_sla_meta WHERE key = 'meta'")
        return json.loads(cursor.fetchone()[0])


def set_complete(complete: bool) -> None:
    """Cleared while recompute changes the data set; a run that dies before restoring it forces a reload."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE bench_sla_meta SET value = jsonb_set(value::jsonb, '{complete}', %s::jsonb)::text "
            "WHERE key = 'meta'",
            [json.dumps(complete)],
        )


def cold_caches() -> None:
    """As the beat's worker meets them every 5 minutes: the per-process rule and calendar caches are stale."""
    from interactions.services.sla import sla_rules_changed
    from interactions.services.working_time import calendars_changed

    sla_rules_changed()
    calendars_changed()


class Rollback(Exception):
    pass


def in_rolled_back_transaction(work):
    from django.db import transaction

    result = None
    try:
        with transaction.atomic():
            result = work()
            raise Rollback
    except Rollback:
        pass
    return result


@dataclass
class Sample:
    """One run: wall time, this process's CPU, and the CPU of the PostgreSQL backend serving it. On a box shared
    with other work the CPU figures move less than the wall time does."""

    wall: float
    client_cpu: float
    server_cpu: float | None


def _backend_cpu() -> float | None:
    """CPU seconds of our PostgreSQL backend so far, from /proc (None when the server is not on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(call) -> tuple[Sample, Any]:
    server = _backend_cpu()
    cpu, start = time.process_time(), time.perf_counter()
    value = call()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    after = _backend_cpu()
    return Sample(wall, cpu, None if server is None or after is None else round(after - server, 2)), value


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def summarize(samples: list[Sample]) -> dict[str, Any]:
    servers = [s.server_cpu for s in samples if s.server_cpu is not None]
    return {
        "wall_s": median([s.wall for s in samples]),
        "client_cpu_s": median([s.client_cpu for s in samples]),
        "server_cpu_s": median(servers) if servers else None,
        "runs_s": [round(s.wall, 3) for s in samples],
    }


def vacuum_interactions() -> None:
    """Between repetitions: a rolled-back run leaves a dead version of every row it wrote, with an entry in each
    index, which the next run would wade through; production's autovacuum keeps up with far less."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM interactions_interaction")


def measure_sweep(now: datetime, repeat: int) -> dict[str, Any]:
    """First run at `now` (what became due during the lag), a second right after (nothing new), and one five
    minutes later (the steady state: what became due in one beat interval), all rolled back."""
    from interactions.services.escalation import check_sla_escalation

    runs: dict[str, list[Sample]] = {"first": [], "again": [], "next": []}
    moved: dict[str, dict[str, int]] = {}
    for rep in range(repeat):
        vacuum_interactions()
        cold_caches()

        def work():
            out = {}
            for name, at in (("first", now), ("again", now), ("next", now + timedelta(minutes=5))):
                sample, result = timed(lambda at=at: check_sla_escalation(now=at))
                runs[name].append(sample)
                out[name] = result.summary()
            return out

        moved = in_rolled_back_transaction(work)
        first, again, following = runs["first"][-1], runs["again"][-1], runs["next"][-1]
        log(
            f"  sweep {rep + 1}/{repeat}: first {first.wall:.3f}s (cpu {first.client_cpu:.3f} + db {first.server_cpu}) "
            f"{moved['first']}, again {again.wall:.3f}s, next (+5 min) {following.wall:.3f}s "
            f"(cpu {following.client_cpu:.3f} + db {following.server_cpu}) {moved['next']}  load {loadavg()}"
        )
    vacuum_interactions()
    return {
        "check_sla_s": median([s.wall for s in runs["first"]]),
        "check_sla_again_s": median([s.wall for s in runs["again"]]),
        "check_sla_next_s": median([s.wall for s in runs["next"]]),
        **{name: summarize(samples) for name, samples in runs.items()},
        "moved": moved,
    }


def measure_auto_close(now: datetime, repeat: int) -> dict[str, Any]:
    from interactions.services.autoclose import auto_close_inactive_chats

    runs: list[Sample] = []
    again: list[Sample] = []
    closed = 0
    for rep in range(repeat):
        vacuum_interactions()

        def work():
            sample, result = timed(lambda: auto_close_inactive_chats(now=now))
            runs.append(sample)
            sample, second = timed(lambda: auto_close_inactive_chats(now=now))
            again.append(sample)
            return len(result.closed), len(second.closed)

        closed, closed_again = in_rolled_back_transaction(work)
        log(
            f"  auto-close {rep + 1}/{repeat}: {runs[-1].wall:.3f}s (cpu {runs[-1].client_cpu:.3f} + db "
            f"{runs[-1].server_cpu}) closed {closed}, again {again[-1].wall:.3f}s closed {closed_again}  load {loadavg()}"
        )
    vacuum_interactions()
    return {
        "auto_close_s": median([s.wall for s in runs]),
        "auto_close_again_s": median([s.wall for s in again]),
        "first": summarize(runs),
        "again": summarize(again),
        "closed": closed,
    }


def _set_rule(values: dict[str, int]) -> None:
    from interactions.models import SLARule

    assert SLARule.objects.filter(**CHANGED_RULE).update(**values) == 1


class Progress:
    """recompute's progress callback: prints the rows done and this process's RSS every 200,000 rows."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0

    def __call__(self, rows: int) -> None:
        self.done += rows
        if self.done % 200_000 < rows:
            log(f"    {self.done}/{self.total}  rss {rss_mb()[0]} MB")


def measure_recompute(meta: dict[str, Any], now: datetime, repeat: int) -> dict[str, Any]:
    """After a global rule change, every shop's waits (what the task queued by the save does). The rule
    alternates between its two values, so each run moves the same rows; then the data set is restored."""
    from interactions.models import SLARule
    from interactions.services.recompute import recompute_sla, running_waits

    as_of = datetime.fromisoformat(meta["as_of"])
    original = SLARule.objects.filter(**CHANGED_RULE).values("target_minutes", "deadline_minutes").get()
    waits = running_waits().count()
    set_complete(False)
    rss_before = rss_mb()
    runs: list[Sample] = []
    changed = []
    for rep in range(repeat):
        vacuum_interactions()  # the previous run's half a million dead versions
        _set_rule(CHANGED_TO if rep % 2 == 0 else original)
        sample, result = timed(lambda: recompute_sla(now=now, progress=Progress(waits)))
        runs.append(sample)
        changed.append(result.changed)
        log(
            f"  recompute {rep + 1}/{repeat}: {sample.wall:.1f}s (cpu {sample.client_cpu:.1f} + db "
            f"{sample.server_cpu}), {result.checked} checked, {result.changed} moved  rss {rss_mb()}  load {loadavg()}"
        )
    rss_after = rss_mb()
    # Back to the data set as loaded (the clocks as of `as_of`), and check it: a second pass moves nothing.
    vacuum_interactions()
    _set_rule(original)
    restore, restored = timed(lambda: recompute_sla(now=as_of))
    noop, unchanged = timed(lambda: recompute_sla(now=as_of))
    log(
        f"  restore: {restore.wall:.1f}s, {restored.changed} moved; no-op pass: {noop.wall:.1f}s (cpu "
        f"{noop.client_cpu:.1f} + db {noop.server_cpu}), {unchanged.checked} checked, {unchanged.changed} moved"
    )
    vacuum_interactions()
    if unchanged.changed:
        raise SystemExit(f"the data set did not come back as loaded ({unchanged.changed} clocks differ): use --reload")
    set_complete(True)
    return {
        "recompute_s": median([s.wall for s in runs]),
        **summarize(runs),
        "checked": waits,
        "changed": changed,
        "restore_s": round(restore.wall, 1),
        "noop": summarize([noop]),
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_after,
        "rss_growth_mb": round(rss_after[1] - rss_before[1], 1),
    }


def vacuum_if_needed(threshold: float = 0.1) -> None:
    """Recompute's runs leave dead row versions; clean them before measuring, not during."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_dead_tup, n_live_tup FROM pg_stat_user_tables WHERE relname = 'interactions_interaction'"
        )
        dead, live = cursor.fetchone()
        if dead > threshold * max(live, 1):
            log(f"{dead} dead row versions: VACUUM (ANALYZE) interactions_interaction…")
            started = time.perf_counter()
            cursor.execute("VACUUM (ANALYZE) interactions_interaction")
            log(f"  {time.perf_counter() - started:.1f}s")


class _FirstChunkDone(Exception):
    pass


def explain(now: datetime, meta: dict[str, Any]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement the services run, as they run it: each is explained in a
    savepoint rolled back, then run for real (the sweep's first run, auto-close, recompute's first chunk)."""
    from django.db import connection

    from interactions.services.autoclose import auto_close_inactive_chats
    from interactions.services.escalation import check_sla_escalation
    from interactions.services.recompute import recompute_sla

    def explaining(execute, sql, params, many, context):
        if many or not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "INSERT", "WITH")):
            return execute(sql, params, many, context)
        cursor = context["cursor"]
        cursor.execute("SAVEPOINT bench_explain")
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [line for (line,) in cursor.fetchall()]
        cursor.execute("ROLLBACK TO SAVEPOINT bench_explain")
        log(f"--- {' '.join(sql.split())[:160]}")
        for line in plan:
            log(line)
        return execute(sql, params, many, context)

    def first_chunk(rows: int) -> None:
        raise _FirstChunkDone

    def recompute_one_chunk():
        with contextlib.suppress(_FirstChunkDone):
            recompute_sla(now=now, progress=first_chunk)

    for name, call in (
        ("sweep", lambda: check_sla_escalation(now=now)),
        ("auto-close", lambda: auto_close_inactive_chats(now=now)),
        ("recompute (first chunk)", recompute_one_chunk),
    ):
        log(f"=== {name}")
        cold_caches()
        with connection.execute_wrapper(explaining):
            in_rolled_back_transaction(call)
    vacuum_interactions()


def profile(name: str, meta: dict[str, Any], now: datetime) -> None:
    from interactions.services.autoclose import auto_close_inactive_chats
    from interactions.services.escalation import check_sla_escalation
    from interactions.services.recompute import recompute_sla

    cold_caches()
    profiler = cProfile.Profile()
    calls = {
        "sweep": lambda: in_rolled_back_transaction(lambda: check_sla_escalation(now=now)),
        "auto_close": lambda: in_rolled_back_transaction(lambda: auto_close_inactive_chats(now=now)),
        # Nothing to write: the read and the calendar arithmetic.
        "recompute": lambda: recompute_sla(now=datetime.fromisoformat(meta["as_of"])),
    }
    profiler.enable()
    calls[name]()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(30)
    log(out.getvalue())


def main() -> None:
    args = parse_args()
    if args.load_only:
        load_only(args)
        return
    timings = ensure_loaded(args)
    configure(args)
    migrate()
    vacuum_if_needed()
    meta = bench_meta()
    now = datetime.fromisoformat(meta["now"])
    log(
        f"data set: {meta['rows']} open ({meta['waits']} waits, {meta['quiet_chats']} answered chats) + "
        f"{meta['closed']} closed, {meta['shops']} shops ({meta['calendars']} with calendars), now {meta['now']}, "
        f"last sweep {meta['lag_minutes']} min before"
    )
    if args.explain:
        explain(now, meta)
    if args.profile:
        profile(args.profile, meta, now)
    summary: dict[str, Any] = {"bench": "sla", "rows": meta["rows"]}
    details: dict[str, Any] = {}
    load_before = loadavg()
    if "sweep" not in args.skip:
        log("sweep…")
        details["sweep"] = measure_sweep(now, args.repeat)
    if "auto_close" not in args.skip:
        log("auto-close…")
        details["auto_close"] = measure_auto_close(now, args.repeat)
    if "recompute" not in args.skip:
        log("recompute…")
        details["recompute"] = measure_recompute(meta, now, args.repeat)
    for name, value in details.items():
        print(f"{name}: {json.dumps(value, ensure_ascii=False)}")
    sweep, close, recompute = details.get("sweep", {}), details.get("auto_close", {}), details.get("recompute", {})
    summary.update(
        check_sla_s=sweep.get("check_sla_s"),
        auto_close_s=close.get("auto_close_s"),
        recompute_s=recompute.get("recompute_s"),
        peak_rss_mb=rss_mb()[1],
        check_sla_again_s=sweep.get("check_sla_again_s"),
        check_sla_next_s=sweep.get("check_sla_next_s"),
        moved_first=sweep.get("moved", {}).get("first"),
        moved_next=sweep.get("moved", {}).get("next"),
        auto_closed=close.get("closed"),
        recompute_checked=recompute.get("checked"),
        recompute_changed=recompute.get("changed", [None])[0],
        recompute_rss_growth_mb=recompute.get("rss_growth_mb"),
        # (this process, the PostgreSQL backend) CPU seconds, medians: what the neighbours' load moves least.
        cpu_s={
            name: [part.get("client_cpu_s"), part.get("server_cpu_s")]
            for name, part in (
                ("check_sla", sweep.get("first", {})),
                ("check_sla_next", sweep.get("next", {})),
                ("auto_close", close.get("first", {})),
                ("recompute", recompute),
            )
            if part
        },
        lag_minutes=meta["lag_minutes"],
        loadavg_1m=[load_before, loadavg()],
    )
    if timings:
        print(f"load: {json.dumps({k: v for k, v in timings.items() if k != 'meta'})}")
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
