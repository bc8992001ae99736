"""Reply drafts without the LLM: a greeting, empathy when the buyer is unhappy, the answer or the next step
per intent, thanks and the shop's signature (PRODUCT_RULES' structure), assembled from phrase variants.

Every phrase keeps to the reply rules by construction: no promises the marketplace decides, no admission, no
blame, no contacts, no «поддержка» in public answers, and return talk only when the buyer raised it or, in a
chat, the intent is about returns or size (`return_talk_allowed`); the guardrail check still runs on the result, and a
test runs every combination through it. Variants are picked by a seed (the interaction's id), so a shop's
hundred 5★ reviews do not all get the same sentence. `{formal|informal}` pairs follow the shop's form of
address (PRODUCT_RULES: «вы» by default).

A praising buyer hears back what they praised (the quality, the size, the colour, the fabric, the packing…),
and a positive review may get a wish about the product. Given the shop's recent answers (`avoid`: what the
repeated-answer guard will compare the draft with), the draft is the least like them of CANDIDATES variants,
so a shop's thousandth 5★ review of one product is not held as a repeat (bench/replies.py measures it).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from guardrails.similarity import similarity_key

TEMPLATE_VERSION = "offline-drafts:2"
CANDIDATES = 16
MAX_DRAFT_CHARS = 330
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


GREETING = ("Здравствуйте{name}!", "Добрый день{name}!", "Приветствуем вас{name}!", "Доброго дня{name}!")
GREETING_INFORMAL = ("Привет{name}!", "Здравствуй{name}!", "Приветствуем{name}!")

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
    "Такая оценка{of_product} — лучшая награда для нашей команды, спасибо!",
    "Какой приятный отзыв{about_product}! Спасибо, что нашли время его написать.",
    "Ваша оценка{of_product} очень нас порадовала, благодарим!",
    "Рады, что {вы|ты} {выбрали|выбрал} нас и покупка оправдала ожидания.",
    "Спасибо, что поделились впечатлениями{about_product}: такие слова вдохновляют нас работать дальше.",
    "Нам очень приятно, что покупка{of_product_short} оказалась удачной.",
    "Благодарим за доверие и высокую оценку{of_product}!",
    "Такие отзывы{about_product} — главная радость для нашей команды. Спасибо!",
)
# What a praising buyer wrote about, and what the answer says back about it (the first two topics found).
PRAISE: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (
        re.compile(r"качеств|добротн|сделан\w* хорошо|прочн", re.IGNORECASE),
        (
            "Рады, что качество оправдало ожидания.",
            "За качеством следим на каждом этапе, приятно, что это заметно.",
            "Качество для нас главное, и ваша оценка это подтверждает.",
        ),
    ),
    (
        re.compile(r"размер|\bсел[аои]?\b|сидит|по фигуре|посадк", re.IGNORECASE),
        (
            "Здорово, что размер подошёл идеально.",
            "Приятно, что с размером всё совпало.",
            "Рады, что посадка {вам|тебе} понравилась.",
        ),
    ),
    (
        re.compile(r"цвет|оттен", re.IGNORECASE),
        ("Цвет и правда удачный, спасибо, что отметили!", "Рады, что цвет понравился.", "Цвет — наша гордость!"),
    ),
    (
        re.compile(r"ткан|материал|мягк|приятн\w* к телу", re.IGNORECASE),
        (
            "Материал выбирали тщательно, и приятно слышать такую оценку.",
            "Рады, что материал пришёлся по душе.",
            "Мягкость ткани — то, чем мы особенно гордимся.",
        ),
    ),
    (
        re.compile(r"доставк|пришл\w* быстро|быстро пришл|быстро дошл|доехал", re.IGNORECASE),
        ("Рады, что заказ доехал быстро.", "Хорошо, что посылка пришла без задержек."),
    ),
    (
        re.compile(r"упаков|упакован", re.IGNORECASE),
        ("Упаковке уделяем отдельное внимание, спасибо, что заметили.", "Рады, что упаковка понравилась."),
    ),
    (
        re.compile(r"удобн|комфорт", re.IGNORECASE),
        ("Удобство для нас на первом месте, рады, что это чувствуется.", "Приятно, что пользоваться удобно."),
    ),
    (
        re.compile(r"\bцен[аыу]|недорог|стоит своих", re.IGNORECASE),
        ("Рады, что цена порадовала.", "Приятно, что покупка стоила своих денег."),
    ),
    (
        re.compile(r"красив|стильн|шикарн|нарядн|симпатичн", re.IGNORECASE),
        ("Приятно, что внешний вид не разочаровал.", "Рады, что вещь показалась {вам|тебе} красивой."),
    ),
    (
        re.compile(r"как на фото|соответств|как в описании", re.IGNORECASE),
        ("Рады, что товар совпал с описанием и фото.", "Хорошо, что всё оказалось как на карточке."),
    ),
)
# An optional wish after a positive review's body.
WISHES = (
    "Пусть покупка радует как можно дольше!",
    "{Пользуйтесь|Пользуйся} с удовольствием!",
    "Пусть{product_short} служит долго!",
    "Надеемся, покупка будет радовать каждый день.",
    "",
    "",
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
THANKS_POSITIVE = (
    "Будем рады видеть {вас|тебя} снова!",
    "Ждём {вас|тебя} снова!",
    "Приятных покупок!",
    "Заглядывайте к нам ещё!",
    "Хорошего дня и приятных покупок!",
    "До новых встреч в нашем магазине!",
    "Будем рады новым заказам!",
    "Спасибо, что {выбираете|выбираешь} нас!",
    "Всего доброго!",
    "Ждём {вас|тебя} за новыми покупками!",
)


def offline_draft(facts: DraftFacts, *, seed: int, avoid: Sequence[str] = ()) -> str:
    """A reply in Russian for these facts; the same facts, seed and `avoid` give the same text.

    `avoid`: the shop's recent answers; the draft is the least like them of CANDIDATES variants."""
    if not avoid:
        return _draft(facts, seed=seed)
    keys = [similarity_key(text) for text in avoid if text]
    best, best_score = "", 101.0
    for number in range(CANDIDATES):
        text = _draft(facts, seed=seed if number == 0 else f"{seed}:{number}")
        found = process.extractOne(similarity_key(text), keys, scorer=fuzz.ratio, processor=None) if keys else None
        score = found[1] if found else 0.0
        if score < best_score:
            best, best_score = text, score
    return best


def _draft(facts: DraftFacts, *, seed: int | str) -> str:
    rng = random.Random(f"{TEMPLATE_VERSION}:{seed}")
    informal = facts.address_form == "informal"
    negative = facts.sentiment == "negative" or (facts.kind == "review" and (facts.rating or 5) <= 2)
    positive_review = facts.kind == "review" and not negative and (facts.rating or 0) >= 4
    named = facts.product_name if facts.product_name and len(facts.product_name) <= 60 else ""
    short = " ".join(named.split()[:2])
    product = {
        "product": f" «{named}»" if named else "",
        "of_product": f" товара «{named}»" if named else "",
        "about_product": f" о товаре «{named}»" if named else "",
        "of_product_short": f" «{short}»" if short else "",
        "product_short": f" «{short}»" if short else "",
    }
    name = f", {facts.buyer_name}" if _NAME.match(facts.buyer_name or "") else ""

    parts = [rng.choice(GREETING_INFORMAL if informal else GREETING).format(name=name)]
    if negative:
        parts.append(rng.choice(EMPATHY))
    parts += _body(facts, rng=rng, positive_review=positive_review, negative=negative, product=product)
    if facts.kind == "chat" and facts.intent not in ("gratitude", "other"):
        parts.append(rng.choice(CHAT_QUESTION))
    if positive_review:
        parts.append(_fill(rng.choice(WISHES), product))
    thanks = THANKS_POSITIVE if positive_review or facts.intent == "gratitude" else THANKS[facts.kind]
    parts.append(rng.choice(thanks))
    signature = facts.signature.strip()
    text = _address(" ".join(part for part in [*parts, signature] if part), informal=informal)
    while len(text) > MAX_DRAFT_CHARS and len(parts) > 2:
        parts.pop(-2)  # the wish, then the body's extras: the greeting and the thanks stay
        text = _address(" ".join(part for part in [*parts, signature] if part), informal=informal)
    return text


def _fill(phrase: str, product: dict[str, str]) -> str:
    for slot, value in product.items():
        phrase = phrase.replace("{" + slot + "}", value)
    return phrase


def _body(
    facts: DraftFacts, *, rng: random.Random, positive_review: bool, negative: bool, product: dict[str, str]
) -> list[str]:
    if positive_review and facts.intent in ("gratitude", "other", "product_question"):
        praised = [rng.choice(phrases) for pattern, phrases in PRAISE if pattern.search(facts.buyer_text or "")]
        rng.shuffle(praised)
        return [_fill(rng.choice(POSITIVE), product), *praised[:2]]
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
