"""The daily answer reconciliation: our answers to reviews and questions against what the marketplace shows.

For one connection it reads every answered item of the window (`answer_reconcile_days`) from the marketplace,
records each difference as an `AnswerDiscrepancy` (an answer of ours the marketplace lacks, one the marketplace
has that AgentIQ lacks, a text changed there), then hands the items to the inbox through `upsert_records`, the
sync's own door, so states follow (deleted, edited, published; answers written elsewhere are imported). Ozon
never says that moderation refused an answer, it just never lists it: one still unlisted after
`answer_moderation_hours` is rejected here, which reopens the interaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations.errors import PermanentError
from integrations.models import AnswerDiscrepancy, Connection
from integrations.ozon import questions as ozon_questions
from integrations.ozon import reviews as ozon_reviews
from integrations.ozon.client import as_id, ozon_auth
from integrations.ozon.normalize import normalize_question as ozon_question_record
from integrations.ozon.normalize import normalize_review
from integrations.products import with_product_names
from integrations.wildberries import feedbacks as wb_feedbacks
from integrations.wildberries import questions as wb_questions
from integrations.wildberries.client import wb_auth
from integrations.wildberries.normalize import normalize_feedback, normalize_question
from interactions.models import ANSWER_STATES_GONE, AnswerState, Direction
from interactions.records import InteractionRecord

logger = logging.getLogger(__name__)

PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError)
WB_TAKE = 5000
MAX_PAGES = 200
UPSERT_BATCH = 500
OZON_UNPUBLISHED_REASON = (
    "Ozon не опубликовал ответ за {hours} ч: скорее всего, его отклонила модерация (причину Ozon не сообщает). "
    "Исправьте ответ и отправьте снова."
)
Kind = AnswerDiscrepancy.Kind


@dataclass
class ReconcileResult:
    items: int = 0  # answered items read from the marketplace
    answers: int = 0  # our answers compared
    missing: int = 0
    not_ours: int = 0
    text_differs: int = 0
    rejected: int = 0
    resolved: int = 0


def _setting(key: str) -> Any:
    from agentiq.runtime import runtime_get

    return runtime_get(key)


def _text_key(text: str) -> str:
    return " ".join((text or "").split()).casefold()


# --- what the marketplace shows -------------------------------------------------------------------


def _wb_items(connection: Connection, *, since: datetime) -> list[InteractionRecord]:
    auth = wb_auth(connection)
    raw_items: list[tuple[str, dict]] = []
    for kind, lister, key in (
        ("review", wb_feedbacks.list_feedbacks, "feedbacks"),
        ("question", wb_questions.list_questions, "questions"),
    ):
        # Both lists: a rejected answer leaves its feedback among the unanswered ones.
        for is_answered in (True, False):
            skip = 0
            for _ in range(MAX_PAGES):
                page = lister(auth, is_answered=is_answered, take=WB_TAKE, skip=skip, date_from=int(since.timestamp()))
                items = getattr(page, key)
                # Items without an answer too: one whose answer was deleted must say so.
                raw_items.extend((kind, raw) for raw in items if isinstance(raw, dict))
                skip += len(items)
                if len(items) < WB_TAKE or (kind == "question" and skip >= 10_000):
                    break
    parents = {
        str(raw.get("id")): raw["parentFeedbackId"]
        for kind, raw in raw_items
        if kind == "review" and isinstance(raw.get("parentFeedbackId"), str) and raw["parentFeedbackId"]
    }
    records = []
    for kind, raw in raw_items:
        try:
            record = normalize_feedback(raw, parents=parents) if kind == "review" else normalize_question(raw)
        except PARSE_ERRORS:
            continue  # the sync quarantines what does not parse
        records.append(record)
    return records


def _ozon_items(connection: Connection, *, since: datetime) -> list[InteractionRecord]:
    auth = ozon_auth(connection)
    records: list[InteractionRecord] = []
    last_id = ""
    for _ in range(MAX_PAGES):
        listing = ozon_reviews.list_reviews(auth, last_id=last_id, status="PROCESSED")
        for raw in listing.reviews:
            try:
                amount = raw.get("comments_amount")
                comments = (
                    ozon_reviews.all_comments(auth, review_id=as_id(raw.get("id")))[0]
                    if isinstance(amount, int) and amount > 0
                    else []
                )
                record = normalize_review(raw, comments)
            except PermanentError:
                continue
            except PARSE_ERRORS:
                continue
            if record.created_at >= since:
                records.append(record)
        if not listing.has_next or not listing.last_id or listing.last_id == last_id:
            break
        last_id = listing.last_id
    last_id = ""
    for _ in range(MAX_PAGES):
        listing = ozon_questions.list_questions(auth, last_id=last_id, date_from=since)
        for raw in listing.questions:
            try:
                answers: list[dict] = []
                count = raw.get("answers_count")
                sku = as_id(raw.get("sku"))
                if isinstance(count, int) and count > 0 and sku.isdigit():
                    answers = ozon_questions.all_answers(auth, question_id=as_id(raw.get("id")), sku=int(sku))[0]
                records.append(ozon_question_record(raw, answers))
            except PermanentError:
                continue
            except PARSE_ERRORS:
                continue
        if not listing.questions or not listing.last_id or listing.last_id == last_id:
            break
        last_id = listing.last_id
    return records


def marketplace_items(connection: Connection, *, since: datetime) -> list[InteractionRecord]:
    """Every item of the window the marketplace shows answered (or with an answer), as records."""
    if connection.marketplace == "wb":
        return _wb_items(connection, since=since)
    if connection.marketplace == "ozon":
        return _ozon_items(connection, since=since)
    return []


# --- the comparison ---------------------------------------------------------------------------------


@dataclass
class Difference:
    kind: str
    key: str
    item_id: str
    answer_id: str = ""
    interaction_id: int | None = None
    message_id: int | None = None
    our_text: str = ""
    marketplace_text: str = ""
    note: str = ""
    unpublished: bool = False  # ours, never shown by the marketplace within its moderation time


def compare(
    *, records: list[InteractionRecord], ours: list[Any], interaction_ids: dict[tuple[str, str], int], now: datetime
) -> list[Difference]:
    """The differences between the marketplace's answers (records) and ours (selectors.SentAnswer rows)."""
    grace = timedelta(hours=int(_setting("answer_moderation_hours")))
    listed: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:  # an edited WB review is two feedbacks of one interaction: merge their answers
        shown = listed.setdefault((record.kind, record.external_id), {})
        shown.update({m.external_id: m for m in record.messages if m.direction == Direction.OUT})
    known = {(a.kind, a.item_id, a.external_id) for a in ours if a.external_id}
    differences: list[Difference] = []
    for answer in ours:
        if not answer.from_agentiq or answer.state in ANSWER_STATES_GONE or not answer.external_id:
            continue
        shown = listed.get((answer.kind, answer.item_id), {})
        seen = shown.get(answer.external_id)
        if seen is not None:
            if answer.state != AnswerState.EDITED and _text_key(seen.text) != _text_key(answer.text):
                differences.append(
                    Difference(
                        kind=Kind.TEXT_DIFFERS,
                        key=f"message:{answer.message_id}",
                        item_id=answer.item_id,
                        answer_id=answer.external_id,
                        interaction_id=answer.interaction_id,
                        message_id=answer.message_id,
                        our_text=answer.text,
                        marketplace_text=seen.text,
                        note="Ответ изменили на маркетплейсе, не в AgentIQ.",
                    )
                )
            continue
        waiting = answer.state in (AnswerState.SENT, AnswerState.IN_MODERATION)
        if waiting and answer.sent_at is not None and now - answer.sent_at < grace:
            continue  # still within the marketplace's moderation time
        differences.append(
            Difference(
                kind=Kind.MISSING_ON_MARKETPLACE,
                key=f"message:{answer.message_id}",
                item_id=answer.item_id,
                answer_id=answer.external_id,
                interaction_id=answer.interaction_id,
                message_id=answer.message_id,
                our_text=answer.text,
                note="Не опубликован за время модерации." if waiting else "Ответа больше нет на маркетплейсе.",
                unpublished=waiting,
            )
        )
    for (kind, item_id), answers in listed.items():
        for answer_id, seen in answers.items():
            if (kind, item_id, answer_id) in known:
                continue
            differences.append(
                Difference(
                    kind=Kind.NOT_SENT_BY_US,
                    key=f"answer:{answer_id}",
                    item_id=item_id,
                    answer_id=answer_id,
                    interaction_id=interaction_ids.get((kind, item_id)),
                    marketplace_text=seen.text,
                    note="Ответ есть на маркетплейсе, но его нет в AgentIQ (написан в кабинете и ещё не загружен).",
                )
            )
    return differences


def _record(connection: Connection, differences: list[Difference], *, now: datetime) -> int:
    """Write the differences (one row each, seen again: last_seen_at); resolve the open ones not found now.
    Returns how many were resolved."""
    keys = {(d.kind, d.key) for d in differences}
    existing = {(row.kind, row.key): row for row in AnswerDiscrepancy.objects.filter(connection=connection)}
    with transaction.atomic():
        for difference in differences:
            row = existing.get((difference.kind, difference.key))
            fields = {
                "item_id": difference.item_id,
                "answer_id": difference.answer_id,
                "interaction_id": difference.interaction_id,
                "message_id": difference.message_id,
                "our_text": difference.our_text,
                "marketplace_text": difference.marketplace_text,
                "note": difference.note,
                "last_seen_at": now,
                "resolved_at": None,
            }
            if row is None:
                AnswerDiscrepancy.objects.create(
                    connection=connection,
                    seller_id=connection.seller_id,
                    kind=difference.kind,
                    key=difference.key,
                    first_seen_at=now,
                    **fields,
                )
            else:
                if row.resolved_at is not None:
                    fields["first_seen_at"] = now
                AnswerDiscrepancy.objects.filter(pk=row.pk).update(**fields)
        gone = [row.pk for key, row in existing.items() if key not in keys and row.resolved_at is None]
        return AnswerDiscrepancy.objects.filter(pk__in=gone).update(resolved_at=now)


def reconcile_connection(*, connection_id: int, now: datetime | None = None) -> ReconcileResult | None:
    """Reconcile one connection's answers now. None when the connection is gone or switched off."""
    from interactions.selectors import answers_for_reconciliation
    from interactions.services import upsert_records
    from interactions.services.answers import answers_mark_unpublished

    connection = Connection.objects.filter(pk=connection_id, is_enabled=True).first()
    if connection is None:
        return None
    now = now or timezone.now()
    since = now - timedelta(days=int(_setting("answer_reconcile_days")))
    records = marketplace_items(connection, since=since)
    ours = answers_for_reconciliation(connection_id=connection.pk, since=since)
    interaction_ids = {(a.kind, a.item_id): a.interaction_id for a in ours}
    differences = compare(records=records, ours=ours, interaction_ids=interaction_ids, now=now)
    result = ReconcileResult(items=len(records), answers=len(ours))
    for difference in differences:
        if difference.kind == Kind.MISSING_ON_MARKETPLACE:
            result.missing += 1
        elif difference.kind == Kind.NOT_SENT_BY_US:
            result.not_ours += 1
        else:
            result.text_differs += 1
    result.resolved = _record(connection, differences, now=now)
    # Then the inbox follows what the marketplace shows, through the sync's own door.
    records = with_product_names(connection=connection, records=records) if records else records
    for start in range(0, len(records), UPSERT_BATCH):
        upsert_records(connection=connection, records=records[start : start + UPSERT_BATCH])
    if connection.marketplace == "ozon":
        hours = int(_setting("answer_moderation_hours"))
        unpublished = [d.message_id for d in differences if d.unpublished and d.message_id]
        result.rejected = len(
            answers_mark_unpublished(
                message_ids=unpublished, reason=OZON_UNPUBLISHED_REASON.format(hours=hours), now=now
            )
        )
    return result
