"""The checks before a reply is queued: the guardrails (block, warn + confirm) and the repeated-answer guard
(held + confirm), through `POST /api/interactions/{id}/reply` and `POST /api/replies/check`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from agentiq.models import RuntimeSetting
from interactions.models import DeliveryState, Direction, InteractionEvent, Kind, Message
from interactions.selectors.replies import recent_sent_replies
from interactions.services.reply_checks import repeat_check
from tests.factories import InteractionFactory, MessageFactory, OutgoingMessageFactory

pytestmark = pytest.mark.django_db

CHECK = "/api/replies/check"
GOOD = "Спасибо за отзыв! Рады, что платье подошло по размеру."
EARLIER = "Анна, спасибо за отзыв! Рады, что платье подошло по размеру, носите с удовольствием."


def reply(client, interaction, text, **flags):
    return client.post(f"/api/interactions/{interaction.pk}/reply", {"text": text, **flags}, format="json")


def sent_answer(*, interaction, text, minutes_ago=60, **kw):
    return OutgoingMessageFactory(
        interaction=interaction,
        text=text,
        delivery_state=DeliveryState.SENT,
        sent_at=timezone.now() - timedelta(minutes=minutes_ago),
        idempotency_key=None,
        **kw,
    )


@pytest.fixture
def review(make_interaction):
    item = make_interaction(kind=Kind.REVIEW, rating=5, product_id="111")
    MessageFactory(interaction=item, text="Платье село идеально, спасибо!")
    return item


@pytest.fixture
def chat(make_interaction):
    item = make_interaction(kind=Kind.CHAT, reply_context={"reply_sign": "s"})
    MessageFactory(interaction=item, text="Когда привезут заказ?")
    return item


def nothing_written(interaction) -> bool:
    return not Message.objects.filter(interaction=interaction, direction=Direction.OUT).exists() and not (
        InteractionEvent.objects.filter(interaction=interaction, kind=InteractionEvent.Kind.REPLY_QUEUED).exists()
    )


def test_a_blocked_reply_is_refused_with_its_violations_and_nothing_is_written(owner_client, review):
    text = "Спасибо! Пишите нам в т е л е г р а м, ответит наш бот."

    response = reply(owner_client, review, text, confirm_warnings=True, confirm_repeat=True)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "guardrail_blocked"
    assert "Упоминание ИИ" in body["detail"] and "Контакты вне маркетплейса" in body["detail"]
    assert [(v["category"], v["fragment"], v["verdict"]) for v in body["violations"]] == [
        ("ai_mention", "бот", "block"),
        ("outside_contacts", "т е л е г р а м", "block"),
    ]
    assert all(v["explanation"] for v in body["violations"])
    assert body["repeat"]["held"] is False
    review.refresh_from_db()
    assert review.needs_response and nothing_written(review)


def test_a_warning_needs_the_sellers_confirmation(owner_client, chat):
    text = "Вы неправильно указали адрес, поэтому заказ задержался."

    refused = reply(owner_client, chat, text)
    confirmed = reply(owner_client, chat, text, confirm_warnings=True)

    assert refused.status_code == 400
    assert refused.json()["code"] == "guardrail_warning"
    assert [v["category"] for v in refused.json()["violations"]] == ["blame"]
    assert confirmed.status_code == 201
    message = Message.objects.get(pk=confirmed.json()["id"])
    assert message.guardrail["status"] == "warn" and message.guardrail["warnings_confirmed"] is True
    assert message.guardrail["violations"][0]["fragment"] == "Вы неправильно"


def test_the_same_text_is_blocked_in_a_review_and_only_a_warning_in_a_chat(owner_client, review, chat):
    text = "Вы неправильно выбрали размер, посмотрите таблицу на карточке."

    assert reply(owner_client, review, text, confirm_warnings=True).json()["code"] == "guardrail_blocked"
    assert reply(owner_client, chat, text, confirm_warnings=True).status_code == 201


def test_a_clean_reply_records_its_verdict(owner_client, review):
    response = reply(owner_client, review, GOOD)

    assert response.status_code == 201
    message = Message.objects.get(pk=response.json()["id"])
    assert message.guardrail["status"] == "ok" and message.guardrail["violations"] == []
    assert message.guardrail["repeat"]["held"] is False


def test_a_near_repeat_of_a_recent_answer_is_held_until_confirmed(owner_client, review, make_interaction):
    same_product = make_interaction(kind=Kind.REVIEW, product_id="111")
    earlier = sent_answer(interaction=same_product, text=EARLIER)
    other_product = make_interaction(kind=Kind.REVIEW, product_id="222")
    sent_answer(interaction=other_product, text="Спасибо за отзыв! Рады, что кружка понравилась.", minutes_ago=5)
    text = "Мария, спасибо за отзыв! Рады, что платье подошло по размеру, носите с удовольствием."

    held = reply(owner_client, review, text)
    confirmed = reply(owner_client, review, text, confirm_repeat=True)

    assert held.status_code == 400
    body = held.json()
    assert body["code"] == "repeat_held" and body["violations"] == []
    similar = body["repeat"]["similar"]
    assert similar[0]["id"] == earlier.pk and similar[0]["text"] == EARLIER and similar[0]["same_product"] is True
    assert similar[0]["score"] >= body["repeat"]["threshold"] == 90
    assert similar[0]["sent_at"] == earlier.sent_at.isoformat()
    assert [s["score"] for s in similar] == sorted((s["score"] for s in similar), reverse=True)
    assert confirmed.status_code == 201
    recorded = Message.objects.get(pk=confirmed.json()["id"]).guardrail["repeat"]
    assert recorded["held"] is True and recorded["confirmed"] is True and recorded["similar_ids"][0] == earlier.pk


def test_the_threshold_is_a_runtime_setting(owner_client, review, make_interaction):
    sent_answer(interaction=make_interaction(kind=Kind.REVIEW), text=EARLIER)
    text = "Спасибо за отзыв! Рады, что платье подошло по размеру. Носите с радостью!"
    assert reply(owner_client, review, text).status_code == 201  # below 90
    Message.objects.filter(interaction=review).delete()

    RuntimeSetting.objects.update_or_create(key="reply_repeat_threshold", defaults={"value": 60})

    assert reply(owner_client, review, text).json()["code"] == "repeat_held"


def test_chats_are_not_held_as_repeats(owner_client, chat, make_interaction):
    earlier_chat = make_interaction(kind=Kind.CHAT, reply_context={"reply_sign": "s"})
    sent_answer(interaction=earlier_chat, text="Здравствуйте! Заказ уже в пути, привезут завтра.")

    assert reply(owner_client, chat, "Здравствуйте! Заказ уже в пути, привезут завтра.").status_code == 201


def test_check_answers_what_the_reply_would_meet(owner_client, review, make_interaction):
    earlier = sent_answer(interaction=make_interaction(kind=Kind.REVIEW, product_id="111"), text=EARLIER)

    ok = owner_client.post(CHECK, {"interaction": review.pk, "text": GOOD}, format="json")
    blocked = owner_client.post(CHECK, {"interaction": review.pk, "text": "  Звоните +7 999 123-45-67!"}, format="json")

    assert ok.status_code == 200
    assert ok.json()["status"] == "ok" and ok.json()["violations"] == []
    assert ok.json()["repeat"]["similar"][0]["id"] == earlier.pk
    assert ok.json()["repeat"]["checked"] == 1
    body = blocked.json()
    assert body["status"] == "block"
    phone = next(v for v in body["violations"] if v["fragment"] == "+7 999 123-45-67")
    assert "  Звоните +7 999 123-45-67!"[phone["start"] : phone["end"]] == phone["fragment"]  # the text as sent
    assert {v["category"] for v in body["violations"]} == {"outside_contacts"}
    assert not Message.objects.filter(interaction=review, direction=Direction.OUT).exists()


def test_check_is_the_shops_own(owner_client, other_client, anon_client, review):
    payload = {"interaction": review.pk, "text": GOOD}

    assert other_client.post(CHECK, payload, format="json").status_code == 404
    assert anon_client.post(CHECK, payload, format="json").status_code == 401
    assert owner_client.post(CHECK, {"interaction": 10**20, "text": GOOD}, format="json").status_code == 400
    missing = owner_client.post(CHECK, {"text": GOOD}, format="json")
    assert missing.status_code == 400 and "interaction" in missing.json()["errors"]


def test_check_reads_a_bounded_number_of_rows(owner_client, review, make_interaction):
    for n in range(30):
        sent_answer(interaction=make_interaction(kind=Kind.REVIEW, product_id=str(n % 3)), text=f"{EARLIER} {n}")

    owner_client.post(CHECK, {"interaction": review.pk, "text": GOOD}, format="json")  # lists compiled, setting cached

    with CaptureQueriesContext(db_connection) as queries:
        response = owner_client.post(CHECK, {"interaction": review.pk, "text": GOOD}, format="json")

    assert response.status_code == 200
    # the interaction, the buyer's messages, and what the shop sent since the first check (the same product's
    # answers and the shop's are kept per process from the first check: interactions.selectors.replies)
    assert len(queries) == 3, "\n".join(q["sql"][:150] for q in queries)


def test_check_and_reply_are_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    check = schema["paths"]["/api/replies/check"]["post"]
    assert "requestBody" in check and "content" in check["responses"]["200"]
    reply_op = schema["paths"]["/api/interactions/{interaction_id}/reply"]["post"]
    assert "400" in reply_op["responses"]
    reply_input = schema["components"]["schemas"]["ReplyInputRequest"]["properties"]
    assert {"text", "confirm_warnings", "confirm_repeat"} <= set(reply_input)


def test_recent_answers_put_the_same_product_first_and_skip_what_does_not_count(seller, review, make_interaction):
    same = sent_answer(interaction=make_interaction(kind=Kind.REVIEW, product_id="111"), text="тот же товар")
    newest_other = sent_answer(
        interaction=make_interaction(kind=Kind.QUESTION, product_id="222"), text="другой товар", minutes_ago=1
    )
    sent_answer(interaction=make_interaction(kind=Kind.CHAT), text="чат", minutes_ago=1)
    sent_answer(interaction=review, text="ответ на этот же отзыв", minutes_ago=1)
    sent_answer(interaction=make_interaction(kind=Kind.REVIEW), text="исправлен", superseded_at=timezone.now())
    OutgoingMessageFactory(interaction=make_interaction(kind=Kind.REVIEW), text="ещё в очереди")
    sent_answer(interaction=InteractionFactory(kind=Kind.REVIEW, product_id="111"), text="чужой магазин")

    found = recent_sent_replies(seller_id=seller.pk, product_id="111", exclude_interaction_id=review.pk)

    assert [(r.id, r.same_product) for r in found] == [(same.pk, True), (newest_other.pk, False)]
    assert recent_sent_replies(seller_id=seller.pk, limit=1)[0].text in {"другой товар", "ответ на этот же отзыв"}


def test_repeat_check_refuses_another_shops_interaction(other_owner, review):
    with pytest.raises(ValueError):
        repeat_check(seller=other_owner.seller, interaction=review, text=GOOD)


def test_the_kept_answers_see_what_was_sent_since_even_by_another_process(owner_client, review, make_interaction):
    """The guard keeps a shop's answers per process: an answer delivered meanwhile (another worker, a late
    commit inside the overlap) is compared with at the very next check."""
    text = "Анна, благодарим за отзыв о платье! Рады, что село идеально, ждём вас снова."
    first = owner_client.post(CHECK, {"interaction": review.pk, "text": text}, format="json").json()
    assert first["repeat"]["held"] is False
    same_product = make_interaction(kind=Kind.REVIEW, product_id="111")
    sent_answer(interaction=same_product, text=text.replace("Анна", "Олег"), minutes_ago=1)
    late = make_interaction(kind=Kind.QUESTION, product_id="222")
    sent_answer(interaction=late, text="Здравствуйте! Состав указан в карточке товара, хлопок 100 %.", minutes_ago=1)
    again = owner_client.post(CHECK, {"interaction": review.pk, "text": text}, format="json").json()
    assert again["repeat"]["held"] is True
    assert again["repeat"]["similar"][0]["same_product"] is True
    assert again["repeat"]["checked"] == first["repeat"]["checked"] + 2
