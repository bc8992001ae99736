"""Runtime settings: values staff may change while the service runs (admin → RuntimeSetting).

The registry below is the one list of known keys with their type, default and validation. A key
with no row reads its default. Reads go through the cache; saving or deleting a row drops it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError

CACHE_PREFIX = "runtime-setting:"
CACHE_TTL_SECONDS = 300


@dataclass(frozen=True)
class RuntimeSettingSpec:
    key: str
    type: type
    default: Any
    description: str
    validator: Callable[[Any], None] | None = None


def in_range(minimum: float, maximum: float) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if not minimum <= value <= maximum:
            raise ValidationError(f"Значение должно быть от {minimum} до {maximum}.", code="out_of_range")

    return check


REGISTRY: dict[str, RuntimeSettingSpec] = {
    spec.key: spec
    for spec in (
        RuntimeSettingSpec(
            "auto_close_days", int, 10, "Через сколько дней без активности чат закрывается сам.", in_range(1, 365)
        ),
        RuntimeSettingSpec(
            "sync_interval_seconds",
            int,
            30,
            "Как часто (в секундах) синхронизировать подключение маркетплейса.",
            in_range(10, 86400),
        ),
        RuntimeSettingSpec("ai_enabled", bool, True, "Включён ли AI-анализ и черновики ответов (иначе эвристики)."),
        RuntimeSettingSpec(
            "ai_daily_budget_usd",
            float,
            1.0,
            "Дневной бюджет на LLM для одного продавца, USD.",
            in_range(0, 10000),
        ),
        RuntimeSettingSpec(
            "draft_cache_ttl_seconds",
            int,
            86400,
            "Сколько секунд хранить сгенерированный черновик ответа в кэше.",
            in_range(0, 30 * 86400),
        ),
    )
}


def runtime_spec(key: str) -> RuntimeSettingSpec:
    try:
        return REGISTRY[key]
    except KeyError:
        raise ValidationError(
            f"Неизвестная настройка «{key}». Допустимые: {', '.join(sorted(REGISTRY))}.", code="unknown_key"
        ) from None


def runtime_clean(*, key: str, value: Any) -> Any:
    """Validate a value for a key; returns it coerced to the key's type (int → float is allowed)."""
    spec = runtime_spec(key)
    # bool is an int subclass in Python: refuse true/false for numbers and 0/1 for flags.
    if spec.type is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(value, bool) != (spec.type is bool) or not isinstance(value, spec.type):
        raise ValidationError(
            f"Настройка «{key}» должна иметь тип {spec.type.__name__}, получено {type(value).__name__}.",
            code="wrong_type",
        )
    if spec.validator:
        spec.validator(value)
    return value


def _cache_key(key: str) -> str:
    return CACHE_PREFIX + key


_MISSING = object()


def runtime_get(key: str) -> Any:
    """The current value of a runtime setting: the stored row, else the registry's default."""
    spec = runtime_spec(key)
    try:
        cached = cache.get(_cache_key(key), _MISSING)
    except Exception:  # the cache (Redis) is away: the database still answers
        cached = _MISSING
    if cached is not _MISSING:
        return cached
    from agentiq.models import RuntimeSetting

    row = RuntimeSetting.objects.filter(key=key).values_list("value", flat=True).first()
    value = spec.default
    if row is not None:
        try:
            value = runtime_clean(key=key, value=row)
        except ValidationError:
            # A row that no longer passes validation (e.g. the range tightened) must not break callers.
            value = spec.default
    with contextlib.suppress(Exception):  # the cache is away (see above): uncached this time
        cache.set(_cache_key(key), value, CACHE_TTL_SECONDS)
    return value


def runtime_invalidate(key: str) -> None:
    cache.delete(_cache_key(key))
