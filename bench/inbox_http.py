"""The inbox bench over HTTP: a real gunicorn (2 sync workers, production settings) serving the product
and the bench's floor view (`inbox_site_urls.py`), and one client that interleaves every series so
that all of them see the same machine load. Runs from any virtualenv: gunicorn is `sys.executable -m
gunicorn`, and the server is stopped on exit, on error too."""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORKERS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(*, database_url: str, redis_url: str) -> dict[str, str]:
    """Production settings: DEBUG off, real-looking secrets (the parent's, so its JWT verifies), Redis."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="inbox_site_settings",
        DEBUG="false",
        SECRET_KEY=os.environ["SECRET_KEY"],
        ENCRYPTION_KEYS=os.environ.get("ENCRYPTION_KEYS") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        # Throttling stays on (its cache round trips are part of the cost), with a rate the bench never hits.
        THROTTLE_RATE_USER="1000000/min",
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join([str(BENCH), str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    return env


@contextlib.contextmanager
def gunicorn(*, database_url: str, redis_url: str, log_path: Path) -> Iterator[str]:
    """Yields the server's base URL; the arbiter (and with it its workers) is stopped on the way out."""
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115
    previous_handler = signal.signal(signal.SIGTERM, _exit_on_sigterm)  # `finally` below runs on kill too
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "agentiq.wsgi:application",
            "--workers", str(WORKERS), "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
            "--no-control-socket", "--chdir", str(ROOT), "--error-logfile", "-", "--log-level", "warning",
        ],
        cwd=ROOT,
        env=child_env(database_url=database_url, redis_url=redis_url),
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )  # fmt: skip
    try:
        wait_ready(port, process, log_path)
        yield f"127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # graceful: the arbiter stops its workers
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        signal.signal(signal.SIGTERM, previous_handler)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _die_with_parent() -> None:
    """In the child: Linux sends the arbiter SIGTERM if the bench dies without cleaning up (SIGKILL)."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def wait_ready(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}):\n{log_path.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/health")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within 60 s:\n{log_path.read_text()[-3000:]}")


class Client:
    """One keep-alive client (gunicorn's sync workers close each connection; it reconnects then)."""

    def __init__(self, address: str) -> None:
        host, port = address.split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)

    def get(self, url: str, *, token: str | None) -> tuple[int, bytes, float]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        start = time.perf_counter()
        try:
            self.conn.request("GET", url, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.conn.close()  # the server closed a kept connection: retry once on a new one
            start = time.perf_counter()
            self.conn.request("GET", url, headers=headers)
            response = self.conn.getresponse()
        body = response.read()
        elapsed_ms = (time.perf_counter() - start) * 1000
        if response.will_close:
            self.conn.close()
        return response.status, body, elapsed_ms


def interleaved(
    client: Client, series: dict[str, tuple[list[str], str | None]], *, rounds: int, warmup: int = 20
) -> dict[str, dict[str, list[float]]]:
    """Each round sends one request of every series, in a fresh random order; a series cycles its URLs.

    Returns {series: {url: [ms, ...]}}. Interleaving makes every series share the box's load."""
    rng = random.Random(7)
    names = list(series)
    times: dict[str, dict[str, list[float]]] = {name: {} for name in names}
    for n in range(warmup + rounds):
        rng.shuffle(names)
        for name in names:
            urls, token = series[name]
            url = urls[n % len(urls)]
            status, body, elapsed_ms = client.get(url, token=token)
            if status != 200:
                raise SystemExit(f"{name}: GET {url} answered {status}: {body[:300]!r}")
            if n >= warmup:
                times[name].setdefault(url, []).append(elapsed_ms)
    return times
