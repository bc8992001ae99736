"""Per-IP limits of the lead form (5 a minute, 50 a day by default; `THROTTLE_RATE_LEADS_*`), counted in the
Django cache (Redis in production, shared by every web worker). The JSON API and the plain form post share
the counts."""

from __future__ import annotations

from typing import Any

from agentiq.plural import count_label
from agentiq.throttling import IpThrottle
from leads.spam import ip_hash


class LeadMinuteThrottle(IpThrottle):
    scope = "leads_minute"

    def ident(self, request: Any) -> str:
        return ip_hash(self.get_ident(request))


class LeadDayThrottle(LeadMinuteThrottle):
    scope = "leads_day"


THROTTLES = (LeadMinuteThrottle, LeadDayThrottle)


def throttle_wait(request: Any) -> float | None:
    """Count this request against every limit (as DRF does); the longest wait if any refuses, else None."""
    waits = [throttle.wait() for throttle in (cls() for cls in THROTTLES) if not throttle.allow_request(request, None)]
    return max(waits) if waits else None


def throttled_message(wait: float) -> str:
    seconds = max(1, round(wait))
    if seconds < 60:
        when = count_label(seconds, ("секунду", "секунды", "секунд"))
    elif seconds < 3600:
        when = count_label(-(-seconds // 60), ("минуту", "минуты", "минут"))
    else:
        when = count_label(-(-seconds // 3600), ("час", "часа", "часов"))
    return f"Слишком много заявок с вашего адреса. Попробуйте ещё раз через {when}."
