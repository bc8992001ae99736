"""DRF throttles whose rates are read from settings at request time (DRF's own read them once, at
import), so a changed REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] applies without a restart. Counts
live in the Django cache: Redis in production, shared by every web worker.

Each caller gets a window that opens with its first request and lasts the rate's period; requests
are counted with one atomic `incr` (one Redis round trip per request). DRF's own throttles keep a
list of timestamps per caller and read it and write it back (two round trips, and concurrent
requests overwrite each other's counts). A fixed window lets a caller reach twice the rate across
the edge of two windows, which is fine for what this guards (abuse, runaway clients).

When the cache is unreachable the throttles let requests through (and log it): a Redis outage
shows in /api/health, it must not turn every API call into a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, SimpleRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class _WindowCounter:
    scope: str | None
    rate: str | None
    num_requests: int
    duration: int
    key: str | None
    cache: Any

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)  # type: ignore[attr-defined]
        if self.key is None:
            return True
        try:
            count = self._count_request(self.key)
        except Exception as exc:
            logger.warning("throttle %s skipped, cache unavailable: %s", self.scope, type(exc).__name__)
            return True
        return count <= self.num_requests

    def _count_request(self, key: str) -> int:
        try:
            return self.cache.incr(key)
        except ValueError:  # no open window: this request opens one (or a concurrent one just did)
            if self.cache.add(key, 1, timeout=self.duration):
                return 1
            return self.cache.incr(key)

    def wait(self) -> float:
        """Seconds until the window closes (Retry-After); the whole period where the cache can't say."""
        ttl = getattr(self.cache, "ttl", None)
        if ttl is not None and self.key is not None:
            try:
                remaining = ttl(self.key)
            except Exception:
                remaining = None
            if isinstance(remaining, int) and remaining > 0:
                return remaining
        return self.duration


class UserThrottle(_WindowCounter, UserRateThrottle):
    """Per user for the seller API (per IP when anonymous)."""


class AnonThrottle(_WindowCounter, AnonRateThrottle):
    """Per IP for anonymous callers."""


class ScopedThrottle(_WindowCounter, ScopedRateThrottle):
    """Per view scope (`throttle_scope = "auth"`), per user or per IP."""

    def allow_request(self, request: Any, view: Any) -> bool:
        # As DRF's ScopedRateThrottle: the scope, hence the rate, is known only once the view is.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class IpThrottle(_WindowCounter, SimpleRateThrottle):
    """Per client IP, signed in or not, at the rate of the subclass's `scope`. `ident` may be overridden
    (the lead form keys its counts by a hash of the IP, so not even the cache holds the address)."""

    def ident(self, request: Any) -> str:
        return self.get_ident(request)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.ident(request)}
