"""Reply drafts without the LLM: a greeting, empathy when the buyer is unhappy, the answer or the next step
per intent, thanks and the shop's signature (PRODUCT_RULES' structure), assembled from phrase variants.

Every phrase keeps to the reply rules by construction: no promises the marketplace decides, no admission, no
blame, no contacts, no «поддержка» in public answers, and return talk only when the buyer raised it or, in a
chat, the intent is about returns or size (`return_talk_allowed`); the guardrail check still runs on the result, and a
test runs every combination through it. Variants are picked by a seed (the interaction's id), so a shop's
hundred 5★ reviews do not all get the same sentence. `{formal|informal}` pairs follow the shop's form of
address (PRODUCT_RULES: «вы» by default).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

TEMPLATE_VERSION = "offline-drafts:1"
RETURN_WORDS = re.compile(r"возвр|вернуть|вернут|верните|замен|обмен", re.IGNORECASE)
RETURN_INTENTS = frozenset({"return_refund", "size_fit"})
_ALTERNATIVE = re.compile(r"\{([^{}|]*)\|([^{}|]*)\}")
_NAME = re.compile(r"^[А-ЯЁ][а-яё]{1,20}$")


@dataclass(frozen=True)
class DraftFacts:
    kind: str  # review | question | chat
    intent: str
    sentiment: str
    rating: int | None
    buyer_text: str = ""
    buyer_name: str = ""
    product_name: str = ""
    composition: str = ""
    address_form: str = "formal"
    signature: str = ""


def return_talk_allowed(*, kind: str, intent: str, buyer_text: str) -> bool:
    """Return, exchange or replacement may be mentioned: the buyer did, or (in a private chat) the intent is
    about it. PRODUCT_RULES: a public answer never raises it unasked."""
    if RETURN_WORDS.search(buyer_text or ""):
        return True
    return kind == "chat" and intent in RETURN_INTENTS


GREETING = ("Здравствуйте{name}!", "Добрый день{name}!")
GREETING_INFORMAL = ("Привет{name}!", "Здравствуй{name}!")

EMPATHY = (
    "Нам очень жаль, что покупка {вас|тебя} расстроила.",
    "Жаль, что покупка не оправдала {ваших|твоих} ожиданий.",
    "Понимаем {ваше|твоё} огорчение.",
)

POSITIVE = (
    "Спасибо за высокую оценку{of_product}! Рады, что покупка {вам|тебе} понравилась.",
    "Очень приятно читать такой отзыв{about_product}. Рады, что всё подошло!",
    "Благодарим за тёплые слова{about_product}! Нам важно, что покупка {вас|тебя} порадовала.",
    "Спасибо за оценку{of_product}! Приятно знать, что всё пришлось по душе.",
)
NEUTRAL_REVIEW = (
    "{Ваши|Твои} замечания передадим команде, чтобы стать лучше.",
    "Благодарим за честную оценку{of_product}. Учтём {ваше|твоё} мнение в работе над товаром.",
)

BODY = {
    "defect_quality": (
        "Мы передали {ваш|твой} отзыв в отдел контроля качества, чтобы разобраться, что пошло не так.",
        "Качество для нас важно: передадим {ваши|твои} замечания производству.",
    ),
    "complaint": (
        "Мы разберёмся в ситуации и передадим {ваш|твой} отзыв команде, которая собирает заказы.",
        "Спасибо за сигнал: проверим, как это могло произойти.",
    ),
    "delivery": (
        "Доставку выполняет маркетплейс, актуальный статус и сроки видны в личном кабинете.",
        "Сроки доставки зависят от маркетплейса; следить за заказом удобно в личном кабинете.",
    ),
    "order_status": (
        "Статус заказа виден в личном кабинете маркетплейса, в разделе доставок.",
        "Где сейчас заказ, подскажет личный кабинет маркетплейса: там отражается каждый этап.",
    ),
    "return_refund": (
        "Оформить возврат можно в личном кабинете маркетплейса, решение по нему принимает маркетплейс.",
        "Заявку на возврат можно подать в личном кабинете маркетплейса; её рассматривает маркетплейс.",
    ),
    "size_fit": (
        "Советуем сверяться с таблицей размеров в карточке товара: там указаны мерки для каждого размера.",
        "Чтобы не ошибиться с размером, {загляните|загляни} в таблицу размеров в карточке товара.",
    ),
    "product_question": (
        "Подробные характеристики собраны в карточке товара{product}.",
        "Все характеристики есть в описании карточки{product}, а если чего-то не хватает, уточним.",
    ),
    "gratitude": (
        "Нам очень приятно, спасибо за добрые слова!",
        "Рады, что всё понравилось!",
    ),
    "other": (
        "Спасибо за сообщение!",
        "Рады {вашему|твоему} сообщению.",
    ),
}
# A money question in a public answer when the buyer used none of the words: no return talk (PRODUCT_RULES).
RETURN_UNASKED = (
    "Решения по заказам и деньгам принимает маркетплейс: все шаги видны в личном кабинете.",
    "Подробности по заказу и оплате собраны в личном кабинете маркетплейса.",
)
SIZE_RETURN = "Если размер не подошёл, оформить возврат можно в личном кабинете маркетплейса."
OTHER_RETURN = (
    "Если товар не подошёл, оформить возврат можно в личном кабинете маркетплейса; решение принимает маркетплейс."
)
COMPOSITION = "Состав: {composition}."
CHAT_QUESTION = (
    "{Подскажите|Подскажи}, пожалуйста, чем ещё можем помочь?",
    "Если остались вопросы, {пишите|пиши}, ответим здесь.",
)

THANKS = {
    "review": ("Спасибо за отзыв!", "Благодарим за отзыв!", "Спасибо за {ваш|твой} выбор!"),
    "question": ("Спасибо за вопрос!", "Благодарим за интерес к товару!"),
    "chat": ("Спасибо за обращение!", "Хорошего дня!"),
}
THANKS_POSITIVE = ("Будем рады видеть {вас|тебя} снова!", "Ждём {вас|тебя} снова!", "Приятных покупок!")


def offline_draft(facts: DraftFacts, *, seed: int) -> str:
    """A reply in Russian for these facts; the same facts and seed give the same text."""
    rng = random.Random(f"{TEMPLATE_VERSION}:{seed}")
    informal = facts.address_form == "informal"
    negative = facts.sentiment == "negative" or (facts.kind == "review" and (facts.rating or 5) <= 2)
    positive_review = facts.kind == "review" and not negative and (facts.rating or 0) >= 4
    named = facts.product_name if facts.product_name and len(facts.product_name) <= 60 else ""
    product = {
        "product": f" «{named}»" if named else "",
        "of_product": f" товара «{named}»" if named else "",
        "about_product": f" о товаре «{named}»" if named else "",
    }
    name = f", {facts.buyer_name}" if _NAME.match(facts.buyer_name or "") else ""

    parts = [rng.choice(GREETING_INFORMAL if informal else GREETING).format(name=name)]
    if negative:
        parts.append(rng.choice(EMPATHY))
    parts += _body(facts, rng=rng, positive_review=positive_review, negative=negative, product=product)
    if facts.kind == "chat" and facts.intent not in ("gratitude", "other"):
        parts.append(rng.choice(CHAT_QUESTION))
    thanks = THANKS_POSITIVE if positive_review or facts.intent == "gratitude" else THANKS[facts.kind]
    parts.append(rng.choice(thanks))
    if facts.signature.strip():
        parts.append(facts.signature.strip())
    return _address(" ".join(part for part in parts if part), informal=informal)


def _fill(phrase: str, product: dict[str, str]) -> str:
    for slot, value in product.items():
        phrase = phrase.replace("{" + slot + "}", value)
    return phrase


def _body(
    facts: DraftFacts, *, rng: random.Random, positive_review: bool, negative: bool, product: dict[str, str]
) -> list[str]:
    if positive_review and facts.intent in ("gratitude", "other", "product_question"):
        return [_fill(rng.choice(POSITIVE), product)]
    if facts.kind == "review" and not negative and facts.intent in ("gratitude", "other"):
        return [_fill(rng.choice(NEUTRAL_REVIEW), product)]
    allowed = return_talk_allowed(kind=facts.kind, intent=facts.intent, buyer_text=facts.buyer_text)
    phrases = BODY.get(facts.intent, BODY["other"])
    if facts.intent == "return_refund" and not allowed:
        phrases = RETURN_UNASKED
    body = [_fill(rng.choice(phrases), product)]
    if facts.intent in ("product_question", "size_fit") and facts.composition:
        body.insert(0, COMPOSITION.format(composition=facts.composition[:120]))
    if facts.intent == "size_fit" and allowed:
        body.append(SIZE_RETURN)
    elif negative and allowed and facts.intent not in RETURN_INTENTS:
        body.append(OTHER_RETURN)
    return body


def _address(text: str, *, informal: bool) -> str:
    return _ALTERNATIVE.sub(lambda match: match.group(2 if informal else 1), text)


def draft_facts_from(context: Any) -> DraftFacts:
    """The facts of an `ai.context.AIContext` the templates use."""
    return DraftFacts(
        kind=context.kind,
        intent=context.intent,
        sentiment=context.sentiment,
        rating=context.rating,
        buyer_text=context.text,
        buyer_name=context.buyer_name,
        product_name=context.product_name,
        composition=str((context.product or {}).get("состав", "")),
        address_form=context.address_form,
        signature=context.signature,
    )
