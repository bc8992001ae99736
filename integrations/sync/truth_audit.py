"""Compare what one connection holds in the inbox with the sandbox marketplace's ground truth.

Used by the sync tests and bench/sync.py to prove "nothing lost, nothing duplicated". Only the
keys matter here (which interactions and which message ids exist), not the texts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from integrations.models import Connection
from interactions.models import AnswerState, Direction, Interaction, Kind, Marketplace, Message

Key = tuple[str, str]  # (kind, external_id)


@dataclass
class Audit:
    interactions: int = 0
    messages: int = 0
    missing_interactions: list[Key] = field(default_factory=list)
    extra_interactions: list[Key] = field(default_factory=list)
    missing_messages: list[tuple[Key, str]] = field(default_factory=list)
    extra_messages: list[tuple[Key, str]] = field(default_factory=list)
    unmatched_replies: list[int] = field(default_factory=list)  # our sent replies never read back

    @property
    def lost(self) -> int:
        return len(self.missing_interactions) + len(self.missing_messages)

    @property
    def duplicated(self) -> int:
        return len(self.extra_interactions) + len(self.extra_messages) + len(self.unmatched_replies)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0


def expected_from_truth(truth: dict[str, Any], *, marketplace: str) -> dict[Key, set[str]]:
    """Interaction key → the message ids the sandbox says exist for it."""
    expected: dict[Key, set[str]] = {}
    if marketplace == Marketplace.WILDBERRIES:
        wb = truth["wb"]
        parents = {f["id"]: f.get("parent_feedback_id") for f in wb["feedbacks"]}
        for feedback in wb["feedbacks"]:
            root = feedback["id"]
            seen = {root}
            while parents.get(root) and parents[root] not in seen:
                root = parents[root]
                seen.add(root)
            ids = expected.setdefault((Kind.REVIEW, root), set())
            ids.add(feedback["id"])
            if (feedback.get("answer") or {}).get("text"):
                ids.add(f"{feedback['id']}:answer")
        for question in wb["questions"]:
            ids = expected.setdefault((Kind.QUESTION, question["id"]), {question["id"]})
            if (question.get("answer") or {}).get("text"):
                ids.add(f"{question['id']}:answer")
        for chat in wb["chats"]:
            expected[(Kind.CHAT, chat["chat_id"])] = {event["event_id"] for event in chat["events"]}
    else:
        ozon = truth["ozon"]
        for chat in ozon["chats"]:
            if chat.get("chat_type") == "Buyer_Seller":
                expected[(Kind.CHAT, chat["chat_id"])] = {str(m["message_id"]) for m in chat["messages"]}
        for review in ozon["reviews"]:
            expected[(Kind.REVIEW, review["id"])] = {review["id"], *(c["id"] for c in review.get("comments", []))}
        for question in ozon["questions"]:
            expected[(Kind.QUESTION, question["id"])] = {
                question["id"],
                *(a["id"] for a in question.get("answers", [])),
            }
    return expected


def audit_connection(*, connection: Connection, truth: dict[str, Any]) -> Audit:
    expected = expected_from_truth(truth, marketplace=connection.marketplace)
    rows = Interaction.objects.filter(connection=connection).values_list("id", "kind", "external_id")
    interactions = {(kind, external_id): pk for pk, kind, external_id in rows}
    key_by_pk = {pk: key for key, pk in interactions.items()}
    actual: dict[Key, Counter] = {key: Counter() for key in interactions}
    audit = Audit(interactions=len(expected), messages=sum(len(ids) for ids in expected.values()))
    # An answer replaced by a delivered edit, or deleted on the marketplace, is gone from it: neither expected
    # nor extra. So is a rejected one that a newer answer took WB's "<id>:answer" from.
    rows = (
        Message.objects.filter(interaction__connection=connection, superseded_at__isnull=True)
        .exclude(marketplace_state=AnswerState.DELETED)
        .exclude(marketplace_state=AnswerState.REJECTED, external_id__isnull=True)
    )
    for interaction_id, external_id, direction, delivery_state, message_id in rows.values_list(
        "interaction_id", "external_id", "direction", "delivery_state", "id"
    ):
        if external_id is None:
            # Our own reply: fine while on its way, but once sent the sync must have read it back.
            if direction == Direction.OUT and delivery_state == "sent":
                audit.unmatched_replies.append(message_id)
            continue
        actual[key_by_pk[interaction_id]][external_id] += 1

    for key, ids in expected.items():
        if key not in actual:
            audit.missing_interactions.append(key)
            continue
        for message_external_id in ids - set(actual[key]):
            audit.missing_messages.append((key, message_external_id))
    for key, counts in actual.items():
        if key not in expected:
            audit.extra_interactions.append(key)
            continue
        for message_external_id, count in counts.items():
            if message_external_id not in expected[key]:
                audit.extra_messages.append((key, message_external_id))
            elif count > 1:
                audit.extra_messages.extend([(key, message_external_id)] * (count - 1))
    return audit
