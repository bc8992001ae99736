"""The check as the API and staff see it: its verdict's shape, the conditions per channel, and lists that staff
edit taking effect at once (the compiled lists are cached)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from guardrails import rules
from guardrails.models import GuardrailCategory, GuardrailPattern
from guardrails.services import check_reply
from tests.factories import GuardrailCategoryFactory, GuardrailPatternFactory

pytestmark = pytest.mark.django_db

GOOD = "Спасибо за отзыв! Рады, что размер подошёл."


def test_verdict_as_the_api_returns_it():
    verdict = check_reply("Здравствуйте! Вам ответил бот, пишите в телеграм.", kind="review")

    assert verdict.as_dict() == {
        "status": "block",
        "violations": [
            {
                "category": "ai_mention",
                "name": "Упоминание ИИ",
                "verdict": "block",
                "fragment": "бот",
                "start": 26,
                "end": 29,
                "explanation": GuardrailCategory.objects.get(code="ai_mention").explanation,
            },
            {
                "category": "outside_contacts",
                "name": "Контакты вне маркетплейса",
                "verdict": "block",
                "fragment": "телеграм",
                "start": 40,
                "end": 48,
                "explanation": GuardrailCategory.objects.get(code="outside_contacts").explanation,
            },
        ],
    }
    assert check_reply(GOOD, kind="review").as_dict() == {"status": "ok", "violations": []}


def test_a_block_outranks_a_warning_and_comes_first():
    verdict = check_reply("Вы неправильно выбрали размер, напишите в вотсап.", kind="chat")

    assert verdict.status == "block"
    assert [(v.category, v.verdict) for v in verdict.violations] == [
        ("outside_contacts", "block"),
        ("blame", "warn"),
    ]


def test_fragment_is_the_original_text_behind_look_alikes_and_zero_width_characters():
    text = "Спасибо! Ответ подготовила НЕЙ\u200bPOCETЬ магазина."

    [violation] = check_reply(text, kind="review").violations

    assert violation.fragment == "НЕЙ\u200bPOCETЬ"
    assert text[violation.start : violation.end] == violation.fragment


@pytest.mark.parametrize(
    ("kind", "intent", "buyer_text", "status"),
    [
        ("review", None, "", "block"),  # public: never
        ("review", "return_refund", "", "block"),  # the intent lifts it in chats only
        ("review", None, "Как вернуть, если не подойдёт?", "ok"),  # the buyer asked
        ("chat", None, "Где заказ?", "block"),
        ("chat", "size_fit", "Маломерит", "ok"),
        ("chat", "defect_quality", "Порвался шов", "ok"),
        ("chat", "delivery", "Где заказ?", "block"),
    ],
)
def test_return_talk_depends_on_channel_intent_and_the_buyer(kind, intent, buyer_text, status):
    text = "Оформить возврат можно в личном кабинете маркетплейса."

    assert check_reply(text, kind=kind, intent=intent, buyer_text=buyer_text).status == status


def test_a_promise_is_allowed_in_a_chat_only_when_the_buyer_asked():
    text = "Мы вернём вам деньги, как только получим товар."
    asked = "Верните деньги, пожалуйста"

    assert check_reply(text, kind="chat", buyer_text=asked).status == "ok"
    assert check_reply(text, kind="chat", buyer_text="Когда привезут?").status == "block"
    assert {v.category for v in check_reply(text, kind="review", buyer_text=asked).violations} == {"promise"}


def test_length_limits():
    short = check_reply("Спасибо!", kind="chat")
    long = check_reply("Здравствуйте! " + "а" * 1200, kind="chat", max_chars=1000)

    assert (short.status, short.violations[0].category) == ("warn", "too_short")
    assert "8 из 20" in short.violations[0].explanation
    assert (long.status, long.violations[0].category) == ("block", "too_long")
    assert "максимум 1000" in long.violations[0].explanation
    assert check_reply("Здравствуйте! " + "а" * 1200, kind="chat").status == "ok"  # no limit given


def test_a_pattern_staff_add_applies_to_the_next_check():
    text = "Спасибо! Заберите подарок в нашем шоуруме."
    assert check_reply(text, kind="review").status == "ok"

    pattern = GuardrailPattern.objects.create(
        category=GuardrailCategory.objects.get(code="outside_contacts"), pattern="шоурум"
    )
    assert check_reply(text, kind="review").violations[0].fragment == "шоуруме"

    pattern.is_active = False
    pattern.save()
    assert check_reply(text, kind="review").status == "ok"


def test_a_verdict_staff_change_applies_to_the_next_check():
    text = "Обратитесь в поддержку, там помогут с заказом."
    assert check_reply(text, kind="chat").status == "ok"

    category = GuardrailCategory.objects.get(code="brush_off")
    category.private_verdict = "warn"
    category.save()

    assert check_reply(text, kind="chat").status == "warn"
    category.delete()
    assert check_reply(text, kind="review").status == "ok"


def test_a_category_staff_add_with_its_own_patterns():
    category = GuardrailCategoryFactory(code="competitors", name="Конкуренты", public_verdict="warn")
    GuardrailPatternFactory(category=category, pattern="=озон|=ozon =дешевле")

    verdict = check_reply("Спасибо! На Ozon дешевле не найдёте, мы проверяли.", kind="review")

    assert [(v.category, v.verdict, v.fragment) for v in verdict.violations] == [
        ("competitors", "warn", "Ozon дешевле")
    ]


def test_other_processes_recompile_when_the_shared_version_moves(monkeypatch):
    check_reply(GOOD, kind="review")
    compiled = rules.current_rules()
    assert rules.current_rules() is compiled  # cached

    # Another process saved a pattern: the shared version moved; this one notices on its next look.
    GuardrailPattern.objects.filter(category__code="ai_mention", pattern="=ии").update(pattern="=ии|=ия")
    cache.set(rules.VERSION_KEY, "changed-elsewhere", timeout=None)
    assert rules.current_rules() is compiled  # within LOCAL_CHECK_SECONDS nothing is read
    monkeypatch.setattr(rules, "LOCAL_CHECK_SECONDS", 0.0)

    assert rules.current_rules() is not compiled
    assert check_reply("Спасибо! Отвечает ИЯ магазина, рады помочь.", kind="review").status == "block"


@pytest.mark.parametrize(
    ("kind", "pattern", "problem"),
    [
        ("words", "", "пустой"),
        ("words", "бо", "короче трёх"),
        ("words", "чат-бот", "буквы и цифры"),
        ("regex", "([a-z]", "не разбирается"),
        ("regex", "a*", "пустой строкой"),
    ],
)
def test_a_pattern_that_cannot_work_is_refused(kind, pattern, problem):
    row = GuardrailPattern(category=GuardrailCategory.objects.get(code="ai_mention"), kind=kind, pattern=pattern)

    with pytest.raises(ValidationError) as error:
        row.full_clean()

    assert problem in " ".join(error.value.message_dict["pattern"])


def test_a_broken_pattern_written_around_the_admin_does_not_break_the_check():
    GuardrailPattern.objects.create(
        category=GuardrailCategory.objects.get(code="ai_mention"), kind="regex", pattern="([a-z]"
    )

    assert check_reply("Спасибо! Вам ответил бот.", kind="review").status == "block"


def test_a_check_costs_well_under_a_millisecond():
    texts = [
        GOOD,
        "Здравствуйте! Оформить возврат можно в личном кабинете, решение принимает маркетплейс.",
        "Пишите нам в т е л е г р а м или звоните +7 999 123-45-67, всё решим.",
        "Спасибо за отзыв! " * 15,
    ]
    check_reply(GOOD, kind="review")  # compile
    started = time.perf_counter()
    for i in range(2000):
        check_reply(texts[i % len(texts)], kind="review", buyer_text="Хочу вернуть", max_chars=5000)
    per_check_ms = (time.perf_counter() - started) / 2000 * 1000

    assert per_check_ms < 1.0  # about 0.05 ms on a quiet box; generous for a shared CI machine
