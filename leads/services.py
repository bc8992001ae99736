"""Writes of the leads app: a submitted form becomes a lead (or a repeat of one), staff move its status,
old leads are deleted as the privacy policy promises."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.timezone import localtime, now

from leads.models import Lead, LeadStatus, LeadStatusChange

logger = logging.getLogger(__name__)

# A second request with the same phone, e-mail or Telegram this soon after the first lead is the same person.
REPEAT_WINDOW = timedelta(hours=24)
SEND_EMAIL_TASK = "leads.tasks.send_lead_email"
MARKETPLACE_NAMES = {"wb": "Wildberries", "ozon": "Ozon"}


@dataclass(frozen=True)
class LeadData:
    name: str = ""
    phone: str = ""  # E.164
    email: str = ""  # lower case
    telegram: str = ""  # without @, lower case
    shop_name: str = ""
    marketplaces: tuple[str, ...] = ()
    comment: str = ""
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    referrer: str = ""

    def contacts(self) -> dict[str, str]:
        return {field: value for field in ("phone", "email", "telegram") if (value := getattr(self, field))}


@dataclass(frozen=True)
class Submission:
    lead: Lead
    created: bool  # False: merged into an earlier lead of the same contact


def lead_submit(*, data: LeadData, ip_hash: str = "") -> Submission:
    """Store a visitor's request, or merge it into the lead their contact left in the last 24 hours.

    Two requests of one contact at once (a double click) are serialized by a lock per contact, so they
    make one lead. A new lead e-mails SALES_EMAIL after the commit; a merged repeat does not."""
    contacts = data.contacts()
    if not contacts:
        raise ValueError("a lead needs a phone, an e-mail or a Telegram handle")
    at = now()
    with transaction.atomic():
        _lock_contacts(contacts)
        match = Q()
        for field, value in contacts.items():
            match |= Q(**{field: value})
        first = Lead.objects.filter(match, created_at__gte=at - REPEAT_WINDOW).order_by("created_at", "id").first()
        if first is not None:
            _merge(first, data, at=at)
            return Submission(lead=first, created=False)
        lead = Lead.objects.create(
            name=data.name,
            phone=data.phone,
            email=data.email,
            telegram=data.telegram,
            shop_name=data.shop_name,
            sells_on_wb="wb" in data.marketplaces,
            sells_on_ozon="ozon" in data.marketplaces,
            comment=data.comment,
            consent_at=at,
            utm_source=data.utm_source,
            utm_medium=data.utm_medium,
            utm_campaign=data.utm_campaign,
            referrer=data.referrer,
            ip_hash=ip_hash,
            created_at=at,
            last_submitted_at=at,
        )
        if settings.SALES_EMAIL:
            lead_id = lead.pk
            transaction.on_commit(lambda: _enqueue_email(lead_id))
    return Submission(lead=lead, created=True)


def _lock_contacts(contacts: dict[str, str]) -> None:
    # SQLite's write transactions are serial already (transaction_mode IMMEDIATE in settings).
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted(f"lead:{field}:{value}" for field, value in contacts.items()):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


def _merge(lead: Lead, data: LeadData, *, at: datetime) -> None:
    """The first lead keeps what it had; what it lacked (a second contact, the shop) comes from the repeat."""
    changed = ["repeat_count", "last_submitted_at"]
    for field in ("name", "phone", "email", "telegram", "shop_name", "utm_source", "utm_medium", "utm_campaign"):
        new = getattr(data, field)
        if new and not getattr(lead, field):
            setattr(lead, field, new)
            changed.append(field)
    for code, field in (("wb", "sells_on_wb"), ("ozon", "sells_on_ozon")):
        if code in data.marketplaces and not getattr(lead, field):
            setattr(lead, field, True)
            changed.append(field)
    comment = data.comment.strip()
    if comment and comment not in lead.comment:
        stamp = date_format(localtime(at, _staff_zone()), "SHORT_DATETIME_FORMAT")
        lead.comment = f"{lead.comment}\n\n[повторная заявка {stamp}]\n{comment}".strip()
        changed.append("comment")
    lead.repeat_count += 1
    lead.last_submitted_at = at
    lead.save(update_fields=changed)


def _staff_zone() -> ZoneInfo:
    return ZoneInfo(settings.STAFF_TIME_ZONE)


def _enqueue_email(lead_id: int) -> None:
    from agentiq.celery import app as celery_app

    try:
        celery_app.send_task(SEND_EMAIL_TASK, args=[lead_id], queue="default")
    except Exception as exc:
        # The lead is stored and listed in the admin as new; a broker hiccup must not fail the visitor's request.
        logger.warning("could not enqueue the e-mail of lead %s: %s", lead_id, type(exc).__name__)


def lead_email_send(*, lead_id: int) -> bool:
    """E-mail SALES_EMAIL about a new lead, at most once (claimed by a conditional UPDATE). False: nothing to
    send (no address, no such lead, or already sent)."""
    if not settings.SALES_EMAIL:
        return False
    claimed = Lead.objects.filter(pk=lead_id, sales_emailed_at__isnull=True).update(sales_emailed_at=now())
    if not claimed:
        return False
    lead = Lead.objects.get(pk=lead_id)
    try:
        send_mail(lead_email_subject(lead), lead_email_body(lead), settings.DEFAULT_FROM_EMAIL, [settings.SALES_EMAIL])
    except Exception:
        Lead.objects.filter(pk=lead_id).update(sales_emailed_at=None)  # the task's retry sends it
        raise
    return True


def lead_email_subject(lead: Lead) -> str:
    who = lead.shop_name or lead.name or lead.contact_summary
    return f"AgentIQ: новая заявка — {who}"


def lead_email_body(lead: Lead) -> str:
    created = date_format(localtime(lead.created_at, _staff_zone()), "SHORT_DATETIME_FORMAT")
    rows = [
        ("Имя", lead.name),
        ("Телефон", lead.phone),
        ("Эл. почта", lead.email),
        ("Telegram", lead.telegram and "@" + lead.telegram),
        ("Магазин", lead.shop_name),
        ("Маркетплейсы", ", ".join(MARKETPLACE_NAMES[code] for code in lead.marketplaces)),
        ("Комментарий", lead.comment),
        ("Источник", " / ".join(v for v in (lead.utm_source, lead.utm_medium, lead.utm_campaign) if v)),
        ("Пришёл с", lead.referrer),
    ]
    lines = [f"{label}: {value}" for label, value in rows if value]
    link = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/admin/leads/lead/{lead.pk}/change/"
    return f"Заявка с сайта, {created} (МСК).\n\n" + "\n".join(lines) + f"\n\nОткрыть в админке: {link}\n"


def lead_set_status(*, lead: Lead, status: str, user: object | None) -> bool:
    """Move a lead to `status`, remembering who and when (a LeadStatusChange row). False: it was there already."""
    if status not in LeadStatus.values:
        raise ValueError(f"unknown lead status {status!r}")
    if lead.status == status:
        return False
    at = now()
    with transaction.atomic():
        LeadStatusChange.objects.create(
            lead=lead, from_status=lead.status, to_status=status, changed_by=user, changed_at=at
        )
        lead.status, lead.status_changed_at, lead.status_changed_by = status, at, user
        lead.save(update_fields=["status", "status_changed_at", "status_changed_by"])
    return True


def leads_prune(*, older_than_days: int | None = None) -> int:
    """Delete leads whose visitor last wrote more than LEAD_RETENTION_DAYS ago; how many went."""
    days = settings.LEAD_RETENTION_DAYS if older_than_days is None else older_than_days
    _, by_model = Lead.objects.filter(last_submitted_at__lt=now() - timedelta(days=days)).delete()
    return by_model.get(Lead._meta.label, 0)
