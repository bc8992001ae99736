"""The answer cache (the same normalized input costs one call, within one shop) and the batch ledger (threads
book in memory, the budget counts what the batch spent, one INSERT and one notice at flush)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from ai.llm.cache import normalize_text
from ai.llm.errors import BudgetExhausted
from ai.llm.ledger import BatchLedger
from ai.llm.service import llm_analyze, llm_draft
from ai.models import LLMCall
from notifications.models import Notification
from tests import factories
from tests.ai import llm_answers
from tests.ai.fake_llm import answer
from tests.ai.test_llm_budget import set_runtime

pytestmark = pytest.mark.django_db


def review(seller, text, **extra):
    return llm_analyze(seller_id=seller.pk, kind="review", rating=5, text=text, product=None, **extra)


def test_the_same_short_review_costs_one_call(fake_llm, seller):
    fake_llm.always(answer(llm_answers.analysis(intent="gratitude", sentiment="positive", priority="low")))

    results = [
        review(seller, text) for text in ("Всё отлично, спасибо!", "всё   отлично, спасибо", "Все отлично спасибо!!")
    ]

    assert len(fake_llm.requests) == 1
    assert {result.intent for result in results} == {"gratitude"}
    calls = LLMCall.objects.filter(seller=seller).order_by("id")
    assert [call.cache_hit for call in calls] == [False, True, True]
    assert [call.cost_usd for call in calls][1:] == [Decimal(0), Decimal(0)]


def test_a_cached_answer_never_crosses_shops(fake_llm, seller):
    fake_llm.always(answer(llm_answers.analysis()))
    review(seller, "Брак, шов разошёлся")
    review(factories.SellerFactory(), "Брак, шов разошёлся")
    assert len(fake_llm.requests) == 2


def test_a_draft_is_cached_by_every_input_it_was_written_from(fake_llm, seller):
    fake_llm.always(answer(llm_answers.draft()))
    common = {
        "seller_id": seller.pk,
        "kind": "review",
        "rating": 2,
        "text": "Куртка порвалась",
        "product": {"name": "Куртка"},
        "history": [],
        "tone": None,
        "signature": "Команда",
        "address_form": "formal",
        "max_chars": 1000,
    }
    llm_draft(**common)
    llm_draft(**common)
    llm_draft(**common, instruction="короче")
    llm_draft(**common | {"signature": "Другая подпись"})
    assert len(fake_llm.requests) == 3


def test_normalized_text_masks_personal_data_and_folds_case():
    assert normalize_text("  Звоните +7 912 345-67-89!!! ") == normalize_text("звоните 8 (999) 111-22-33")
    assert normalize_text("Ёлка.") == "елка"


def test_batch_ledger_books_nothing_until_flush_and_counts_its_own_spending(fake_llm, seller):
    factories.UserFactory(seller=seller, role="owner")
    set_runtime("ai_daily_budget_usd", 0.001)  # each answer costs $0.00038: the third call crosses it
    fake_llm.always(answer(llm_answers.analysis(), prompt_tokens=1000, completion_tokens=100))
    ledger = BatchLedger()
    ledger.prepare({seller.pk})

    def one(number):
        try:
            review(seller, f"Брак номер {number}", ledger=ledger)
            return "ok"
        except BudgetExhausted:
            return "budget"

    with ThreadPoolExecutor(max_workers=1) as pool:  # one thread: the order of calls is the order booked
        outcomes = list(pool.map(one, range(6)))

    assert outcomes == ["ok", "ok", "ok", "budget", "budget", "budget"]
    assert not LLMCall.objects.exists()
    assert ledger.exhausted(seller.pk)
    assert ledger.flush() == 3
    assert LLMCall.objects.filter(seller=seller, cache_hit=False).count() == 3
    assert Notification.objects.filter(kind="ai_budget_exhausted").count() == 1


def test_batch_ledger_refuses_an_unprepared_seller(seller):
    with pytest.raises(RuntimeError):
        BatchLedger().check(seller.pk)
