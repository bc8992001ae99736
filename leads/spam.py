"""Telling bots from visitors without a captcha: a honeypot field, a signed timestamp that proves how long the
form was open, and the client's IP turned into a salted hash (the only form in which it is kept)."""

from __future__ import annotations

import time
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

FORM_TOKEN_SALT = "agentiq.leads.form"  # noqa: S105 - a signing salt, not a secret
IP_HASH_SALT = "agentiq.leads.ip"
# Hidden from people by CSS (and from screen readers); form fillers complete every field they see in the HTML.
HONEYPOT_FIELD = "website"


class Verdict(StrEnum):
    HUMAN = "human"
    HONEYPOT = "honeypot"  # the hidden field was filled
    TOO_FAST = "too_fast"  # sent sooner than LEAD_MIN_FILL_SECONDS after the page was served
    BAD_TOKEN = "bad_token"  # noqa: S105 - no timestamp, or one we did not sign
    EXPIRED = "expired"  # a real page, open longer than LEAD_FORM_MAX_AGE_SECONDS: the visitor reloads it

    @property
    def is_bot(self) -> bool:
        return self in (Verdict.HONEYPOT, Verdict.TOO_FAST, Verdict.BAD_TOKEN)


def form_token() -> str:
    """The timestamp the landing puts into its form, signed so it cannot be made up."""
    return signing.dumps({"t": round(time.time(), 3)}, salt=FORM_TOKEN_SALT, compress=False)


def judge(*, token: str, honeypot: str) -> Verdict:
    if honeypot.strip():
        return Verdict.HONEYPOT
    if not token:
        return Verdict.BAD_TOKEN
    try:
        issued = signing.loads(token, salt=FORM_TOKEN_SALT)
        age = time.time() - float(issued["t"])
    except (signing.BadSignature, TypeError, KeyError, ValueError):
        return Verdict.BAD_TOKEN
    if age < settings.LEAD_MIN_FILL_SECONDS:
        return Verdict.TOO_FAST
    if age > settings.LEAD_FORM_MAX_AGE_SECONDS:
        return Verdict.EXPIRED
    return Verdict.HUMAN


def ip_hash(ip: str) -> str:
    """Keyed with SECRET_KEY: the same visitor hashes alike (repeats and throttling), the address is not kept."""
    return salted_hmac(IP_HASH_SALT, ip or "", algorithm="sha256").hexdigest()
