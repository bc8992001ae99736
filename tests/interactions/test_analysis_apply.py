"""analysis_apply: the AI's one door into the inbox. Once per content, a seller's choice stands, and a
priority it sets moves the SLA deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from interactions.models import InteractionEvent
from interactions.services import AnalysisResult, analysis_apply, clock_restart, set_intent, set_priority
from tests.factories import InteractionFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)


def result(**kw) -> AnalysisResult:
    fields = {
        "intent": "defect_quality",
        "sentiment": "negative",
        "priority": "urgent",
        "summary": "Отзыв 2★: брак — порвалась по шву",
        "needs_reply": True,
        "confidence": 0.91,
        "source": "offline",
        "input_hash": "h1",
    }
    return AnalysisResult(**{**fields, **kw})


@pytest.fixture
def review():
    start = NOW - timedelta(minutes=20)
    interaction = InteractionFactory(
        kind="review", rating=2, priority="low", created_at=start, last_buyer_message_at=start
    )
    clock_restart(interaction, start=start, now=NOW)
    interaction.save()
    return interaction


def test_writes_the_analysis_with_an_event_and_moves_the_deadline(review):
    assert review.first_response_due_at == review.sla_started_at + timedelta(hours=48)
    assert analysis_apply(interaction_id=review.pk, result=result(), now=NOW)
    review.refresh_from_db()
    assert (review.intent, review.sentiment, review.priority) == ("defect_quality", "negative", "urgent")
    assert review.ai_summary.startswith("Отзыв 2★") and review.ai_source == "offline" and review.ai_confidence == 0.91
    assert review.ai_analyzed_at == NOW and review.ai_needs_reply is True
    # The urgent tier from the same start: due in an hour, due soon at 30 minutes, so 20 minutes in it is ok.
    assert review.sla_rule.priority == "urgent"
    assert review.first_response_due_at == review.sla_started_at + timedelta(hours=1)
    assert review.sla_state == "ok"
    kinds = list(review.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["ai_analyzed", "priority_changed"]
    assert review.events.get(kind="priority_changed").data == {"from": "low", "to": "urgent", "by": "ai"}


def test_the_same_content_is_never_analyzed_twice(review):
    assert analysis_apply(interaction_id=review.pk, result=result(), now=NOW)
    assert not analysis_apply(interaction_id=review.pk, result=result(intent="other"), now=NOW)
    review.refresh_from_db()
    assert review.intent == "defect_quality"
    assert InteractionEvent.objects.filter(kind="ai_analyzed").count() == 1
    # New content (the buyer wrote again): analyzed again.
    assert analysis_apply(interaction_id=review.pk, result=result(input_hash="h2", intent="complaint"), now=NOW)
    review.refresh_from_db()
    assert review.intent == "complaint"


def test_a_sellers_priority_and_intent_are_kept(review):
    owner = UserFactory(seller=review.seller)
    set_priority(interaction=review, priority="normal", actor=owner)
    set_intent(interaction=review, intent="size_fit", actor=owner)
    analysis_apply(interaction_id=review.pk, result=result(), now=NOW)
    review.refresh_from_db()
    assert (review.priority, review.intent, review.sentiment) == ("normal", "size_fit", "negative")
    assert review.events.get(kind="ai_analyzed").data["kept_sellers"] == ["intent", "priority"]
    assert review.events.get(kind="intent_changed").actor == owner


def test_a_seller_confirming_the_current_priority_also_keeps_it(review):
    set_priority(interaction=review, priority="low", actor=UserFactory(seller=review.seller))
    review.refresh_from_db()
    assert review.priority_by_seller
    analysis_apply(interaction_id=review.pk, result=result(), now=NOW)
    review.refresh_from_db()
    assert review.priority == "low"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("intent", "refund"),
        ("sentiment", "angry"),
        ("priority", "asap"),
        ("source", "gpt"),
        ("confidence", 1.5),
        ("input_hash", ""),
    ],
)
def test_an_invalid_result_is_refused(field, value):
    with pytest.raises(ValidationError) as error:
        result(**{field: value})
    assert field in error.value.message_dict


def test_the_patch_api_sets_the_intent(owner_client, owner):
    interaction = InteractionFactory(connection__seller=owner.seller)
    response = owner_client.patch(f"/api/interactions/{interaction.pk}", {"intent": "delivery"}, format="json")
    assert response.status_code == 200, response.content
    interaction.refresh_from_db()
    assert interaction.intent == "delivery" and interaction.intent_by_seller
    bad = owner_client.patch(f"/api/interactions/{interaction.pk}", {"intent": "nonsense"}, format="json")
    assert bad.status_code == 400 and "intent" in bad.json()["errors"]
