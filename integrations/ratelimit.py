"""One token bucket per marketplace credential, shared by every worker process through Redis.

The bucket is kept as GCRA (one "theoretical arrival time" per key), which is a token bucket with
`rate` tokens per second and room for `burst`. Each acquire reserves the next free slot atomically
(a Lua script on Redis, a lock in-process on the local-memory cache) and sleeps until it comes, so
processes queue fairly instead of polling. A 429 pushes the slot forward by what the marketplace asked.
Keys are a hash of the credential, never the credential itself.

When Redis is configured but unreachable (restarting, a network blip), the buckets fall back to this
process's memory at a fraction of the marketplace's rates (other processes may be sending on the same
credential and nobody can coordinate with them), the log says so once, and Redis is tried again every
few seconds: the sync goes on, a little slower, instead of failing every call.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache
from redis.exceptions import RedisError

from integrations.errors import RateLimited

logger = logging.getLogger(__name__)

# A caller waits at most this long for its slot; beyond that it gets RateLimited and the engine
# reschedules instead of holding a worker thread.
MAX_WAIT_SECONDS = 10.0
KEY_PREFIX = "agentiq:ratelimit:"

# Returns the wait in ms (reserved), or -wait in ms when the slot is further than max_wait (not reserved).
_ACQUIRE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > max_wait then return -math.floor(wait / 1000) - 1 end
local new_tat = tat + interval
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.floor((new_tat - now) / 1000) + 1000)
return math.floor(wait / 1000)
"""

_PUSH_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local target = now + tonumber(ARGV[1]) + tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if target > tat then
  redis.call('SET', KEYS[1], tostring(target), 'PX', math.floor((target - now) / 1000) + 1000)
end
return 1
"""

# Without Redis the buckets live in the (per-process) local-memory cache, guarded by one lock.
_local_lock = threading.Lock()

# While Redis is away: this share of each bucket's rate (and of its burst, at least 1) per process. Four
# workers on one credential then still stay under the marketplace's limit.
DEGRADED_RATE_SHARE = 0.25
# How often one caller tries Redis again while it is away (the others keep to the local buckets meanwhile).
REDIS_RETRY_SECONDS = 5.0
REDIS_ERRORS = (RedisError, OSError)


class _Outage:
    """Whether Redis is away for this process, when to try it again, and the buckets kept meanwhile."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down = False
        self.retry_at = 0.0  # time.monotonic()
        self.tats: dict[str, float] = {}  # bucket key -> theoretical arrival time (time.time())

    def should_try_redis(self) -> bool:
        """True when Redis is up, or when this caller is the one to probe it again."""
        with self.lock:
            if not self.down:
                return True
            now = time.monotonic()
            if now < self.retry_at:
                return False
            self.retry_at = now + REDIS_RETRY_SECONDS
            return True

    def failed(self, exc: BaseException) -> None:
        with self.lock:
            self.retry_at = time.monotonic() + REDIS_RETRY_SECONDS
            if self.down:
                return
            self.down = True
        logger.warning(
            "rate limiter: Redis is unreachable (%s); buckets are kept per process at %d%% of the marketplace "
            "rates until it is back",
            type(exc).__name__,
            int(DEGRADED_RATE_SHARE * 100),
        )

    def recovered(self) -> None:
        if not self.down:  # the common case: no lock
            return
        with self.lock:
            if not self.down:
                return
            self.down = False
            self.tats.clear()
        logger.warning("rate limiter: Redis is back; buckets are shared again")


_outage = _Outage()


def credential_key(*parts: str) -> str:
    """A stable, non-reversible key for a credential (or a seller id read from it)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return digest[:32]


_scripts: dict[tuple[int, str], object] = {}


def _redis():
    """The Redis client behind the Django cache, or None on the local-memory cache."""
    try:
        from django_redis import get_redis_connection

        return get_redis_connection("default")
    except (ImportError, NotImplementedError, AttributeError, KeyError):
        return None


def _run(client, lua: str, key: str, *args: int) -> int:
    """EVALSHA with the script registered once per client (redis-py reloads it after a Redis restart)."""
    script = _scripts.get((id(client), lua))
    if script is None:
        script = client.register_script(lua)
        _scripts[(id(client), lua)] = script
    return int(script(keys=[key], args=list(args)))


@dataclass(frozen=True)
class Bucket:
    name: str  # e.g. "wb_feedbacks:<credential hash>"
    rate: float  # tokens per second
    burst: int

    @property
    def key(self) -> str:
        return KEY_PREFIX + self.name

    @property
    def interval_us(self) -> int:
        return int(1_000_000 / self.rate)

    @property
    def tolerance_us(self) -> int:
        return self.interval_us * max(self.burst - 1, 0)

    def reserve(self, *, max_wait: float = MAX_WAIT_SECONDS) -> float:
        """Reserve the next slot and return how many seconds to wait for it. Raises RateLimited if too far."""
        client = _redis()
        if client is None:
            return self._reserve_local(max_wait)
        if _outage.should_try_redis():
            try:
                result = _run(
                    client, _ACQUIRE_LUA, self.key, self.interval_us, self.tolerance_us, int(max_wait * 1_000_000)
                )
            except REDIS_ERRORS as exc:
                _outage.failed(exc)
            else:
                _outage.recovered()
                if result < 0:
                    raise RateLimited(retry_after=(-result - 1) / 1000.0, status=None)
                return result / 1000.0
        return self._reserve_degraded(max_wait)

    @property
    def degraded(self) -> Bucket:
        """This bucket as kept by one process while Redis is away."""
        return Bucket(
            name=self.name,
            rate=self.rate * DEGRADED_RATE_SHARE,
            burst=max(1, int(self.burst * DEGRADED_RATE_SHARE)),
        )

    def _reserve_degraded(self, max_wait: float) -> float:
        slow = self.degraded
        interval = slow.interval_us / 1_000_000
        tolerance = slow.tolerance_us / 1_000_000
        now = time.time()
        with _outage.lock:
            tat = max(_outage.tats.get(self.key, 0.0), now)
            wait = max(tat - tolerance - now, 0.0)
            if wait > max_wait:
                raise RateLimited(retry_after=wait, status=None)
            _outage.tats[self.key] = tat + interval
        return wait

    def _reserve_local(self, max_wait: float) -> float:
        now = time.time()
        interval = self.interval_us / 1_000_000
        tolerance = self.tolerance_us / 1_000_000
        with _local_lock:
            tat = max(float(cache.get(self.key) or 0.0), now)
            wait = max(tat - tolerance - now, 0.0)
            if wait > max_wait:
                raise RateLimited(retry_after=wait, status=None)
            cache.set(self.key, tat + interval, timeout=int(tat + interval - now) + 2)
        return wait

    def acquire(self, *, max_wait: float = MAX_WAIT_SECONDS) -> float:
        """Block until this caller may send one request. Returns the seconds waited."""
        wait = self.reserve(max_wait=max_wait)
        if wait > 0:
            time.sleep(wait)
        return wait

    def push_back(self, retry_after: float) -> None:
        """The marketplace said 429: nobody sharing this credential sends before `retry_after` seconds."""
        client = _redis()
        if client is not None:
            if _outage.should_try_redis():
                try:
                    _run(client, _PUSH_LUA, self.key, int(retry_after * 1_000_000), self.tolerance_us)
                except REDIS_ERRORS as exc:
                    _outage.failed(exc)
                else:
                    _outage.recovered()
                    return
            with _outage.lock:
                target = time.time() + retry_after + self.degraded.tolerance_us / 1_000_000
                _outage.tats[self.key] = max(_outage.tats.get(self.key, 0.0), target)
            return
        with _local_lock:
            now = time.time()
            target = now + retry_after + self.tolerance_us / 1_000_000
            if target > float(cache.get(self.key) or 0.0):
                cache.set(self.key, target, timeout=int(target - now) + 2)

    def reset(self) -> None:
        client = _redis()
        if client is not None:
            with _outage.lock:
                _outage.tats.pop(self.key, None)
            client.delete(self.key)
        else:
            cache.delete(self.key)


# Documented limits (docs/marketplaces.md §2.3, §6.1), kept ~10 % under: our reservation clock and
# the marketplace's arrival clock differ by the network, and a slot taken exactly on time can still see a 429.
def wb_feedbacks_bucket(account_key: str, *, base_token: bool = False) -> Bucket:
    """Every feedbacks-api method of one seller account shares one bucket: WB allows 3/s, burst 6
    (a Base token: 5 per hour, burst 1)."""
    if base_token:
        return Bucket(name=f"wb_feedbacks:{account_key}", rate=5 / 3600, burst=1)
    return Bucket(name=f"wb_feedbacks:{account_key}", rate=2.7, burst=5)


def wb_chat_bucket(account_key: str, *, base_token: bool = False) -> Bucket:
    """Buyer chat: WB allows 10 requests per 10 s, burst 10 (a Base token: 1 per hour)."""
    if base_token:
        return Bucket(name=f"wb_chat:{account_key}", rate=1 / 3600, burst=1)
    return Bucket(name=f"wb_chat:{account_key}", rate=0.9, burst=9)


def ozon_bucket(account_key: str) -> Bucket:
    """Ozon: 50 requests/s per Client-Id across all methods; keep a little under it."""
    return Bucket(name=f"ozon:{account_key}", rate=45.0, burst=10)
