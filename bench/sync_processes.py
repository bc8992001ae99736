"""Processes of the sync benchmark: the sandbox marketplace, Celery workers, and CPU accounting
read from /proc (workers, sandbox, PostgreSQL and Redis servers, the whole machine)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
MANAGE = str(ROOT / "manage.py")
# Paths of the marketplace APIs (not the CDN, not the control API): these get the latency.
MARKETPLACE_PATHS = ["/api/", "/v1/", "/v2/", "/v3/", "/ping"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


_session = requests.Session()


def http_json(url: str, body: dict | None = None) -> dict:
    response = _session.post(url, json=body, timeout=30) if body is not None else _session.get(url, timeout=30)
    response.raise_for_status()
    return response.json() if response.content else {}


# Children run under the interpreter this benchmark runs under (wherever its virtualenv is), with the checkout's
# own manage.py, so the benchmark needs no `.venv` inside the checkout.
def sandbox_command(*, port: int) -> list[str]:
    return [sys.executable, MANAGE, "sandbox_marketplace", "--port", str(port), "--seed", "1"]


def worker_command(*, n: int, threads: int, pidfile: Path) -> list[str]:
    return [
        sys.executable, "-m", "celery", "-A", "agentiq", "worker", "-Q", "sync", "--pool", "threads",
        "--concurrency", str(threads), "-n", f"benchsync{n}@%h", "--pidfile", str(pidfile),
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING",
    ]  # fmt: skip


def start_sandbox(args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen:
    log(f"starting the sandbox on port {args.port}")
    process = subprocess.Popen(
        sandbox_command(port=args.port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = env["SANDBOX_URL"]
    for _ in range(100):
        try:
            http_json(f"{url}/sandbox/stats")
            break
        except requests.RequestException:
            time.sleep(0.1)
    else:
        process.kill()
        raise SystemExit("the sandbox did not start")
    http_json(f"{url}/sandbox/reset", {})
    http_json(
        f"{url}/sandbox/faults", {"rate": 0, "kinds": [], "latency_ms": args.latency_ms, "paths": MARKETPLACE_PATHS}
    )
    return process


def start_workers(args: argparse.Namespace, env: dict[str, str]) -> list[tuple[subprocess.Popen, Path]]:
    log(f"starting {args.workers} Celery worker(s) x {args.threads} threads on the sync queue")
    workers = []
    for n in range(args.workers):
        pidfile = VAR / f"bench-sync-worker-{n}.pid"
        pidfile.unlink(missing_ok=True)
        process = subprocess.Popen(
            worker_command(n=n, threads=args.threads, pidfile=pidfile),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(VAR / f"bench-sync-worker-{n}.log", "w"),  # noqa: SIM115
        )
        workers.append((process, pidfile))
    return workers


def worker_peak_rss_mb(workers: list[tuple[subprocess.Popen, Path]]) -> list[float]:
    peaks = []
    for process, _ in workers:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(round(int(line.split()[1]) / 1024, 1))
    return peaks


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def pids_named(*names: str) -> list[int]:
    """Every process whose command name is one of `names` (the database and broker servers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent not idle (all cores), for the share our processes took."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
