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


PRICE_FIELDS_REQUIRED = ("input_per_mtok", "output_per_mtok")
PRICE_FIELDS_OPTIONAL = ("cached_input_per_mtok",)
MAX_PRICE_PER_MTOK = 1000.0
DEFAULT_AI_PRICES = {"deepseek-chat": {"input_per_mtok": 0.27, "output_per_mtok": 1.10, "cached_input_per_mtok": 0.07}}


def price_table(value: Any) -> None:
    """{model: {input_per_mtok, output_per_mtok[, cached_input_per_mtok]}}, USD per million tokens."""
    if not value:
        raise ValidationError("Укажите цены хотя бы одной модели.", code="empty")
    allowed = set(PRICE_FIELDS_REQUIRED) | set(PRICE_FIELDS_OPTIONAL)
    for model, prices in value.items():
        if not isinstance(model, str) or not model.strip() or len(model) > 100:
            raise ValidationError("Название модели — непустая строка до 100 символов.", code="bad_model")
        if not isinstance(prices, dict):
            raise ValidationError(f"Цены модели «{model}» — объект с полями цен.", code="bad_prices")
        missing = [name for name in PRICE_FIELDS_REQUIRED if name not in prices]
        unknown = sorted(set(prices) - allowed)
        if missing or unknown:
            raise ValidationError(
                f"Цены модели «{model}»: нужны {', '.join(PRICE_FIELDS_REQUIRED)}, можно {PRICE_FIELDS_OPTIONAL[0]}"
                + (f"; нет: {', '.join(missing)}" if missing else "")
                + (f"; неизвестные: {', '.join(unknown)}" if unknown else "")
                + ".",
                code="bad_prices",
            )
        for name, price in prices.items():
            if isinstance(price, bool) or not isinstance(price, (int, float)) or not 0 <= price <= MAX_PRICE_PER_MTOK:
                raise ValidationError(
                    f"Цена {name} модели «{model}» — число от 0 до {MAX_PRICE_PER_MTOK:g} (USD за миллион токенов).",
                    code="bad_price",
                )


# What in a buyer's message means a person must answer (docs/auto-replies.md): guardrails' «words» patterns
# (a stem with any ending, «=form», «prefix*»), per reason. Staff edit them in the admin.
AUTO_REPLY_STOP_REASONS = ("health", "counterfeit", "threat_insult")
DEFAULT_AUTO_REPLY_STOP_WORDS: dict[str, list[str]] = {
    "health": [
        "аллерг",
        "аллергическ*",
        "сып",
        "=ожог|=ожога|=ожоги|обжег*|обжог*",
        "травм",
        "отрав*",
        "=зуд|=зудит|=чешется",
        "=покраснение|=покраснения",
        "=кровь|=крови|=кровью",
        "=током",
        "=задыхаться|задохн*",
        "=астма|=астмы",
        "=врач|=врачу|=врача|=скорую|=больницу|=больнице",
        "вред здоров*",
    ],
    "counterfeit": [
        "поддел*",
        "контрафакт",
        "=фейк|=фейковый|=фейковая",
        "=не оригинал|=оригинальный|=оригинальная",
        "=неоригинал|неоригинальн*",
        "=копия|=копию|=реплика|=реплику",
        "=паль|=паленый|=паленая|=паленое",
        "=фальсификат",
    ],
    "threat_insult": [
        "=суд|=суда|=суде|=судом|=засужу|=судиться",
        "прокуратур",
        "роспотребнадзор",
        "=юрист|=юристу|=юриста|=адвокат|=адвокату|=адвоката",
        "=полицию|=полиции",
        "=дурак|=дура|=дураки|идиот*|дебил*|урод*|мошенник|ублюд*|сволоч*|=твари|=тварь",
        "=козлы|=козел|=обманщики|=ворюги|=кидалы|=лохотрон|=разводилово",
        "=сука|=суки|=суку|бля*|хуй*|хуе*|пизд*|ебан*|=ебать|мудак*|мудач*|говн*",
    ],
}


def stop_words_table(value: Any) -> None:
    """{reason: [words pattern, …]} for the reasons AUTO_REPLY_STOP_REASONS."""
    from guardrails.models import PatternKind, pattern_problem

    unknown = sorted(set(value) - set(AUTO_REPLY_STOP_REASONS))
    if unknown:
        raise ValidationError(
            f"Неизвестные причины: {', '.join(unknown)}; можно: {', '.join(AUTO_REPLY_STOP_REASONS)}.",
            code="bad_reason",
        )
    for reason, patterns in value.items():
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise ValidationError(f"«{reason}»: список шаблонов-строк.", code="bad_patterns")
        for pattern in patterns:
            problem = pattern_problem(PatternKind.WORDS, pattern)
            if problem:
                raise ValidationError(f"«{reason}», шаблон «{pattern}»: {problem}", code="bad_pattern")


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
        RuntimeSettingSpec(
            "answer_reconcile_days",
            int,
            30,
            "За сколько дней сверять наши ответы на отзывы и вопросы с маркетплейсом (ежедневная сверка).",
            in_range(1, 365),
        ),
        RuntimeSettingSpec(
            "answer_moderation_hours",
            int,
            240,
            "Сколько часов ждать публикации ответа Ozon: не опубликованный дольше ответ считается отклонённым.",
            in_range(1, 24 * 60),
        ),
        RuntimeSettingSpec(
            "ai_prices",
            dict,
            DEFAULT_AI_PRICES,
            "Цены LLM в USD за миллион токенов: {модель: {input_per_mtok, output_per_mtok, cached_input_per_mtok}}.",
            price_table,
        ),
        RuntimeSettingSpec(
            "reply_repeat_threshold",
            int,
            90,
            "Похожесть ответа на недавний ответ магазина (0–100, rapidfuzz), с которой ответ на отзыв или вопрос "
            "задерживается как повтор.",
            in_range(50, 100),
        ),
        RuntimeSettingSpec(
            "auto_replies_enabled",
            bool,
            True,
            "Автоответы во всём сервисе. Выключите, чтобы сразу остановить автоответы всех магазинов.",
        ),
        RuntimeSettingSpec(
            "auto_reply_min_confidence",
            float,
            0.7,
            "Уверенность анализа (0–1), ниже которой обращение не отвечается автоматически.",
            in_range(0, 1),
        ),
        RuntimeSettingSpec(
            "auto_reply_batch_complaints",
            int,
            10,
            "Больше скольких жалоб на товар за окно (auto_reply_batch_days) — партия с проблемой: без автоответов.",
            in_range(1, 10000),
        ),
        RuntimeSettingSpec(
            "auto_reply_batch_days",
            int,
            7,
            "За сколько дней считать жалобы на товар для auto_reply_batch_complaints.",
            in_range(1, 90),
        ),
        RuntimeSettingSpec(
            "auto_reply_stop_words",
            dict,
            DEFAULT_AUTO_REPLY_STOP_WORDS,
            "Слова в сообщении покупателя, при которых отвечает только человек: {health, counterfeit, "
            "threat_insult: [шаблоны слов, как в проверке ответов]}.",
            stop_words_table,
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
