"""`analyze_offline` on hand-picked cases: the priority tiers, sentiment from the stars, reply, summary."""

from __future__ import annotations

import pytest

from ai.offline.analyzer import OfflineItem, analyze_offline, analyze_offline_many
from ai.offline.labels import INTENTS, PRIORITIES
from ai.offline.text import extract, normalize


def test_a_legal_threat_is_urgent():
    result = analyze_offline(
        kind="chat", rating=None, text="Если не решите вопрос, подаю в суд и пишу в Роспотребнадзор"
    )
    assert result.priority == "urgent"
    assert result.sentiment == "negative"
    assert "угроза суда" in result.summary


def test_health_harm_is_urgent_even_in_a_question():
    result = analyze_offline(kind="question", rating=None, text="у дочки от этого крема аллергия, сыпь по всему лицу")
    assert result.priority == "urgent"
    assert result.intent == "defect_quality"


def test_a_one_star_review_is_negative_and_urgent():
    result = analyze_offline(kind="review", rating=1, text="порвалась по шву на второй день")
    assert (result.intent, result.sentiment, result.priority) == ("defect_quality", "negative", "urgent")
    assert result.summary.startswith("Отзыв 1★: брак — ")


def test_an_ironic_one_star_review_is_not_positive():
    result = analyze_offline(kind="review", rating=1, text="ну спасибо, прислали пустую коробку 👍")
    assert result.sentiment == "negative"
    assert result.priority == "urgent"


def test_a_five_star_review_without_text_is_positive_low_and_still_answered():
    result = analyze_offline(kind="review", rating=5, text="")
    assert (result.intent, result.sentiment, result.priority) == ("gratitude", "positive", "low")
    assert result.needs_reply is True
    assert result.summary == "Отзыв 5★: без текста"


def test_a_pre_purchase_question_is_a_product_question_of_high_priority():
    result = analyze_offline(kind="question", rating=None, text="Подскажите, какой состав ткани? Хлопок есть?")
    assert (result.intent, result.priority) == ("product_question", "high")


def test_a_wrong_item_is_an_urgent_complaint():
    result = analyze_offline(
        kind="chat", rating=None, text="Мне прислали не тот товар, заказывала синий свитер, пришёл серый"
    )
    assert (result.intent, result.priority) == ("complaint", "urgent")
    assert "не тот товар" in result.summary


def test_a_missing_item_is_an_urgent_complaint():
    result = analyze_offline(kind="chat", rating=None, text="в наборе не хватает двух тарелок")
    assert (result.intent, result.priority) == ("complaint", "urgent")


@pytest.mark.parametrize(
    ("kind", "rating", "text", "priority"),
    [
        ("review", 3, "нормально, но ткань тонковата", "high"),
        ("review", 4, "хорошая, но маломерит", "low"),
        ("chat", None, "где мой заказ? неделю жду", "high"),
        ("chat", None, "как оформить возврат?", "high"),
        ("chat", None, "купила у вас часы, как настроить будильник?", "normal"),
        ("chat", None, "спасибо, всё получила!", "low"),
    ],
)
def test_priority_tiers(kind, rating, text, priority):
    assert analyze_offline(kind=kind, rating=rating, text=text).priority == priority


def test_spam_and_noise_need_no_reply():
    spam = analyze_offline(kind="chat", rating=None, text="Заработок от 5000 в день, пиши в телеграм @money_fast")
    assert (spam.intent, spam.needs_reply, spam.priority) == ("other", False, "low")
    assert "спам" in spam.summary
    for text in ("...", "ок", ""):
        assert analyze_offline(kind="chat", rating=None, text=text).needs_reply is False, text
    assert analyze_offline(kind="chat", rating=None, text="?? ??").summary == "Чат: прочее"


def test_a_greeting_that_opens_a_chat_is_answered():
    result = analyze_offline(kind="chat", rating=None, text="Здравствуйте, можно вопрос?")
    assert result.intent == "other"
    assert result.needs_reply is True


def test_stars_lead_the_sentiment():
    assert analyze_offline(kind="review", rating=4, text="норм, но доставка долгая").sentiment == "positive"
    assert analyze_offline(kind="review", rating=2, text="").sentiment == "negative"
    assert analyze_offline(kind="review", rating=3, text="").sentiment == "neutral"


def test_summary_is_one_cleaned_line_of_at_most_120_characters():
    text = "Здравствуйте!!! " + "ОЧЕНЬ ДОЛГО ВЕЗЛИ посылку, курьер опоздал 😡😡 " * 10 + "\nпишите vasya@mail.ru"
    result = analyze_offline(kind="review", rating=2, text=text)
    assert len(result.summary) <= 120
    assert "\n" not in result.summary
    assert "😡" not in result.summary
    assert "Здравствуйте" not in result.summary
    assert result.summary.startswith("Отзыв 2★: доставка — Очень долго везли")
    assert result.summary.endswith("…")


def test_every_field_is_in_range_and_batch_equals_single():
    items = [
        OfflineItem("review", 5, "СУПЕР!!! 🔥🔥"),
        OfflineItem("question", None, "а на 46 размер подойдёт?"),
        OfflineItem("chat", None, "курьер не приехал"),
        OfflineItem("review", None, "без оценки"),
    ]
    batch = analyze_offline_many(items)
    for item, result in zip(items, batch, strict=True):
        assert result == analyze_offline(kind=item.kind, rating=item.rating, text=item.text)
        assert result.intent in INTENTS
        assert result.priority in PRIORITIES
        assert 0.0 <= result.confidence <= 1.0
    assert analyze_offline_many([]) == []


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="kind"):
        analyze_offline(kind="email", rating=None, text="x")
    with pytest.raises(ValueError, match="rating"):
        analyze_offline(kind="review", rating=7, text="x")


def test_normalization():
    assert normalize("ОЧЕНЬ ДОВОЛЬНА, ЁЛКА СУПЕР") == "очень довольна, елка супер _caps_"
    assert normalize("пpишлo") == "пришло"  # Latin p and o folded
    assert normalize("iphone xl") == "iphone xl"  # Latin words stay
    assert normalize("оооочень класссно!!!") == "очень класно _excl_"
    assert normalize("супер 😍 плохо 😡 ок))") == "супер _emopos_ плохо _emoneg_ ок _emopos_"
    assert normalize("пишите на www.example.ru") == "пишите на _url_"


def test_features_share_a_stem_across_word_forms():
    a = extract(kind="chat", rating=None, text="доставка")
    b = extract(kind="chat", rating=None, text="доставку")
    assert set(a.words) == set(b.words) == {"w:доставк"}
    assert "m:kind=chat" in a.meta
    assert "m:stars=4" in extract(kind="review", rating=4, text="").meta


@pytest.mark.parametrize(
    "text",
    [
        "Претензий к продавцу нет, всё отлично",
        "Расчёска хорошо чешет, волосы не путаются",
        "судя по всему, качество норм",
    ],
)
def test_praise_that_looks_like_a_threat_or_harm_is_not_urgent(text):
    result = analyze_offline(kind="review", rating=5, text=text)
    assert result.priority == "low"
    assert "угроза" not in result.summary and "вред" not in result.summary
