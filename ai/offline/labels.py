"""The label sets (docs/product-rules.md) and their Russian names for summaries."""

from __future__ import annotations

KINDS = ("review", "question", "chat")
INTENTS = (
    "delivery",
    "order_status",
    "return_refund",
    "defect_quality",
    "size_fit",
    "product_question",
    "complaint",
    "gratitude",
    "other",
)
SENTIMENTS = ("negative", "neutral", "positive")
PRIORITIES = ("urgent", "high", "normal", "low")  # the values of interactions.models.Priority

INTENT_LABELS = {
    "delivery": "доставка",
    "order_status": "статус заказа",
    "return_refund": "возврат",
    "defect_quality": "брак",
    "size_fit": "размер",
    "product_question": "вопрос о товаре",
    "complaint": "жалоба",
    "gratitude": "благодарность",
    "other": "прочее",
}
KIND_LABELS = {"review": "Отзыв", "question": "Вопрос", "chat": "Чат"}
