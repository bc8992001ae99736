"""Where LLM calls are booked and the budget is asked: at once (`DirectLedger`, one call from a request), or
per batch (`BatchLedger`, the pipeline's many calls from worker threads).

A batch's threads only talk HTTP: the batch ledger reads each seller's spending once, counts what its own
calls cost in memory (so the budget holds within a batch as well as across batches), keeps the rows and the
sellers whose budget ran out, and `flush()` writes them from the batch's own thread: one INSERT for all rows,
one notice per shop. The runtime settings a call reads (AI on, the price table) are read once in `prepare()`
too, so threads never touch the database: a batch works inside a test's transaction and needs no connection
per thread.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any, Protocol

from agentiq.runtime import runtime_get
from ai.llm.accounting import PriceTable, llm_call_build, llm_call_record
from ai.llm.budget import budget_check, notify_budget_exhausted
from ai.llm.errors import BudgetExhausted
from ai.models import LLMCall
from ai.selectors import SellerDay, ai_budget_usd, ai_spent_usd, seller_day


class Ledger(Protocol):
    def enabled(self) -> bool:
        """The `ai_enabled` runtime setting."""

    def check(self, seller_id: int | None) -> None:
        """Raise BudgetExhausted when the seller may not call the LLM now."""

    def record(self, **fields: Any) -> None:
        """Book one call (the fields of `llm_call_record`)."""


class DirectLedger:
    def enabled(self) -> bool:
        return bool(runtime_get("ai_enabled"))

    def check(self, seller_id: int | None) -> None:
        budget_check(seller_id)

    def record(self, **fields: Any) -> None:
        llm_call_record(**fields)


class BatchLedger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: list[LLMCall] = []
        self._budget: Decimal | None = None
        self._days: dict[int, SellerDay] = {}
        self._spent: dict[int, Decimal] = {}
        self._exhausted: set[int] = set()
        self._enabled: bool | None = None
        self._prices: PriceTable = {}

    def prepare(self, seller_ids: set[int]) -> None:
        """Read the settings, the budget and each seller's spending today (the batch's thread, before the
        threads start)."""
        if self._enabled is None:  # once per run: threads already calling read these
            self._enabled = bool(runtime_get("ai_enabled"))
            self._prices = runtime_get("ai_prices") or {}
            self._budget = ai_budget_usd()
        for seller_id in seller_ids - set(self._spent):
            day = seller_day(seller_id)
            spent = ai_spent_usd(seller_id, day=day)
            with self._lock:
                self._days[seller_id] = day
                self._spent[seller_id] = spent

    def enabled(self) -> bool:
        if self._enabled is None:
            raise RuntimeError("BatchLedger.prepare() must run before the calls")
        return self._enabled

    def check(self, seller_id: int | None) -> None:
        if seller_id is None:
            return
        with self._lock:
            if seller_id not in self._spent or self._budget is None:
                raise RuntimeError("BatchLedger.prepare() must see every seller before the calls")
            spent = self._spent[seller_id]
            if spent < self._budget:
                return
            self._exhausted.add(seller_id)
        raise BudgetExhausted(spent_usd=spent, budget_usd=self._budget)

    def record(self, **fields: Any) -> None:
        row = llm_call_build(**fields, prices=self._prices)
        with self._lock:
            self._rows.append(row)
            if row.seller_id is not None and row.seller_id in self._spent:
                self._spent[row.seller_id] += row.cost_usd

    def exhausted(self, seller_id: int) -> bool:
        return seller_id in self._exhausted

    def flush(self) -> int:
        with self._lock:
            rows, self._rows = self._rows, []
            exhausted, self._exhausted = self._exhausted, set()
        if rows:
            LLMCall.objects.bulk_create(rows, batch_size=500)
        for seller_id in exhausted:
            notify_budget_exhausted(
                seller_id,
                day=self._days[seller_id].day,
                spent_usd=self._spent[seller_id],
                budget_usd=self._budget or Decimal(0),
            )
        return len(rows)
