"""The rule layer on top of the model: stars and sentiment, priority tiers, whether to reply, the summary.

Priority follows docs/product-rules.md: 1–2★ reviews, defects, wrong or missing items, legal threats and
health harm are urgent; 3★, delivery problems, returns and new chats are high (pre-purchase questions
too); other post-purchase chats and usage questions are normal; 4–5★ and thanks are low.
"""

from __future__ import annotations

import re

from ai.offline.labels import INTENT_LABELS, KIND_LABELS
from ai.offline.text import Features

SUMMARY_MAX_CHARS = 120

_GREETING = re.compile(
    r"^\s*(?:(?:здравствуйте|здраствуйте|здрасьте|здрасте|привет|приветствую|добрый|доброе|доброго|hello|hi)"
    r"(?:\s+(?:день|вечер|утро|утра|дня|вечера|времени суток))?[\s!,.)]*)+",
    re.IGNORECASE,
)
_POST_PURCHASE = re.compile(
    r"купил|приобрел|получил|пришл[аои]?\b|пришел|привезли|доставили|заказал|заказывал|пользуюсь|мой заказ|"
    r"\bу меня\b.*(?:не|перестал)"
)
# Offers and links to elsewhere. A contact alone (an e-mail in a real complaint) is not spam unless the
# message says little else.
_PROMO = re.compile(
    r"заработ|подпиш|реклам(?!ац)|продвижени|в топ\b|сотрудничеств|выигра|\bприз\b|\bпризы|казино|\bставк[иа] на|"
    r"\bкрипт|\bскидк[аиу] по ссылке|переходи"
)
_CONTACT = re.compile(r"_url_|_phone_|_handle_|_email_")
_ACK = frozenset(
    {"ок", "окей", "ok", "хорошо", "понятно", "ясно", "ладно", "угу", "ага", "понял", "поняла", "принято"}
    | {"хм", "спасибо", "спс", "благодарю"}
)
_PICTO = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200d]")
_URLISH = re.compile(
    r"(?:https?://|www\.)\S+|\S+@\S+|@\w+|\+?\d[\d\s()-]{8,}\d|\b[\w-]+\.(?:ru|com|me|рф|net|org|shop|site)\b\S*"
)
_PUNCT_RUNS = re.compile(r"([!?.,])\1+")
_SHOUTED = re.compile(r"\b[А-ЯЁA-Z]{5,}\b")


def is_spam(features: Features) -> bool:
    if _PROMO.search(features.normalized):
        return True
    words = [t for t in features.tokens if t[0] != "_" and not t.isdigit()]
    return bool(_CONTACT.search(features.normalized)) and len(words) <= 6


def is_noise(features: Features) -> bool:
    """No words at all (dots, question marks, a greeting emoji), or a keyboard mash."""
    letters = [t for t in features.tokens if t[0] != "_" and not t.isdigit()]
    if not letters:
        return not any(t in ("_emopos_", "_emoneg_") for t in features.tokens)
    return len(letters) == 1 and len(letters[0]) >= 4 and not re.search(r"[аеиоуыэюя]", letters[0])


def is_ack(features: Features) -> bool:
    """A bare «ок», «понятно», «спасибо»: a chat turn that asks for nothing."""
    words = [t for t in features.tokens if t[0] != "_"]
    return 0 < len(words) <= 3 and all(w in _ACK or w in ("вам", "большое", "за", "ответ") for w in words)


def review_sentiment(rating: int, probs: dict[str, float]) -> str:
    """Stars first: 1–2★ is never positive, 4–5★ never negative, unless the text is clearly otherwise."""
    if rating <= 2:
        return "neutral" if probs["neutral"] >= 0.8 else "negative"
    if rating >= 4:
        return "negative" if probs["negative"] >= 0.8 else "positive"
    return max(probs, key=probs.__getitem__)


def priority(*, kind: str, rating: int | None, intent: str, features: Features, spam: bool) -> str:
    cues = features.cues
    if spam:
        return "low"
    if "legal" in cues or "health" in cues:
        return "urgent"
    wrong = intent == "complaint" and ("wrong_item" in cues or "missing" in cues)
    if kind == "review" and rating is not None:
        if rating <= 2:
            return "urgent"
        if rating == 3:
            return "urgent" if (intent == "defect_quality" and "defect" in cues) or wrong else "high"
        return "low"
    if wrong or (intent == "defect_quality" and "defect" in cues):
        return "urgent"
    if intent == "defect_quality":
        return "normal"  # a quality remark (thin fabric, a smell), not a broken item
    if intent == "gratitude":
        return "low"
    if intent in ("delivery", "order_status", "return_refund", "complaint"):
        return "high"
    post_purchase = bool(_POST_PURCHASE.search(features.normalized))
    if kind == "question":
        # Public questions come before a purchase (the buyer is on the card now), unless they say otherwise.
        return "normal" if intent in ("product_question", "size_fit") and post_purchase else "high"
    if intent in ("product_question", "size_fit"):
        return "normal" if post_purchase else "high"  # a usage question vs a pre-purchase chat
    if is_ack(features) or is_noise(features):
        return "low"
    return "high"  # a new chat that says nothing yet («здравствуйте, можно вопрос?»)


def needs_reply(*, kind: str, rating: int | None, intent: str, features: Features, spam: bool) -> bool:
    if spam:
        return False
    if kind == "review":
        return rating is not None or not is_noise(features)  # every review gets an answer, even 5★ with no text
    if is_noise(features):
        return False
    return not (kind == "chat" and intent in ("gratitude", "other") and is_ack(features))


def fragment(text: str, *, limit: int) -> str:
    """A cleaned piece of the buyer's text: no greeting, emoji, contacts or runs of punctuation."""
    t = _PICTO.sub(" ", text)
    t = _URLISH.sub(" ", t)
    t = _PUNCT_RUNS.sub(r"\1", t)
    t = re.sub(r"\s+", " ", t).strip()
    t = _GREETING.sub("", t).strip(" ,.!-—")
    letters = [c for c in t if c.isalpha()]
    if not letters and not any(c.isdigit() for c in t):
        return ""  # «?? ??», «...»: nothing worth quoting
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters) and len(letters) > 3:
        t = t.lower()
    else:
        t = _SHOUTED.sub(lambda m: m.group(0).lower(), t)  # «ОЧЕНЬ ДОЛГО» but not «СДЭК»
    if not t:
        return ""
    t = t[0].upper() + t[1:]
    if len(t) <= limit:
        return t
    cut = t[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:!?-—") + "…"


def summary(*, kind: str, rating: int | None, intent: str, features: Features, text: str, spam: bool = False) -> str:
    head = KIND_LABELS.get(kind, kind.capitalize())
    if kind == "review" and rating is not None:
        head += f" {rating}★"
    label = INTENT_LABELS[intent]
    cues = features.cues
    if intent == "complaint" and "missing" in cues:
        label += ", недовложение"
    elif intent == "complaint" and "wrong_item" in cues:
        label += ", не тот товар"
    if "legal" in cues:
        label += ", угроза суда или жалобы"
    elif "health" in cues:
        label += ", вред здоровью"
    if spam:
        return f"{head}: {label}, похоже на спам или рекламу"
    prefix = f"{head}: {label}"
    piece = fragment(text, limit=SUMMARY_MAX_CHARS - len(prefix) - 3)
    if not piece:
        return f"{head}: без текста" if not text.strip() else prefix
    return f"{prefix} — {piece}"
