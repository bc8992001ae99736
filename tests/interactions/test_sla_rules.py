"""sla_deadline_for: the most specific active rule wins; the seeded global tiers apply otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from interactions.models import SLARule
from interactions.services import set_priority, sla_deadline_for, sla_rules_for_seller
from tests.factories import InteractionFactory, SellerFactory, SLARuleFactory

pytestmark = pytest.mark.django_db
T0 = timezone.now().replace(microsecond=0)


def due(seller, **kw):
    rules = sla_rules_for_seller(seller_id=seller.pk)
    times = sla_deadline_for(rules=rules, seller_id=seller.pk, start=T0, **kw)
    return (times.due_at - T0) if times else None


def test_seeded_global_tiers():
    seller = SellerFactory()
    assert SLARule.objects.filter(seller__isnull=True).count() == 5
    assert due(seller, marketplace="wb", kind="review", priority="urgent") == timedelta(hours=1)
    assert due(seller, marketplace="wb", kind="review", priority="low") == timedelta(hours=48)
    assert due(seller, marketplace="ozon", kind="question", priority="high") == timedelta(minutes=30)
    assert due(seller, marketplace="ozon", kind="chat", priority="high") == timedelta(hours=2)


def test_seller_rule_beats_more_specific_global_and_inactive_rules_are_ignored():
    seller, other = SellerFactory(), SellerFactory()
    SLARuleFactory(seller=seller, deadline_minutes=7)
    SLARuleFactory(seller=seller, kind="question", priority="high", deadline_minutes=3, is_active=False)
    SLARuleFactory(marketplace="ozon", kind="question", priority="high", deadline_minutes=20)
    assert due(seller, marketplace="ozon", kind="question", priority="high") == timedelta(minutes=7)
    assert due(other, marketplace="ozon", kind="question", priority="high") == timedelta(minutes=20)


def test_changing_priority_moves_an_unanswered_deadline():
    interaction = InteractionFactory(kind="review", priority="low", created_at=T0, last_buyer_message_at=T0)
    set_priority(interaction=interaction, priority="urgent")
    interaction.refresh_from_db()
    assert interaction.first_response_due_at == T0 + timedelta(hours=1)
    assert interaction.events.filter(kind="priority_changed").count() == 1
