"""Auto-replies after the AI step: the rule that acts, the never-automatic list, sending through the normal
reply path (author, rule, events, outbox, stats), idempotency, caps and both switches."""

from __future__ import annotations

import pytest
from django.utils import timezone

from agentiq.models import RuntimeSetting
from autoreplies.models import AutoReply, AutoReplyCounter
from autoreplies.services import auto_reply_run
from interactions.models import Interaction, InteractionEvent, Message, ResponseCycle
from interactions.selectors import stats_for
from interactions.services import set_draft
from interactions.services.replies import SEND_REPLY_TASK
from tests.factories import (
    AutoReplyRuleFactory,
    InteractionFactory,
    InteractionLinkFactory,
    ReplyTemplateFactory,
)

pytestmark = pytest.mark.django_db
Event = InteractionEvent.Kind


def run(*interactions):
    return auto_reply_run(interaction_ids=[i.pk for i in interactions])


def skipped_codes(interaction) -> set[str]:
    event = InteractionEvent.objects.filter(interaction=interaction, kind=Event.AUTO_REPLY_SKIPPED).latest("id")
    return {reason["code"] for reason in event.data["reasons"]}


def set_runtime(key, value):
    RuntimeSetting.objects.update_or_create(key=key, defaults={"value": value})


# --- sending ------------------------------------------------------------------------------------------------


def test_a_5_star_review_is_answered_with_the_ai_draft_through_the_outbox(
    arrive, rule, django_capture_on_commit_callbacks
):
    [review] = arrive({"text": "Отличное платье, спасибо!", "name": "Мария"})
    draft = review.draft_text
    with django_capture_on_commit_callbacks() as callbacks:
        outcome = run(review)
    assert (outcome.sent, outcome.skipped) == (1, 0)

    reply = Message.objects.get(interaction=review, direction="out")
    assert (reply.author, reply.author_user, reply.text, reply.delivery_state) == ("auto_reply", None, draft, "pending")
    assert reply.guardrail["status"] == "ok"
    item = AutoReply.objects.get(interaction=review)
    assert (item.state, item.rule, item.message) == ("sent", rule, reply)

    events = {e.kind: e.data for e in InteractionEvent.objects.filter(interaction=review)}
    assert events[Event.REPLY_QUEUED] == {
        "auto_reply_rule": rule.pk,
        "auto_reply_id": item.pk,
        "message_id": reply.pk,
        "author": "auto_reply",
    }
    assert events[Event.AUTO_REPLIED]["rule_id"] == rule.pk and events[Event.AUTO_REPLIED]["message_id"] == reply.pk
    # Delivery is the normal outbox's: the task is queued on commit, like a typed reply's.
    assert len(callbacks) == 1

    review.refresh_from_db()
    assert (review.needs_response, review.draft_text, review.is_read) == (False, "", False)
    cycle = ResponseCycle.objects.get(interaction=review)
    assert cycle.is_auto_reply and cycle.responder is None
    assert AutoReplyCounter.objects.get(scope="shop").count == 1
    assert AutoReplyCounter.objects.get(scope=f"rule:{rule.pk}").count == 1


def test_delivery_task_is_the_outbox_one(arrive, rule, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    from agentiq.celery import app

    monkeypatch.setattr(app, "send_task", lambda name, args=None, **kw: sent.append((name, args)))
    [review] = arrive({"text": "Отличное платье, спасибо!"})
    with django_capture_on_commit_callbacks(execute=True):
        run(review)
    reply = Message.objects.get(interaction=review, direction="out")
    assert (SEND_REPLY_TASK, [reply.pk]) in sent


def test_the_ai_step_queues_the_auto_replies_on_commit(arrive, rule, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    from agentiq.celery import app

    monkeypatch.setattr(app, "send_task", lambda name, args=None, **kw: sent.append((name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        [review] = arrive({"text": "Отличное платье, спасибо!"})
    assert ("autoreplies.tasks.auto_reply_interactions", [[review.pk]]) in sent


def test_auto_replies_count_apart_in_the_stats(arrive, rule, seller):
    [auto] = arrive({"text": "Отличное платье, спасибо!"})
    run(auto)
    today = timezone.localdate()
    report = stats_for(seller=seller, date_from=today, date_to=today)["sla_report"]
    assert report["auto_replies"]["responded"]["waits"] == 1
    assert report["team"]["responded"]["waits"] == 0


def test_a_template_rule_fills_in_the_buyer_and_the_product(arrive, shop, seller):
    template = ReplyTemplateFactory(
        seller=seller, text="Здравствуйте, {buyer_name}! Спасибо за отзыв о товаре «{product_name}», ждём вас снова."
    )
    AutoReplyRuleFactory(seller=seller, source="template", template=template)
    [named, anonymous] = arrive(
        {"text": "Супер, спасибо", "name": "Ольга", "product_name": "Кружка"},
        {"text": "", "name": "", "product_name": "Чашка"},
    )
    assert run(named, anonymous).sent == 2
    texts = dict(Message.objects.filter(direction="out").values_list("interaction_id", "text"))
    assert texts[named.pk] == "Здравствуйте, Ольга! Спасибо за отзыв о товаре «Кружка», ждём вас снова."
    assert texts[anonymous.pk] == "Здравствуйте! Спасибо за отзыв о товаре «Чашка», ждём вас снова."


def test_a_template_without_the_product_name_is_not_sent(arrive, shop, seller):
    template = ReplyTemplateFactory(seller=seller, text="Спасибо за отзыв о товаре «{product_name}»! Ждём вас снова.")
    AutoReplyRuleFactory(seller=seller, source="template", template=template)
    [review] = arrive({"text": "Класс", "product_name": ""})
    assert run(review).sent == 0
    assert "template_unrenderable" in skipped_codes(review)


def test_a_queue_rule_puts_the_draft_into_the_approval_queue(arrive, shop, seller):
    rule = AutoReplyRuleFactory(seller=seller, action="queue")
    [review] = arrive({"text": "Отличное платье, спасибо!"})
    assert run(review).queued == 1
    item = AutoReply.objects.get(interaction=review)
    assert (item.state, item.text, item.rule) == ("waiting", review.draft_text, rule)
    assert not Message.objects.filter(direction="out").exists()
    assert InteractionEvent.objects.filter(interaction=review, kind=Event.AUTO_REPLY_QUEUED).exists()


# --- which rule -------------------------------------------------------------------------------------------


def test_the_most_specific_rule_acts(arrive, shop, seller):
    AutoReplyRuleFactory(seller=seller, name="все отзывы", kind="review", rating_min=None, rating_max=None)
    AutoReplyRuleFactory(seller=seller, name="4–5", action="queue")
    narrow = AutoReplyRuleFactory(seller=seller, name="5 с текстом", rating_min=5, has_text=True, action="queue")
    product = AutoReplyRuleFactory(seller=seller, name="товар", product_id="777", rating_min=None, rating_max=None)
    [with_text, no_text, about_product] = arrive(
        {"text": "Отлично, спасибо"}, {"text": ""}, {"text": "Прекрасно", "product_id": "777"}
    )
    run(with_text, no_text, about_product)
    assert AutoReply.objects.get(interaction=with_text).rule == narrow
    assert AutoReply.objects.get(interaction=no_text).rule.name == "4–5"
    assert AutoReply.objects.get(interaction=about_product).rule == product


def test_rules_that_do_not_match_or_are_off_do_nothing(arrive, shop, seller):
    AutoReplyRuleFactory(seller=seller, kind="question", rating_min=None, rating_max=None)
    AutoReplyRuleFactory(seller=seller, is_enabled=False)
    AutoReplyRuleFactory(seller=seller, intents=["product_question"])
    [review] = arrive({"text": "Отличное платье, спасибо!"})
    assert run(review).sent == 0
    assert not InteractionEvent.objects.filter(kind__startswith="auto_reply").exists()


def test_rules_are_off_by_default(arrive, seller):
    AutoReplyRuleFactory(seller=seller)  # a rule, but the shop never switched auto-replies on
    [review] = arrive({"text": "Отличное платье, спасибо!"})
    assert run(review).sent == 0 and not AutoReply.objects.exists()


# --- never automatic --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"text": "Так себе, ткань тонкая", "rating": 3}, "negative_review"),
        ({"text": "Платье красивое, но у меня аллергия на эту ткань, сыпь пошла", "rating": 5}, "health"),
        ({"text": "Отличная подделка, спасибо, совсем не оригинал", "rating": 5}, "counterfeit"),
        ({"text": "Спасибо, но я подам в суд если такое повторится", "rating": 5}, "threat_insult"),
        ({"text": "Спасибо, вы идиоты, но платье норм", "rating": 5}, "threat_insult"),
        ({"text": "Спасибо! Мой телефон +7 912 345-67-89, позвоните", "rating": 5}, "personal_data"),
    ],
)
def test_never_automatic_for_what_the_buyer_wrote(arrive, shop, seller, item, reason):
    AutoReplyRuleFactory(seller=seller, rating_min=None, rating_max=None)  # «every review»: the list still stops it
    [review] = arrive(item)
    assert run(review).sent == 0
    assert reason in skipped_codes(review)
    assert not Message.objects.filter(direction="out").exists() and not AutoReply.objects.exists()


def test_never_automatic_when_the_product_has_a_batch_of_complaints(arrive, rule, connection):
    for _ in range(11):
        InteractionFactory(connection=connection, product_id="555", marketplace="wb", intent="defect_quality")
    [review] = arrive({"text": "Отличное платье, спасибо!", "product_id": "555"})
    assert run(review).sent == 0
    assert "product_complaints" in skipped_codes(review)
    RuntimeSetting.objects.update_or_create(key="auto_reply_batch_complaints", defaults={"value": 20})
    [other] = arrive({"text": "Отличное платье, спасибо!", "product_id": "555", "name": "Зинаида"})
    assert run(other).sent == 1


def test_ten_complaints_are_not_a_batch(arrive, rule, connection):
    for _ in range(10):
        InteractionFactory(connection=connection, product_id="556", marketplace="wb", kind="review", rating=1)
    [review] = arrive({"text": "Отличное платье, спасибо!", "product_id": "556"})
    assert run(review).sent == 1


def test_never_automatic_on_a_guardrail_violation_of_the_reply(arrive, rule):
    [blocked, warned] = arrive({"text": "Отличное платье, спасибо!"}, {"text": "Хорошее платье, спасибо"})
    Interaction.objects.filter(pk=blocked.pk).update(draft_text="Спасибо! Пишите нам в телеграм, ответим быстрее.")
    # Blaming the buyer only warns in a chat; in a public answer the same words block: both are never sent alone.
    Interaction.objects.filter(pk=warned.pk).update(draft_text="Спасибо за отзыв! Вы неправильно постирали платье.")
    run(blocked, warned)
    assert "guardrail_block" in skipped_codes(blocked)
    assert "guardrail_block" in skipped_codes(warned) or "guardrail_warn" in skipped_codes(warned)
    assert not Message.objects.filter(direction="out").exists()


def test_never_automatic_on_a_guardrail_warning(arrive, shop, seller, connection):
    from guardrails.models import GuardrailCategory

    GuardrailCategory.objects.filter(code="outside_contacts").update(public_verdict="warn")
    AutoReplyRuleFactory(seller=seller)
    [review] = arrive({"text": "Отличное платье, спасибо!"})
    Interaction.objects.filter(pk=review.pk).update(draft_text="Спасибо за отзыв! Заходите на наш сайт, там новинки.")
    run(review)
    assert "guardrail_warn" in skipped_codes(review)


def test_never_automatic_on_a_repeat_of_a_recent_answer(arrive, rule):
    [first] = arrive({"text": "Отличное платье, спасибо!"})
    run(first)
    Message.objects.filter(interaction=first, direction="out").update(delivery_state="sent", sent_at=timezone.now())
    [second] = arrive({"text": "Прекрасное платье, благодарю"})
    sent_text = Message.objects.get(interaction=first, direction="out").text
    Interaction.objects.filter(pk=second.pk).update(draft_text=sent_text)
    run(second)
    assert "repeat" in skipped_codes(second)


def test_never_automatic_with_a_weak_link(arrive, rule):
    # The same product and name within days: a suggestion, not a strong link.
    [_earlier, review] = arrive(
        {"text": "Платье пришло мятое, недовольна", "rating": 5, "product_id": "900", "name": "Светлана"},
        {"text": "Отличное платье, спасибо!", "product_id": "900", "name": "Светлана"},
    )
    AutoReply.objects.all().delete()
    InteractionEvent.objects.filter(kind__startswith="auto_reply").delete()
    run(review)
    assert "weak_link" in skipped_codes(review)


def test_a_confirmed_link_is_strong_and_does_not_stop_it(arrive, rule):
    [earlier, review] = arrive(
        {"text": "Хорошее платье, спасибо", "product_id": "901", "name": "Светлана"},
        {"text": "Отличное платье, спасибо!", "product_id": "901", "name": "Светлана"},
        analyze=False,
    )
    InteractionLinkFactory(a=earlier, b=review, seller=review.seller)
    from ai.services import process_interactions

    process_interactions([review.pk])
    review.refresh_from_db()
    assert run(review).sent == 1


def test_never_automatic_on_low_confidence(arrive, rule):
    [review] = arrive({"text": "Отличное платье, спасибо!"})
    Interaction.objects.filter(pk=review.pk).update(ai_confidence=0.5)
    run(review)
    assert "low_confidence" in skipped_codes(review)
    set_runtime("auto_reply_min_confidence", 0.4)
    AutoReply.objects.all().delete()
    assert run(review).sent == 1


def test_never_automatic_on_the_sellers_own_draft(arrive, rule, owner):
    [review] = arrive({"text": "Отличное платье, спасибо!"})
    set_draft(interaction=review, text="Спасибо большое за отзыв, рады стараться для вас!", actor=owner)
    run(review)
    assert "seller_draft" in skipped_codes(review)


def test_every_reason_is_recorded_together(arrive, shop, seller):
    AutoReplyRuleFactory(seller=seller, rating_min=None, rating_max=None)
    [review] = arrive({"text": "Ужас, аллергия, подделка, позвоните 89123456789", "rating": 2})
    run(review)
    assert {"negative_review", "health", "counterfeit", "personal_data"} <= skipped_codes(review)


# --- once, caps, switches ---------------------------------------------------------------------------------


def test_an_interaction_is_never_auto_answered_twice(arrive, rule):
    [review] = arrive({"text": "Отличное платье, спасибо!"})
    assert run(review).sent == 1
    # The buyer edits the review: a new analysis and a new draft; still no second auto-reply.
    Interaction.objects.filter(pk=review.pk).update(needs_response=True, status="open")
    assert run(review).sent == 0
    assert Message.objects.filter(interaction=review, direction="out").count() == 1


def test_the_rule_cap_holds_and_the_day_counts_each_rule(arrive, shop, seller):
    rule = AutoReplyRuleFactory(seller=seller, daily_cap=2)
    reviews = arrive(*({"text": f"Отличное платье {n}, спасибо!"} for n in range(3)))
    outcome = run(*reviews)
    assert (outcome.sent, outcome.skipped) == (2, 1)
    assert "rule_cap" in skipped_codes(reviews[2])
    assert AutoReplyCounter.objects.get(scope=f"rule:{rule.pk}").count == 2
    # The refused send left nothing behind: no message, no claim, the shop's count given back.
    assert AutoReplyCounter.objects.get(scope="shop").count == 2
    assert not AutoReply.objects.filter(interaction=reviews[2]).exists()
    assert Interaction.objects.get(pk=reviews[2].pk).needs_response


def test_the_shop_cap_holds_across_rules(arrive, shop, seller):
    shop.daily_cap = 1
    shop.save()
    AutoReplyRuleFactory(seller=seller, rating_min=5)
    AutoReplyRuleFactory(seller=seller, rating_min=4, rating_max=4)
    five, four = arrive({"text": "Отлично, спасибо!"}, {"text": "Хорошо, спасибо", "rating": 4})
    assert run(five, four).sent == 1
    assert "shop_cap" in skipped_codes(four)


def test_the_shops_switch_stops_everything(arrive, shop, rule):
    shop.enabled = False
    shop.save()
    [review] = arrive({"text": "Отличное платье, спасибо!"})
    assert run(review).sent == 0 and not AutoReply.objects.exists()


def test_the_global_switch_stops_every_shop(arrive, rule):
    set_runtime("auto_replies_enabled", False)
    [review] = arrive({"text": "Отличное платье, спасибо!"})
    assert run(review).sent == 0
    assert skipped_codes(review) == {"global_off"}
    set_runtime("auto_replies_enabled", True)
    assert run(review).sent == 1


def test_another_shops_rules_never_act(arrive, shop):
    AutoReplyRuleFactory()  # another shop's, with its own switch on
    [review] = arrive({"text": "Отличное платье, спасибо!"})
    assert run(review).sent == 0
