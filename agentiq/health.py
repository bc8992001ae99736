"""`GET /api/health`: is the database, the cache and the broker reachable, and how fast.

200 when all are up; 503 naming what is down. Anonymous and not throttled, for load balancers.
"""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from drf_spectacular.utils import extend_schema
from kombu import Connection
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    up: bool
    latency_ms: float
    error: str = ""


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    cache = caches["default"]
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value it was given")
    cache.delete(key)


def check_broker() -> None:
    url: str = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        for folder in {options.get("data_folder_in", ""), options.get("data_folder_out", "")}:
            path = Path(folder)
            if not path.is_dir():
                raise RuntimeError("broker folder is missing")
            with tempfile.NamedTemporaryFile(dir=path, prefix=".health-"):
                pass
    elif url.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(
            url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
    else:
        with Connection(url, connect_timeout=CHECK_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def run_check(name: str, check: Callable[[], None]) -> CheckResult:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:
        # Only the exception class: messages may carry a connection URL with a password.
        logger.warning("health check %s failed: %s", name, type(exc).__name__)
        return CheckResult(name, False, _ms_since(started), type(exc).__name__)
    return CheckResult(name, True, _ms_since(started))


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def health_report() -> tuple[bool, dict]:
    results = [run_check(name, check) for name, check in CHECKS.items()]
    down = [r.name for r in results if not r.up]
    checks = {
        r.name: {
            "state": "up" if r.up else "down",
            "latency_ms": r.latency_ms,
            **({"error": r.error} if r.error else {}),
        }
        for r in results
    }
    body: dict = {"status": "down" if down else "ok", "checks": checks, "down": down}
    if down:
        body |= {"detail": f"Недоступно: {', '.join(down)}.", "code": "unavailable"}
    return not down, body


class HealthApi(APIView):
    """Database, cache and broker: state and latency of each."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    class HealthOutput(serializers.Serializer):
        status = serializers.ChoiceField(choices=["ok", "down"])
        checks = serializers.DictField(
            child=serializers.DictField(), help_text="database, cache, broker → {state: up|down, latency_ms, error?}"
        )
        down = serializers.ListField(child=serializers.CharField())
        detail = serializers.CharField(required=False)
        code = serializers.CharField(required=False)

    @extend_schema(responses={200: HealthOutput, 503: HealthOutput})
    def get(self, request: Request) -> Response:
        healthy, body = health_report()
        return Response(body, status=200 if healthy else 503)
