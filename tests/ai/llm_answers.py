"""Answers the fake LLM gives in the service tests."""

from __future__ import annotations

from typing import Any


def analysis(**overrides: Any) -> dict[str, Any]:
    return {
        "intent": "defect_quality",
        "sentiment": "negative",
        "priority": "urgent",
        "summary": "Покупатель жалуется: куртка порвалась по шву после первой носки",
        "needs_reply": True,
        "confidence": 0.86,
    } | overrides


def draft(text: str | None = None) -> dict[str, Any]:
    return {
        "text": text
        or "Здравствуйте! Нам жаль, что куртка подвела. Вы можете оформить возврат в личном кабинете "
        "маркетплейса, решение принимает маркетплейс. Спасибо, что написали! Команда «Северный ветер»"
    }
