"""Notifications: written once however often they are written, e-mailed at most once, read by their recipient.

The apps where something happens (a reply that finally failed, a refused key, a token about to expire, the
SLA sweep) build `NotificationDraft`s and hand them to `notify_many`. This module imports only `sellers`
and its own app, so any app may call it without an import cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from agentiq.errors import NotFound
from notifications.models import Notification
from sellers.models import User

logger = logging.getLogger(__name__)

SEND_EMAILS_TASK = "notifications.tasks.send_notification_emails"
KINDS = frozenset(Notification.Kind.values)
DEDUPE_KEY_MAX_LENGTH = Notification._meta.get_field("dedupe_key").max_length
INSERT_BATCH = 500  # rows per INSERT: 11 parameters each stays far below SQLite's limit
# On PostgreSQL the rows go in as one array per column, so a batch is one short statement (the SLA sweep writes
# thousands at once: as `VALUES` lists of 500 that was 15 statements and 82 k parameters quoted one by one).
ARRAY_INSERT_BATCH = 5_000
EMAIL_BATCH = 100
NOT_FOUND_MESSAGE = "Уведомление не найдено."

# Written by notify_many, in this order.
_INSERT_FIELDS = (
    "recipient",
    "kind",
    "text",
    "dedupe_key",
    "seller",
    "interaction",
    "connection",
    "wants_email",
    "emailed_at",
    "read_at",
    "created_at",
)
_UNIQUE_FIELDS = ("recipient", "kind", "dedupe_key")

__all__ = [
    "NotificationDraft",
    "assignee_or_owner_ids",
    "email_body",
    "email_subject",
    "interaction_url",
    "mark_all_read",
    "mark_read",
    "notify",
    "notify_many",
    "send_notification_emails",
    "shop_owner_ids",
    "staff_ids",
    "unread_count",
]


@dataclass(frozen=True)
class NotificationDraft:
    """One notification to write. (recipient_id, kind, dedupe_key) names it: a second draft with the same
    three is the same notification and writes nothing."""

    recipient_id: int
    kind: str
    text: str
    dedupe_key: str
    seller_id: int | None = None
    interaction_id: int | None = None
    connection_id: int | None = None
    email: bool = False


# --- writing ---------------------------------------------------------------------------------


def notify_many(drafts: Iterable[NotificationDraft]) -> int:
    """Write the drafts that are new; returns how many rows this call created.

    One INSERT … ON CONFLICT DO NOTHING RETURNING per batch: a row another writer (a second worker, a
    second run) created first, committed or not, is not returned, so the count is exact under concurrency
    on PostgreSQL and SQLite alike. When a new row wants e-mail, the e-mail task is queued after commit.
    """
    unique: dict[tuple[int, str, str], NotificationDraft] = {}
    for draft in drafts:
        _check(draft)
        unique.setdefault((draft.recipient_id, draft.kind, draft.dedupe_key), draft)
    if not unique:
        return 0
    # One order for every writer: two transactions inserting overlapping keys then wait for each other
    # instead of deadlocking.
    ordered = [unique[key] for key in sorted(unique)]
    now = timezone.now()
    created = 0
    wants_email = False
    batch = ARRAY_INSERT_BATCH if db.vendor == "postgresql" else INSERT_BATCH
    with transaction.atomic():
        for start in range(0, len(ordered), batch):
            for _pk, emailed in _insert(ordered[start : start + batch], now=now):
                created += 1
                wants_email = wants_email or bool(emailed)
        if wants_email:
            transaction.on_commit(_enqueue_emails)
    return created


def notify(
    *,
    recipient_id: int,
    kind: str,
    text: str,
    dedupe_key: str,
    seller_id: int | None = None,
    interaction_id: int | None = None,
    connection_id: int | None = None,
    email: bool = False,
) -> bool:
    """One notification; True when it is new."""
    draft = NotificationDraft(
        recipient_id=recipient_id,
        kind=kind,
        text=text,
        dedupe_key=dedupe_key,
        seller_id=seller_id,
        interaction_id=interaction_id,
        connection_id=connection_id,
        email=email,
    )
    return notify_many([draft]) == 1


def _check(draft: NotificationDraft) -> None:
    # Drafts come from our own code: a bad one is a bug to surface, not input to reword for a user.
    if draft.kind not in KINDS:
        raise ValueError(f"unknown notification kind {draft.kind!r}")
    if not draft.dedupe_key or len(draft.dedupe_key) > DEDUPE_KEY_MAX_LENGTH:
        raise ValueError(f"dedupe_key must be 1..{DEDUPE_KEY_MAX_LENGTH} characters")
    if not draft.text.strip():
        raise ValueError("a notification needs a text")


def _insert(drafts: list[NotificationDraft], *, now: datetime) -> list[tuple[int, Any]]:
    meta = Notification._meta
    quote = db.ops.quote_name
    fields = [meta.get_field(name) for name in _INSERT_FIELDS]
    rows = [
        (
            draft.recipient_id,
            draft.kind,
            draft.text,
            draft.dedupe_key,
            draft.seller_id,
            draft.interaction_id,
            draft.connection_id,
            draft.email,
            None,
            None,
            now,
        )
        for draft in drafts
    ]
    if db.vendor == "postgresql":
        # Every value is a plain int, str, bool, None or aware datetime, as PostgreSQL takes them.
        arrays = ", ".join(f"%s::{field.db_type(db)}[]" for field in fields)
        source = f"SELECT * FROM unnest({arrays})"  # noqa: S608 (types from the model, values bound)
        params: list[Any] = [list(column) for column in zip(*rows, strict=True)]
    else:
        source = "VALUES " + ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(drafts))
        params = [
            field.get_db_prep_save(value, connection=db)
            for values in rows
            for field, value in zip(fields, values, strict=True)
        ]
    # Only placeholders, types and column names from the model go into this SQL, never values.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
        f"{source} "
        f"ON CONFLICT ({', '.join(quote(meta.get_field(name).column) for name in _UNIQUE_FIELDS)}) DO NOTHING "
        f"RETURNING {quote(meta.pk.column)}, {quote(meta.get_field('wants_email').column)}"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _enqueue_emails() -> None:
    from agentiq.celery import app as celery_app

    try:
        celery_app.send_task(SEND_EMAILS_TASK, queue="default")
    except Exception as exc:
        # The minute sweep sends them anyway; a broker hiccup must not fail whoever wrote the notification.
        logger.warning("could not enqueue notification e-mails: %s", type(exc).__name__)


# --- recipients ------------------------------------------------------------------------------


def shop_owner_ids(seller_id: int) -> list[int]:
    """The shop's active owners."""
    return list(
        User.objects.filter(seller_id=seller_id, role=User.Role.OWNER, is_active=True)
        .order_by("id")
        .values_list("id", flat=True)
    )


def staff_ids() -> list[int]:
    """Active staff of the service (users without a shop)."""
    return list(
        User.objects.filter(is_staff=True, is_active=True, seller__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )


def assignee_or_owner_ids(seller_id: int, assignee_id: int | None) -> list[int]:
    """The assignee while they are an active member of this shop; otherwise (nobody, deactivated) its owners."""
    if assignee_id is not None and User.objects.filter(pk=assignee_id, seller_id=seller_id, is_active=True).exists():
        return [assignee_id]
    return shop_owner_ids(seller_id)


# --- e-mail ----------------------------------------------------------------------------------


def interaction_url(interaction_id: int) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/app/interactions/{interaction_id}"


def email_subject(notification: Notification) -> str:
    return f"AgentIQ: {Notification.Kind(notification.kind).label}"


def email_body(notification: Notification) -> str:
    parts = ["Здравствуйте!", notification.text]
    if notification.interaction_id is not None:
        parts.append(f"Открыть обращение: {interaction_url(notification.interaction_id)}")
    parts.append("Команда AgentIQ")
    return "\n\n".join(parts)


def send_notification_emails(*, batch: int = EMAIL_BATCH) -> int:
    """E-mail every notification that wants it; returns how many went.

    At most once per row: a row is claimed (emailed_at set, in a committed UPDATE) before its e-mail goes,
    so two runs at once (the on-commit task and the minute sweep) never send one twice. A failed send
    gives the claim back and the next run tries again; a worker killed between claim and send loses that
    e-mail rather than risking a second one.
    """
    # A deactivated user gets no more mail; switching their rows off keeps them out of the sweep's index.
    Notification.objects.filter(wants_email=True, emailed_at__isnull=True, recipient__is_active=False).update(
        wants_email=False
    )
    sent = 0
    after_id = 0
    while True:
        claimed = _claim_emails(after_id=after_id, batch=batch, now=timezone.now())
        if not claimed:
            return sent
        after_id = claimed[-1].pk  # onwards only: a row given back after a failure waits for the next run
        for notification in claimed:
            sent += _send_one(notification)


def _claim_emails(*, after_id: int, batch: int, now: datetime) -> list[Notification]:
    with transaction.atomic():
        ids = [
            row.pk
            for row in Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(wants_email=True, emailed_at__isnull=True, recipient__is_active=True, pk__gt=after_id)
            .order_by("pk")
            .only("pk")[:batch]
        ]
        if not ids:
            return []
        # The rows are locked (PostgreSQL) or the database is (SQLite's immediate transactions): all are ours.
        Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=now)
    return list(Notification.objects.filter(pk__in=ids, emailed_at=now).select_related("recipient").order_by("pk"))


def _send_one(notification: Notification) -> bool:
    claim = Notification.objects.filter(pk=notification.pk, emailed_at=notification.emailed_at)
    if not notification.recipient.is_active:  # deactivated since the claim
        claim.update(emailed_at=None, wants_email=False)
        return False
    try:
        send_mail(
            email_subject(notification),
            email_body(notification),
            settings.DEFAULT_FROM_EMAIL,
            [notification.recipient.email],
        )
    except Exception as exc:
        # The type only: an SMTP error may quote the server's reply, addresses or the login.
        logger.warning("could not e-mail notification %s: %s", notification.pk, type(exc).__name__)
        claim.update(emailed_at=None)
        return False
    return True


# --- read state ----------------------------------------------------------------------------


def mark_read(user: Any, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (again: a no-op). Another user's is a 404, like a missing one."""
    try:
        notification = Notification.objects.get(pk=notification_id, recipient_id=user.pk)
    except (Notification.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(NOT_FOUND_MESSAGE) from None
    if notification.read_at is None:
        now = timezone.now()
        if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now):
            notification.read_at = now
        else:  # a second tab got there first: its time stands
            notification.refresh_from_db(fields=["read_at"])
    return notification


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def mark_all_read(user: Any) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(read_at=timezone.now())
