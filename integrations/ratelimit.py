"""One token bucket per marketplace credential, shared by every worker process through Redis.

The bucket is kept as GCRA (one "theoretical arrival time" per key), which is a token bucket with
`rate` tokens per second and room for `burst`. Each acquire reserves the next free slot atomically
(a Lua script on Redis, a lock in-process on the local-memory cache) and sleeps until it comes, so
processes queue fairly instead of polling. A 429 pushes the slot forward by what the marketplace asked.
Keys are a hash of the credential, never the credential itself.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache

from integrations.errors import RateLimited

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
        if client is not None:
            result = _run(
                client, _ACQUIRE_LUA, self.key, self.interval_us, self.tolerance_us, int(max_wait * 1_000_000)
            )
            if result < 0:
                raise RateLimited(retry_after=(-result - 1) / 1000.0, status=None)
            return result / 1000.0
        return self._reserve_local(max_wait)

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
            _run(client, _PUSH_LUA, self.key, int(retry_after * 1_000_000), self.tolerance_us)
            return
        with _local_lock:
            now = time.time()
            target = now + retry_after + self.tolerance_us / 1_000_000
            if target > float(cache.get(self.key) or 0.0):
                cache.set(self.key, target, timeout=int(target - now) + 2)

    def reset(self) -> None:
        client = _redis()
        if client is not None:
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
