"""The quality score of every sent reply: rules without a key (each part measured), the LLM's reading with one
(fenced data, the books, repair, fallback to the rules), the task queued when a reply is marked sent, the beat
sweep, and both run twice scoring once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from agentiq.celery import app as celery_app
from ai import tasks
from ai.models import LLMCall
from ai.quality import score_by_rules, score_replies
from interactions.models import Interaction, Message, ReplyQuality
from interactions.records import CustomerRecord, InteractionRecord, MessageRecord
from interactions.selectors.quality import ReplyForQuality, replies_to_score
from interactions.services import queue_reply, reply_mark_sent, upsert_records
from tests import factories
from tests.ai.fake_llm import answer, error
from tests.ai.test_llm_budget import set_runtime

pytestmark = pytest.mark.django_db
GOOD = "Здравствуйте, Анна! Спасибо, что отметили ткань и посадку платья, нам очень приятно. Ждём вас снова!"


def review(ext: str, text: str, rating: int, *, minutes_ago: int = 5, product_id: str = "1") -> InteractionRecord:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return InteractionRecord(
        kind="review",
        external_id=ext,
        created_at=at,
        messages=[MessageRecord(external_id=ext, direction="in", author="buyer", text=text, created_at=at)],
        customer=CustomerRecord(external_id="", name="Анна"),
        product_id=product_id,
        product_name="Платье летнее",
        rating=rating,
    )


@pytest.fixture
def connection(owner):
    return factories.ConnectionFactory(marketplace="wb", seller=owner.seller)


def sent(connection, user, *, text=GOOD, ext="r1", buyer="Платье село идеально, ткань приятная", rating=5, **kw):
    upsert_records(connection=connection, records=[review(ext, buyer, rating, **kw)])
    interaction = Interaction.objects.get(external_id=ext)
    message = queue_reply(interaction=interaction, user=user, text=text, confirm_warnings=True, confirm_repeat=True)
    reply_mark_sent(message_id=message.pk, external_id=f"{ext}:answer", sent_at=timezone.now())
    return message


def facts(**overrides) -> ReplyForQuality:
    base = {
        "message_id": 1,
        "seller_id": 1,
        "interaction_id": 1,
        "author_user_id": None,
        "author": "seller",
        "marketplace": "wb",
        "kind": "review",
        "rating": 5,
        "intent": "gratitude",
        "product_name": "Платье летнее",
        "buyer_name": "Анна",
        "text": GOOD,
        "buyer_text": "Платье село идеально, ткань приятная",
        "sent_at": timezone.now(),
        "met_target": True,
        "met_deadline": True,
        "similar_to": [],
    }
    return ReplyForQuality(**(base | overrides))


# --- rules --------------------------------------------------------------------------------------------------


def test_a_polite_specific_timely_reply_scores_high_with_a_note_saying_so():
    result = score_by_rules(facts())
    assert result.source == "rules"
    assert result.components == {
        "relevance": 100,
        "politeness": 90,
        "compliance": 100,
        "personal": 100,
        "timeliness": 100,
    }
    assert result.score >= 95
    assert result.note == "Вежливый ответ по существу и вовремя."


def test_forbidden_content_caps_the_score_and_the_note_names_the_rule():
    result = score_by_rules(facts(text="Здравствуйте! Спасибо за отзыв, пишите нам в телеграм, там ответим быстрее."))
    assert result.components["compliance"] == 0
    assert result.score <= 40
    assert "Нарушает правила ответа: Контакты вне маркетплейса" in result.note
    assert result.facts["guardrail_status"] == "block"


def test_a_near_copy_of_an_earlier_reply_is_boilerplate():
    earlier = GOOD.replace("Анна", "Мария")
    result = score_by_rules(facts(similar_to=[(7, "Совсем другой ответ о другом товаре."), (8, earlier)]))
    assert result.facts["similar_message_id"] == 8
    assert result.facts["similarity"] >= 90
    assert result.components["personal"] <= 30
    assert "Почти повторяет другой ответ магазина" in result.note


def test_an_unhappy_buyer_without_empathy_and_a_late_answer_score_low():
    started = timezone.now() - timedelta(hours=5)
    result = score_by_rules(
        facts(
            rating=1,
            intent="defect_quality",
            buyer_text="Порвалось по шву после первой стирки",
            text="Здравствуйте! Спасибо за отзыв.",
            met_target=False,
            met_deadline=False,
            wait_started_at=started,
            wait_due_at=started + timedelta(hours=1),
            wait_ended_at=timezone.now(),
        )
    )
    assert result.components["relevance"] < 60
    assert result.components["timeliness"] == 10
    assert result.score < 60
    assert "Нет сочувствия недовольному покупателю." in result.note
    assert "Ответ позже срока SLA." in result.note


def test_a_rating_without_words_is_answered_by_thanks_and_no_deadline_means_no_timeliness_part():
    result = score_by_rules(facts(buyer_text="", met_target=None, met_deadline=None))
    assert result.components["relevance"] == 85
    assert result.components["timeliness"] is None
    assert result.note == "Вежливый ответ по существу."


# --- the task, the sweep, idempotency -----------------------------------------------------------------------


def test_marking_a_reply_sent_queues_its_score_after_the_commit(
    connection, owner, monkeypatch, django_capture_on_commit_callbacks
):
    sent_tasks = []

    def run_now(name, args=None, **options):  # the broker, delivering at once
        sent_tasks.append(name)
        return celery_app.tasks[name].apply(args=args)

    monkeypatch.setattr(celery_app, "send_task", run_now)
    upsert_records(connection=connection, records=[review("r1", "Платье село идеально, ткань приятная", 5)])
    message = queue_reply(interaction=Interaction.objects.get(external_id="r1"), user=owner, text=GOOD)
    assert not ReplyQuality.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        reply_mark_sent(message_id=message.pk, external_id="r1:answer", sent_at=timezone.now())
    assert sent_tasks == ["ai.tasks.score_reply_quality"]
    quality = ReplyQuality.objects.get(message=message)
    assert quality.source == "rules"
    assert quality.author_user == owner
    assert (quality.kind, quality.marketplace, quality.interaction_id) == ("review", "wb", message.interaction_id)
    assert quality.timeliness == 100  # answered well before the 5★ target
    assert quality.score >= 90
    # Marked sent again (the sync saw it on the marketplace): nothing new is queued.
    with django_capture_on_commit_callbacks(execute=True):
        reply_mark_sent(message_id=message.pk, external_id="r1:answer", sent_at=timezone.now())
    assert sent_tasks == ["ai.tasks.score_reply_quality"]


def test_the_task_run_twice_scores_once(connection, owner):
    message = sent(connection, owner)
    assert tasks.score_reply_quality(message.pk) == 1
    first = ReplyQuality.objects.get(message=message)
    assert tasks.score_reply_quality(message.pk) == 0
    assert ReplyQuality.objects.get(message=message).scored_at == first.scored_at
    # An undelivered reply has nothing to score.
    pending = factories.OutgoingMessageFactory(interaction=message.interaction)
    assert tasks.score_reply_quality(pending.pk) == 0


def test_the_sweep_scores_what_the_task_missed_once_and_compares_with_earlier_replies(connection, owner):
    first = sent(connection, owner, ext="r1")
    second = sent(connection, owner, ext="r2", text=GOOD.replace("Анна", "Ольга"))
    # An answer written in the marketplace's cabinet, with a contact in it.
    at = timezone.now() - timedelta(minutes=1)
    upsert_records(
        connection=connection,
        records=[
            InteractionRecord(
                kind="review",
                external_id="r3",
                created_at=at - timedelta(minutes=30),
                messages=[
                    MessageRecord("r3", "in", "buyer", "Хорошее платье", at - timedelta(minutes=30)),
                    MessageRecord("r3:answer", "out", "seller", "Спасибо! Скидки в нашем телеграм-канале.", at),
                ],
                customer=CustomerRecord(external_id="", name="Вера"),
                product_id="1",
                rating=5,
            )
        ],
    )
    cabinet = Message.objects.get(external_id="r3:answer")
    old = factories.PublishedAnswerFactory(
        interaction__connection=connection, sent_at=timezone.now() - timedelta(days=10)
    )  # older than the sweep looks

    assert set(replies_to_score(now=timezone.now())) == {first.pk, second.pk, cabinet.pk}
    assert tasks.score_unscored_replies() == 3
    assert tasks.score_unscored_replies() == 0
    assert not ReplyQuality.objects.filter(message=old).exists()
    scores = {q.message_id: q for q in ReplyQuality.objects.all()}
    assert scores[first.pk].personal == 100  # nothing earlier to be like
    assert scores[second.pk].facts["similar_message_id"] == first.pk
    assert scores[second.pk].personal < 50
    assert scores[cabinet.pk].compliance == 0 and scores[cabinet.pk].author_user is None
    assert scores[cabinet.pk].score <= 40


# --- the LLM ------------------------------------------------------------------------------------------------


def quality_answer(**overrides):
    return answer({"relevance": 70, "politeness": 95, "note": "Стоит упомянуть, что именно понравилось."} | overrides)


def test_with_a_key_the_llm_reads_relevance_and_politeness_and_writes_the_note(fake_llm, connection, owner):
    message = sent(connection, owner, buyer="Платье село идеально, мой телефон 8 912 345-67-89")
    fake_llm.respond(lambda received: quality_answer())
    assert score_replies([message.pk]) == 1
    quality = ReplyQuality.objects.get(message=message)
    assert quality.source == "llm"
    assert (quality.relevance, quality.politeness) == (70, 95)
    assert (quality.compliance, quality.personal, quality.timeliness) == (100, 100, 100)  # measured, not asked
    assert quality.note == "Стоит упомянуть, что именно понравилось."
    assert quality.score == round((35 * 70 + 15 * 95 + 20 * 100 + 15 * 100 + 15 * 100) / 100)
    assert quality.prompt_version and quality.model == "deepseek-chat"
    [request] = fake_llm.requests
    assert request.purpose == "quality"
    _token, data = request.data_block()
    assert data["reply"] == GOOD and "[телефон]" in data["text"] and "8 912" not in request.text()
    call = LLMCall.objects.get()
    assert (call.purpose, call.seller_id, call.error) == ("quality", owner.seller_id, "")


def test_a_malformed_answer_is_repaired_once(fake_llm, connection, owner):
    message = sent(connection, owner)
    fake_llm.script(answer("не JSON"), quality_answer(relevance=60))
    score_replies([message.pk])
    assert ReplyQuality.objects.get(message=message).relevance == 60
    assert list(LLMCall.objects.order_by("id").values_list("purpose", "error")) == [
        ("quality", "invalid_json"),
        ("repair", ""),
    ]


@pytest.mark.parametrize(
    "replies",
    [
        [answer({"relevance": 150, "politeness": 90, "note": "x"}), answer({"relevance": "высокая"})],
        [error(500)] * 3,
        [error(401)],
    ],
    ids=["invalid-twice", "server-down", "rejected"],
)
def test_any_llm_failure_falls_back_to_the_rules(fake_llm, connection, owner, replies):
    message = sent(connection, owner)
    fake_llm.script(*replies)
    assert score_replies([message.pk]) == 1
    quality = ReplyQuality.objects.get(message=message)
    assert quality.source == "rules"
    assert quality.note == "Вежливый ответ по существу и вовремя."
    assert LLMCall.objects.filter(purpose__in=["quality", "repair"]).exclude(error="").exists()


def test_ai_switched_off_or_budget_spent_scores_by_rules_without_a_call(fake_llm, connection, owner):
    first = sent(connection, owner, ext="r1")
    set_runtime("ai_enabled", False)
    score_replies([first.pk])
    assert ReplyQuality.objects.get(message=first).source == "rules"
    set_runtime("ai_enabled", True)
    set_runtime("ai_daily_budget_usd", 0.0)
    second = sent(
        connection, owner, ext="r2", text="Здравствуйте! Рады, что платье понравилось, носите с удовольствием."
    )
    score_replies([second.pk])
    assert ReplyQuality.objects.get(message=second).source == "rules"
    assert fake_llm.requests == []
