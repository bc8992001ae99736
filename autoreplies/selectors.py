"""Reads of the auto-replies: a shop's rules, its settings and the drafts waiting for approval."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from autoreplies.models import AutoReply, AutoReplyRule, AutoReplyState
from sellers.access import get_for_seller

APPROVALS_LIMIT = 200


def rules_list(*, seller: Any) -> QuerySet[AutoReplyRule]:
    return AutoReplyRule.objects.filter(seller=seller).order_by("name", "id")


def rule_get(*, seller: Any, rule_id: int) -> AutoReplyRule:
    return get_for_seller(AutoReplyRule.objects.all(), seller=seller, pk=rule_id)


def approvals_waiting(*, seller: Any, limit: int = APPROVALS_LIMIT) -> QuerySet[AutoReply]:
    """The drafts waiting for one-click approval, newest first: only those whose interaction still waits for an
    answer (one answered meanwhile has nothing to approve)."""
    return (
        AutoReply.objects.filter(seller=seller, state=AutoReplyState.WAITING, interaction__needs_response=True)
        .select_related("interaction", "rule")
        .order_by("-created_at", "-id")[:limit]
    )


def approvals_waiting_count(*, seller: Any) -> int:
    return AutoReply.objects.filter(
        seller=seller, state=AutoReplyState.WAITING, interaction__needs_response=True
    ).count()
