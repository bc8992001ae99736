"""Rule resolution: the most specific active rule wins, ties are deterministic, the seeded global tiers
apply otherwise, and the interaction says which rule applied and why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from interactions.models import SLARule
from interactions.services import (
    WorkingTime,
    clock_restart,
    set_priority,
    sla_clock,
    sla_rule_for,
    sla_rule_reason,
    sla_rules_for_seller,
)
from interactions.services.sla import SLAFacts, chat_phase_of
from tests.factories import InteractionFactory, SellerFactory, SLARuleFactory

pytestmark = pytest.mark.django_db
T0 = timezone.now().replace(microsecond=0)


def facts(seller, **kw) -> SLAFacts:
    return SLAFacts(seller_id=seller.pk, **{"marketplace": "wb", "kind": "review", "priority": "normal", **kw})


def due(seller, **kw):
    rules = sla_rules_for_seller(seller_id=seller.pk)
    clock = sla_clock(rules=rules, working_time=WorkingTime.round_the_clock(), facts=facts(seller, **kw), start=T0)
    return (clock.due_at - T0) if clock else None


def rule(seller, **kw):
    return sla_rule_for(rules=sla_rules_for_seller(seller_id=seller.pk), facts=facts(seller, **kw))


def test_seeded_global_tiers():
    seller = SellerFactory()
    assert SLARule.objects.filter(seller__isnull=True).count() == 6
    assert due(seller, kind="review", priority="urgent") == timedelta(hours=1)
    assert due(seller, kind="review", priority="low") == timedelta(hours=48)
    assert due(seller, marketplace="ozon", kind="question", priority="high") == timedelta(minutes=30)
    assert due(seller, marketplace="ozon", kind="chat", priority="high") == timedelta(hours=2)
    assert due(seller, kind="chat", priority="high", chat_phase="pre_purchase") == timedelta(minutes=10)
    assert due(seller, kind="chat", priority="high", chat_phase="post_purchase") == timedelta(hours=2)
    # Every tier escalates in four steps, in time order.
    for seeded in SLARule.objects.filter(seller__isnull=True):
        actions = [step["action"] for step in seeded.escalation_steps]
        assert actions == ["notify_assignee", "notify_owner", "reassign", "notify_staff"], seeded.name


def test_seller_rule_beats_more_specific_global_and_inactive_rules_are_ignored():
    seller, other = SellerFactory(), SellerFactory()
    SLARuleFactory(seller=seller, deadline_minutes=7)
    SLARuleFactory(seller=seller, kind="question", priority="high", deadline_minutes=3, is_active=False)
    SLARuleFactory(marketplace="ozon", kind="question", priority="high", deadline_minutes=20)
    assert due(seller, marketplace="ozon", kind="question", priority="high") == timedelta(minutes=7)
    assert due(other, marketplace="ozon", kind="question", priority="high") == timedelta(minutes=20)


def test_rating_range_matches_reviews_and_the_narrower_range_wins():
    seller = SellerFactory()
    wide = SLARuleFactory(seller=seller, kind="review", rating_min=1, rating_max=3, deadline_minutes=90)
    narrow = SLARuleFactory(seller=seller, kind="review", rating_min=1, rating_max=1, deadline_minutes=45)
    assert rule(seller, rating=1) == narrow
    assert rule(seller, rating=3) == wide
    # A review without a rating and a 5★ review fall through to the global priority tier.
    assert rule(seller, rating=None).seller_id is None
    assert rule(seller, rating=5).seller_id is None


def test_ties_are_broken_by_the_lower_id_whatever_the_order():
    seller = SellerFactory()
    first = SLARuleFactory(seller=seller, kind="review", deadline_minutes=10)
    second = SLARuleFactory(seller=seller, kind="review", deadline_minutes=20)
    rules = sla_rules_for_seller(seller_id=seller.pk)
    assert sla_rule_for(rules=rules, facts=facts(seller)) == first
    assert sla_rule_for(rules=list(reversed(rules)), facts=facts(seller)) == first
    assert second.pk > first.pk


def test_the_reason_names_the_scope_and_what_matched():
    seller = SellerFactory()
    SLARuleFactory(seller=seller, name="Плохие отзывы", kind="review", rating_min=1, rating_max=2, marketplace="wb")
    reason = sla_rule_reason(rule(seller, rating=2))
    assert reason.startswith("Правило магазина «Плохие отзывы»")
    assert "оценка 1–2★" in reason and "тип «отзыв»" in reason and "Wildberries" in reason
    assert "в рабочее время" in reason
    assert sla_rule_reason(rule(SellerFactory(), priority="low")).startswith("Общее правило")


def test_chat_phase_comes_from_the_wb_good_card():
    wb_chat = {"kind": "chat", "marketplace": "wb"}
    assert chat_phase_of(**wb_chat, reply_context={"good_card": {"nmID": 1, "statusID": 0}}) == "pre_purchase"
    assert chat_phase_of(**wb_chat, reply_context={"good_card": {"nmID": 1, "statusID": 12}}) == "pre_purchase"
    assert chat_phase_of(**wb_chat, reply_context={"good_card": {"nmID": 1, "statusID": 11}}) == "post_purchase"
    assert chat_phase_of(**wb_chat, reply_context={"good_card": {"nmID": 1, "statusID": 3}}) == "post_purchase"
    assert chat_phase_of(**wb_chat, reply_context={}) == ""
    assert chat_phase_of(**wb_chat, reply_context={"good_card": {"statusID": "11"}}) == ""
    assert chat_phase_of(kind="chat", marketplace="ozon", reply_context={"good_card": {"statusID": 0}}) == ""


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rating_min": 4, "rating_max": 2}, "rating_max"),
        ({"rating_min": 0}, "rating_min"),
        ({"rating_min": 1, "kind": "chat"}, "kind"),
        ({"chat_phase": "pre_purchase", "kind": "review"}, "chat_phase"),
        ({"target_minutes": 90, "deadline_minutes": 60}, "target_minutes"),
        ({"escalation_steps": [{"after_minutes": 5, "action": "call_the_police"}]}, "escalation_steps"),
        (
            {
                "escalation_steps": [
                    {"after_minutes": 30, "action": "notify_owner"},
                    {"after_minutes": 5, "action": "notify_staff"},
                ]
            },
            "escalation_steps",
        ),
        ({"escalation_steps": {"after_minutes": 5}}, "escalation_steps"),
    ],
)
def test_invalid_rules_get_a_russian_error_on_the_field(fields, field):
    candidate = SLARule(**{"name": "x", "target_minutes": 30, "deadline_minutes": 60, **fields})
    with pytest.raises(ValidationError) as error:
        candidate.full_clean()
    assert field in error.value.message_dict
    assert any(ch in "".join(error.value.message_dict[field]) for ch in "абвгдеёжзиклмнопрстуфхцчшщыэюя")


def test_changing_priority_moves_an_unanswered_deadline_and_repicks_the_rule():
    interaction = InteractionFactory(kind="review", priority="low", created_at=T0, last_buyer_message_at=T0)
    clock_restart(interaction, start=T0, now=T0)
    interaction.save()
    assert interaction.sla_rule.priority == "low"
    set_priority(interaction=interaction, priority="urgent")
    interaction.refresh_from_db()
    assert interaction.first_response_due_at == T0 + timedelta(hours=1)
    assert interaction.sla_started_at == T0
    assert interaction.sla_rule.priority == "urgent"
    assert interaction.events.filter(kind="priority_changed").count() == 1
