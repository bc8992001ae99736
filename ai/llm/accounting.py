"""The books: what a call cost (from the `ai_prices` runtime setting and the API's usage) and one `LLMCall`
row per call or cache hit."""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal

from agentiq.runtime import runtime_get
from ai.llm.client import Usage
from ai.models import LLMCall

logger = logging.getLogger(__name__)

MILLION = Decimal(1_000_000)
COST_QUANTUM = Decimal("0.00000001")  # LLMCall.cost_usd has 8 decimal places


def _price(value: object) -> Decimal:
    return Decimal(str(value))


PriceTable = dict[str, dict[str, float]]


def model_prices(model: str, table: PriceTable | None = None) -> tuple[Decimal, Decimal, Decimal]:
    """(input, cached input, output) USD per million tokens, from `table` or the `ai_prices` runtime setting. A
    model missing from the table is priced at the table's highest prices: an unpriced model must not spend the
    budget for free."""
    if table is None:
        table = runtime_get("ai_prices") or {}
    prices = table.get(model)
    if prices is None:
        logger.warning("no ai_prices entry for model %s: charging the highest listed prices", model)
        if not table:
            return Decimal(0), Decimal(0), Decimal(0)
        highest_input = max(_price(row["input_per_mtok"]) for row in table.values())
        highest_output = max(_price(row["output_per_mtok"]) for row in table.values())
        return highest_input, highest_input, highest_output
    input_price = _price(prices["input_per_mtok"])
    cached = _price(prices.get("cached_input_per_mtok", prices["input_per_mtok"]))
    return input_price, cached, _price(prices["output_per_mtok"])


def llm_cost_usd(*, model: str, usage: Usage, prices: PriceTable | None = None) -> Decimal:
    input_price, cached_price, output_price = model_prices(model, prices)
    cached = min(usage.cached_prompt_tokens, usage.prompt_tokens)
    cost = (
        Decimal(usage.prompt_tokens - cached) * input_price
        + Decimal(cached) * cached_price
        + Decimal(usage.completion_tokens) * output_price
    ) / MILLION
    return cost.quantize(COST_QUANTUM, rounding=ROUND_HALF_UP)


def llm_call_build(
    *,
    seller_id: int | None,
    purpose: str,
    model: str,
    usage: Usage | None = None,
    latency_ms: int = 0,
    attempts: int = 1,
    cache_hit: bool = False,
    error: str = "",
    prompt_version: str = "",
    prices: PriceTable | None = None,
) -> LLMCall:
    """One row, unsaved: an API call (its usage priced now, at today's prices) or a cache hit (free)."""
    if purpose not in LLMCall.Purpose.values:
        raise ValueError(f"unknown LLM call purpose {purpose!r}")
    usage = usage or Usage()
    cost = Decimal(0) if cache_hit else llm_cost_usd(model=model, usage=usage, prices=prices)
    return LLMCall(
        seller_id=seller_id,
        purpose=purpose,
        model=model[:100],
        prompt_version=prompt_version[:16],
        prompt_tokens=usage.prompt_tokens,
        cached_prompt_tokens=usage.cached_prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cost_usd=cost,
        latency_ms=max(0, latency_ms),
        attempts=max(0, attempts),
        cache_hit=cache_hit,
        error=error[:32],
    )


def llm_call_record(**fields: object) -> LLMCall:
    """Write one row (`llm_call_build`'s fields)."""
    row = llm_call_build(**fields)  # type: ignore[arg-type]
    row.save()
    return row
