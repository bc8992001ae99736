"""The per-credential token bucket: burst then steady rate, shared by threads and by processes (Redis)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from integrations.errors import RateLimited
from integrations.ratelimit import Bucket, credential_key, wb_feedbacks_bucket
from integrations.wildberries.client import wb_auth

ROOT = Path(__file__).resolve().parents[2]


def fresh_bucket(rate: float, burst: int) -> Bucket:
    return Bucket(name=f"test:{uuid.uuid4().hex}", rate=rate, burst=burst)


def test_burst_passes_at_once_then_the_rate_holds():
    bucket = fresh_bucket(rate=20.0, burst=5)
    slots = []
    for _ in range(9):
        asked = time.time()
        slots.append(asked + bucket.reserve())
    # The first five go at once; then one every 50 ms, counted from the first.
    assert slots[4] - slots[0] < 0.03
    assert slots[5] - slots[0] == pytest.approx(0.05, abs=0.015)
    assert slots[8] - slots[0] == pytest.approx(0.20, abs=0.015)


def test_threads_sharing_a_bucket_stay_under_the_limit():
    bucket = fresh_bucket(rate=20.0, burst=4)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(5):
            bucket.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 20 requests, burst 4 free, 16 at 20/s: at least 0.8 s in all, whoever sent them.
    assert len(stamps) == 20
    assert max(stamps) - started >= 0.75
    # No one-second window holds more than burst + rate (+1 for a thread woken late into the next window).
    stamps.sort()
    for i, t0 in enumerate(stamps):
        assert sum(1 for t in stamps[i:] if t - t0 < 1.0) <= 4 + 20 + 1


def test_a_429_pushes_every_holder_of_the_credential_back():
    bucket = fresh_bucket(rate=100.0, burst=10)
    bucket.push_back(0.5)
    wait = bucket.reserve()
    assert 0.4 <= wait <= 0.55


def test_too_long_a_wait_raises_rate_limited_instead_of_blocking():
    bucket = fresh_bucket(rate=1.0, burst=1)
    bucket.push_back(30)
    with pytest.raises(RateLimited) as info:
        bucket.acquire(max_wait=0.5)
    assert 29 <= info.value.retry_after <= 31.5
    # Nothing was reserved by the refused call.
    assert bucket.reserve(max_wait=60) == pytest.approx(info.value.retry_after, abs=0.5)


def test_the_bucket_key_is_a_hash_never_the_token():
    token = "plain-token-value-1234567890"
    auth = wb_auth(token)
    assert token not in auth.feedbacks_bucket.key
    assert auth.feedbacks_bucket.key.endswith(credential_key("wb-token", token))
    # Under WB's documented 3/s burst 6 and 10 per 10 s.
    assert auth.feedbacks_bucket.rate < 3.0 and auth.feedbacks_bucket.burst <= 6
    assert auth.chat_bucket.rate < 1.0 and auth.chat_bucket.burst <= 10


def test_two_tokens_of_one_seller_share_one_bucket(sandbox_shop):
    first = wb_auth(sandbox_shop.wb_token)
    second = wb_auth(sandbox_shop.mint_wb_token(categories=("feedbacks",)))
    assert first.token != second.token
    assert first.feedbacks_bucket.key == second.feedbacks_bucket.key


CHILD = """
import os, sys, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agentiq.settings")
django.setup()
from integrations.ratelimit import Bucket
bucket = Bucket(name=sys.argv[1], rate=10.0, burst=2)
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.005)
for _ in range(10):
    bucket.acquire()
    print(time.time(), flush=True)
"""


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="processes share buckets only through Redis")
def test_two_processes_share_the_bucket_through_redis():
    name = f"test:{uuid.uuid4().hex}"
    start = time.time() + 2.0
    env = {**os.environ}
    procs = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and script)
            [sys.executable, "-c", CHILD, name, str(start)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    stamps = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        stamps += [float(line) for line in out.split()]
    stamps.sort()
    assert len(stamps) == 20
    # 20 requests at 10/s with burst 2 take at least 1.8 s, though each process alone would want only 0.8 s.
    assert stamps[-1] - stamps[0] >= 1.6
    for i, t0 in enumerate(stamps):
        assert sum(1 for t in stamps[i:] if t - t0 < 1.0) <= 2 + 10 + 1  # +1: a process woken late


def test_feedbacks_bucket_keeps_wb_limits_against_the_sandbox(sandbox_shop):
    """The sandbox enforces WB's 3/s burst 6: ten quick calls through our limiter draw no 429."""
    from integrations.wildberries import feedbacks

    auth = wb_auth(sandbox_shop.wb_token)
    wb_feedbacks_bucket(auth.account_key).reset()
    started = time.monotonic()
    for _ in range(10):
        feedbacks.count_unanswered(auth)
    # 5 free, then 5 at 2.7/s.
    assert time.monotonic() - started >= 1.5


def test_a_base_token_gets_wbs_hourly_budget_and_waits_without_calling(sandbox, sandbox_shop):
    from integrations.wildberries import feedbacks

    auth = wb_auth(sandbox_shop.mint_wb_token(access="base"))
    assert auth.base_token is True
    assert auth.feedbacks_bucket.rate == pytest.approx(5 / 3600)
    assert wb_auth(sandbox_shop.wb_token).base_token is False
    feedbacks.count_unanswered(auth)
    before = sandbox.state.stats()["requests"]
    with pytest.raises(RateLimited) as info:
        feedbacks.count_unanswered(auth)
    assert info.value.retry_after > 600  # about 12 minutes until WB allows the next one
    assert sandbox.state.stats()["requests"] == before  # refused here, not by a 429 from WB


# --- Redis away -------------------------------------------------------------------------------


@pytest.fixture
def limiter_on_own_redis(own_redis, settings, monkeypatch):
    """The cache (and so the limiter) on a redis-server of this test's own, which it may stop."""
    from integrations import ratelimit

    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": own_redis.url(),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    monkeypatch.setattr(ratelimit, "_outage", ratelimit._Outage())
    monkeypatch.setattr(ratelimit, "REDIS_RETRY_SECONDS", 0.2)
    return own_redis


def outage_messages(caplog, word: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "integrations.ratelimit" and word in r.getMessage()]


def test_while_redis_is_down_the_bucket_holds_per_process_at_a_lower_rate(limiter_on_own_redis, caplog):
    from django_redis import get_redis_connection

    bucket = fresh_bucket(rate=20.0, burst=4)
    assert bucket.reserve() == 0.0
    assert get_redis_connection("default").exists(bucket.key)

    limiter_on_own_redis.stop()
    waits = [bucket.reserve() for _ in range(4)]

    # A quarter of the rate (5/s) and of the burst (1): one slot every 200 ms, kept in this process.
    assert waits[0] == pytest.approx(0.0, abs=0.01)
    assert waits[1:] == pytest.approx([0.2, 0.4, 0.6], abs=0.03)
    bucket.push_back(2.0)
    assert bucket.reserve() >= 1.9
    assert len(outage_messages(caplog, "unreachable")) == 1

    limiter_on_own_redis.start()
    time.sleep(0.25)  # past the retry interval: the next caller tries Redis again
    assert bucket.reserve() == 0.0  # Redis came back empty: a full bucket
    assert get_redis_connection("default").exists(bucket.key)
    assert len(outage_messages(caplog, "Redis is back")) == 1
    assert len(outage_messages(caplog, "unreachable")) == 1


@pytest.mark.django_db
def test_a_sync_goes_on_when_redis_goes_away_in_the_middle(limiter_on_own_redis, sandbox, sandbox_shop, caplog):
    import logging

    from integrations.models import SyncRun
    from integrations.sync.engine import sync_connection
    from integrations.sync.truth_audit import audit_connection
    from tests.factories import sandbox_connection

    sandbox.state.configure(rate_limits=False)
    sandbox_shop.add_traffic(reviews=3, questions=3, chats=2, chat_messages=4, marketplace="wb")
    connection = sandbox_connection(sandbox_shop)

    def redis_dies(stream, page):
        if limiter_on_own_redis.process is not None:
            limiter_on_own_redis.stop()

    with caplog.at_level(logging.INFO):
        run = sync_connection(connection_id=connection.pk, on_page=redis_dies)

    assert run.status == SyncRun.Status.OK, run.errors
    assert run.errors == []
    assert audit_connection(connection=connection, truth=sandbox_shop.truth()).ok
    assert len(outage_messages(caplog, "unreachable")) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
