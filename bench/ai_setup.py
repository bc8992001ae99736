"""What the AI benches share (bench/ai.py, bench/replies.py): a fresh PostgreSQL database, Django configured for
it, and the sandbox LLM (`manage.py sandbox_llm`) as its own process, started with `sys.executable`."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def log(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database(pg: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def configure(*, database_url: str, redis_url: str, llm_url: str, api_key: str) -> None:
    """Environment for a production-like process on the bench database, then `django.setup()`. An empty
    `api_key` leaves the LLM off (the sandbox LLM is then only reached with a key set later)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ENCRYPTION_KEYS", secrets.token_urlsafe(50))
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"  # the sync's "analyze these" message is not needed here
    os.environ["AI_BASE_URL"] = llm_url
    os.environ["DEEPSEEK_API_KEY"] = api_key
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "agentiq.settings"
    import django

    django.setup()
    logging.getLogger("ai.llm.client").setLevel(logging.WARNING)  # one INFO line per call otherwise


def start_llm(port: int, *, latency_ms: int) -> subprocess.Popen:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="agentiq.settings")
    command = [sys.executable, str(ROOT / "manage.py"), "sandbox_llm", "--port", str(port)]
    process = subprocess.Popen([*command, "--latency-ms", str(latency_ms)], cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        if process.poll() is not None:
            raise SystemExit("sandbox LLM did not start")
        time.sleep(0.1)
    process.kill()
    raise SystemExit("sandbox LLM did not start in 30 s")
