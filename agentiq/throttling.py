"""DRF throttles whose rates are read from settings at request time (DRF's own read them once, at
import), so a changed REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] applies without a restart. Counts
live in the Django cache: Redis in production, shared by every web worker.

When the cache is unreachable the throttles let requests through (and log it): a Redis outage
shows in /api/health, it must not turn every API call into a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class _RatesFromSettings:
    scope: str | None

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except Exception as exc:
            logger.warning("throttle %s skipped, cache unavailable: %s", self.scope, type(exc).__name__)
            return True


class UserThrottle(_RatesFromSettings, UserRateThrottle):
    """Per user for the seller API (per IP when anonymous)."""


class AnonThrottle(_RatesFromSettings, AnonRateThrottle):
    """Per IP for anonymous callers."""


class ScopedThrottle(_RatesFromSettings, ScopedRateThrottle):
    """Per view scope (`throttle_scope = "auth"`), per user or per IP."""
