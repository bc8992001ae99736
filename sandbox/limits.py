"""Token buckets, one per (shop, host bucket), with the numbers WB and Ozon document."""

from __future__ import annotations

import math
from dataclasses import dataclass

# name: (refill per second, burst)
BUCKETS = {
    "wb_feedbacks": (3.0, 6),
    "wb_chat": (1.0, 10),
    "wb_download": (1.0, 10),
    "wb_ping": (0.1, 3),
    "ozon": (50.0, 50),
    # A WB Base token (no secret): WB's hourly limits since 30 Mar 2026.
    "wb_feedbacks_base": (5 / 3600, 1),
    "wb_chat_base": (1 / 3600, 1),
    "wb_download_base": (10 / 3600, 1),
    "wb_ping_base": (0.1, 3),
}


@dataclass
class Verdict:
    allowed: bool
    remaining: int  # requests that may still be sent right now
    retry: int  # seconds until the next request may succeed (when refused)
    limit: int  # the burst
    reset: int  # seconds until the bucket is full again


@dataclass
class TokenBucket:
    rate: float
    burst: int
    tokens: float
    updated: float

    @classmethod
    def full(cls, name: str, now: float) -> TokenBucket:
        rate, burst = BUCKETS[name]
        return cls(rate=rate, burst=burst, tokens=float(burst), updated=now)

    def take(self, now: float) -> Verdict:
        self.tokens = min(float(self.burst), self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            reset = math.ceil((self.burst - self.tokens) / self.rate)
            return Verdict(True, int(self.tokens), 0, self.burst, reset)
        retry = max(1, math.ceil((1.0 - self.tokens) / self.rate))
        reset = math.ceil((self.burst - self.tokens) / self.rate)
        return Verdict(False, 0, retry, self.burst, reset)
