"""llm_analyze and llm_draft end to end against the fake API: prompts, schema checks, one repair, the books."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from agentiq.models import RuntimeSetting
from ai.llm.errors import LLMDisabled, LLMInvalid, LLMUnavailable
from ai.llm.prompts import PROMPT_VERSION
from ai.llm.service import LLMAnalysis, LLMDraft, llm_analyze, llm_draft
from ai.models import LLMCall
from tests.ai import llm_answers
from tests.ai.fake_llm import answer, error

pytestmark = pytest.mark.django_db

REVIEW = "Куртка порвалась по шву после первой носки. Звоните 8 912 345-67-89, ivan@mail.ru"
PRODUCT = {"name": "Куртка «Северный ветер»", "composition": "полиэстер 100%", "sizes": ["44", "46", "48"]}


def analyze(seller_id, **overrides):
    arguments = {"seller_id": seller_id, "kind": "review", "rating": 2, "text": REVIEW, "product": PRODUCT}
    return llm_analyze(**(arguments | overrides))


def draft(seller_id, **overrides):
    arguments = {
        "seller_id": seller_id,
        "kind": "review",
        "rating": 2,
        "text": REVIEW,
        "product": PRODUCT,
        "history": ["Неделю назад спрашивала о размере 46"],
        "tone": "тёплый, без канцелярита",
        "signature": "Команда «Северный ветер»",
        "address_form": "formal",
        "max_chars": 500,
        "instruction": None,
    }
    return llm_draft(**(arguments | overrides))


def test_analysis_returns_the_validated_answer_and_books_the_call(fake_llm, seller):
    fake_llm.script(answer(llm_answers.analysis(), prompt_tokens=1000, completion_tokens=100))

    result = analyze(seller.pk)

    assert result == LLMAnalysis(
        intent="defect_quality",
        sentiment="negative",
        priority="urgent",
        summary="Покупатель жалуется: куртка порвалась по шву после первой носки",
        needs_reply=True,
        confidence=0.86,
        model="deepseek-chat",
        prompt_version=PROMPT_VERSION,
    )
    call = LLMCall.objects.get()
    assert (call.seller_id, call.purpose, call.model, call.error, call.cache_hit) == (
        seller.pk,
        "analysis",
        "deepseek-chat",
        "",
        False,
    )
    assert (call.prompt_tokens, call.completion_tokens, call.attempts) == (1000, 100, 1)
    assert call.cost_usd == Decimal("0.00038000")  # 1000 × 0.27 + 100 × 1.10 per million
    assert call.prompt_version == PROMPT_VERSION
    assert call.latency_ms >= 0


def test_the_prompt_carries_masked_text_and_product_facts(fake_llm, seller):
    fake_llm.script(answer(llm_answers.analysis()))

    analyze(seller.pk)

    sent = fake_llm.requests[0].text()
    assert "8 912 345-67-89" not in sent and "ivan@mail.ru" not in sent
    assert "[телефон]" in sent and "[email]" in sent
    assert "полиэстер 100%" in sent and "Куртка «Северный ветер»" in sent
    assert fake_llm.requests[0].body["response_format"] == {"type": "json_object"}


def test_malformed_json_then_a_good_repair(fake_llm, seller):
    fake_llm.script(answer('{"intent": "defect_quality", '), answer(llm_answers.analysis()))

    result = analyze(seller.pk)

    assert result.intent == "defect_quality"
    first, repair = fake_llm.requests
    assert repair.messages[: len(first.messages)] == first.messages
    assert repair.messages[-2] == {"role": "assistant", "content": '{"intent": "defect_quality",'}
    assert "не является корректным JSON" in repair.messages[-1]["content"]
    assert list(LLMCall.objects.order_by("id").values_list("purpose", "error")) == [
        ("analysis", "invalid_json"),
        ("repair", ""),
    ]


def test_malformed_twice_is_llm_invalid(fake_llm, seller):
    fake_llm.script(answer("не JSON"), answer("всё ещё не JSON"))

    with pytest.raises(LLMInvalid) as caught:
        analyze(seller.pk)

    assert caught.value.code == "invalid_after_repair"
    assert caught.value.problems == ["ответ не является корректным JSON"]
    assert len(fake_llm.requests) == 2  # one repair only
    assert list(LLMCall.objects.order_by("id").values_list("purpose", "error")) == [
        ("analysis", "invalid_json"),
        ("repair", "invalid_json"),
    ]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"intent": "refund"}, "поле «intent»: допустимо только одно из"),
        ({"sentiment": "angry"}, "поле «sentiment»"),
        ({"priority": "critical"}, "поле «priority»"),
        ({"confidence": 1.5}, "поле «confidence»: число от 0 до 1"),
        ({"confidence": "0.9"}, "поле «confidence»: нужен тип number"),
        ({"needs_reply": "yes"}, "поле «needs_reply»: нужен тип boolean"),
        ({"summary": "С" * 161}, "поле «summary»: длиннее 160 символов"),
        ({"summary": "первая строка\nвторая"}, "одна строка"),
        ({"summary": "Buyer is angry"}, "на русском"),
        ({"summary": ""}, "поле «summary»: короче 1 символов"),
        ({"extra": "поле"}, "лишние поля: extra"),
    ],
)
def test_answers_that_stray_from_the_schema_are_repaired_once(fake_llm, seller, overrides, problem):
    fake_llm.script(answer(llm_answers.analysis(**overrides)), answer(llm_answers.analysis()))

    assert analyze(seller.pk).intent == "defect_quality"

    assert problem in fake_llm.requests[1].messages[-1]["content"]
    assert LLMCall.objects.order_by("id").first().error == "schema"


def test_a_missing_field_is_named(fake_llm, seller):
    incomplete = llm_answers.analysis()
    del incomplete["priority"], incomplete["summary"]
    fake_llm.script(answer(incomplete), answer(incomplete))

    with pytest.raises(LLMInvalid) as caught:
        analyze(seller.pk)

    assert caught.value.problems == ["нет обязательных полей: priority, summary"]


def test_a_markdown_wrapped_answer_is_taken(fake_llm, seller):
    fake_llm.script(answer("```json\n" + json.dumps(llm_answers.analysis(), ensure_ascii=False) + "\n```"))

    assert analyze(seller.pk).priority == "urgent"
    assert len(fake_llm.requests) == 1


def test_an_answer_cut_at_the_token_limit_is_repaired(fake_llm, seller):
    fake_llm.script(answer('{"intent": "deli', finish_reason="length"), answer(llm_answers.analysis()))

    analyze(seller.pk)

    assert "оборвался" in fake_llm.requests[1].messages[-1]["content"]


def test_an_unavailable_api_books_the_failure_and_raises(fake_llm, seller, settings):
    settings.AI_MAX_ATTEMPTS = 2
    fake_llm.always(error(503))

    with pytest.raises(LLMUnavailable):
        analyze(seller.pk)

    call = LLMCall.objects.get()
    assert (call.error, call.attempts, call.cost_usd, call.prompt_tokens) == ("server_error", 2, 0, 0)


def test_a_refused_key_is_booked_and_not_retried(fake_llm, seller):
    fake_llm.always(error(401))

    with pytest.raises(LLMUnavailable) as caught:
        analyze(seller.pk)

    assert caught.value.code == "auth_failed"
    assert LLMCall.objects.get().error == "auth_failed"
    assert len(fake_llm.requests) == 1


def test_ai_switched_off_calls_nothing(fake_llm, seller):
    row = RuntimeSetting.objects.get(key="ai_enabled")
    row.value = False
    row.save()

    with pytest.raises(LLMDisabled) as caught:
        analyze(seller.pk)

    assert caught.value.code == "disabled"
    assert fake_llm.requests == []
    assert not LLMCall.objects.exists()


def test_no_api_key_calls_nothing(fake_llm, seller, settings):
    settings.DEEPSEEK_API_KEY = ""

    with pytest.raises(LLMDisabled) as caught:
        analyze(seller.pk)

    assert caught.value.code == "not_configured"
    assert fake_llm.requests == []


def test_a_call_without_a_seller_is_booked_without_one(fake_llm):
    fake_llm.script(answer(llm_answers.analysis(intent="gratitude", sentiment="positive", priority="low")))

    assert analyze(None, rating=5, text="Всё супер, спасибо!").intent == "gratitude"
    assert LLMCall.objects.get().seller_id is None


@pytest.mark.parametrize(
    "overrides",
    [{"kind": "email"}, {"rating": 0}, {"rating": 6}, {"rating": True}, {"rating": "5"}],
)
def test_bad_input_is_a_value_error_before_any_call(fake_llm, seller, overrides):
    with pytest.raises(ValueError):
        analyze(seller.pk, **overrides)
    assert fake_llm.requests == []


def test_a_question_and_a_chat_without_rating(fake_llm, seller):
    fake_llm.script(
        answer(llm_answers.analysis(intent="size_fit", sentiment="neutral", priority="high")),
        answer(llm_answers.analysis(intent="delivery", sentiment="neutral", priority="high")),
    )

    assert analyze(seller.pk, kind="question", rating=None, text="Какой размер на рост 170?").intent == "size_fit"
    assert analyze(seller.pk, kind="chat", rating=None, text="Где мой заказ?", product=None).intent == "delivery"
    assert fake_llm.requests[1].data_block()[1] == {"kind": "chat", "rating": None, "text": "Где мой заказ?"}


# --- drafts ----------------------------------------------------------------------------------------


def test_a_draft_uses_the_facts_history_and_the_sellers_settings(fake_llm, seller):
    fake_llm.script(answer(llm_answers.draft()))

    result = draft(seller.pk, instruction="Предложи размер 48")

    assert isinstance(result, LLMDraft)
    assert result.text.startswith("Здравствуйте!")
    request = fake_llm.requests[0]
    system, user = request.messages
    assert "никогда не упоминай ИИ" in system["content"]
    assert "ссылок, сайтов, e-mail, телефонов" in system["content"]
    for expected in (
        "на «вы»",
        '"тёплый, без канцелярита"',
        '"Команда «Северный ветер»"',
        "предел длины ответа: 500 символов",
        '"Предложи размер 48"',
        "Неделю назад спрашивала о размере 46",
        "полиэстер 100%",
        "отзыв (публичный ответ)",
    ):
        assert expected in user["content"], expected
    assert request.body["max_tokens"] == 600
    call = LLMCall.objects.get()
    assert (call.purpose, call.error) == ("draft", "")


def test_informal_address_and_defaults(fake_llm, seller):
    fake_llm.script(answer(llm_answers.draft()))

    draft(seller.pk, address_form="informal", tone=None, signature="", history=None, kind="chat", rating=None)

    user = fake_llm.requests[0].messages[1]["content"]
    assert "на «ты»" in user and "подпись в конце: нет" in user and "чат (личный)" in user
    assert "earlier_interactions" not in user


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Спасибо!", "короче 20 символов"),
        ("Здравствуйте! " + "Очень жаль. " * 50, "длиннее 120 символов"),
        ("Hello! Thank you for your review, we are sorry.", "на русском"),
        ("Здравствуйте! Напишите нам на shop@mail.ru, решим вопрос.", "контакты"),
        ("Здравствуйте! Звоните 8 800 555 35 35, поможем.", "контакты"),
        ("Здравствуйте! Подробнее на нашем сайте shop.ru, спасибо.", "контакты"),
        ("Здравствуйте! Мы перезвоним на [телефон], спасибо.", "[телефон]"),
    ],
)
def test_a_draft_that_breaks_the_rules_is_repaired_then_refused(fake_llm, seller, text, problem):
    fake_llm.script(answer({"text": text}), answer({"text": text}))

    with pytest.raises(LLMInvalid) as caught:
        draft(seller.pk, max_chars=120)

    assert any(problem in item for item in caught.value.problems), caught.value.problems
    assert problem in fake_llm.requests[1].messages[-1]["content"]


def test_a_draft_repaired_into_shape(fake_llm, seller):
    fake_llm.script(answer({"text": "Звоните 89123456789"}), answer(llm_answers.draft()))

    assert draft(seller.pk).text.startswith("Здравствуйте!")
    assert list(LLMCall.objects.order_by("id").values_list("purpose", "error")) == [("draft", "schema"), ("repair", "")]


@pytest.mark.parametrize(
    "overrides",
    [{"address_form": "вы"}, {"max_chars": 10}, {"max_chars": 6000}, {"max_chars": 300.0}, {"kind": "mail"}],
)
def test_bad_draft_input_is_a_value_error(fake_llm, seller, overrides):
    with pytest.raises(ValueError):
        draft(seller.pk, **overrides)
    assert fake_llm.requests == []
