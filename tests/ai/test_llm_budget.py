"""Cost from the price table and the API's usage; the daily budget per shop (its own calendar day); the one
notification a day; the budget status the API will read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from agentiq.models import RuntimeSetting
from agentiq.runtime import runtime_get
from ai.llm.accounting import llm_call_record, llm_cost_usd
from ai.llm.budget import budget_check
from ai.llm.client import Usage
from ai.llm.errors import BudgetExhausted
from ai.llm.service import llm_analyze
from ai.models import LLMCall
from ai.selectors import ai_budget_status, seller_day
from notifications.models import Notification
from tests import factories
from tests.ai import llm_answers
from tests.ai.fake_llm import answer

pytestmark = pytest.mark.django_db


def set_runtime(key, value):
    row, _ = RuntimeSetting.objects.get_or_create(key=key, defaults={"value": value})
    row.value = value
    row.full_clean()
    row.save()


# --- cost ------------------------------------------------------------------------------------------


def test_cost_counts_cached_prompt_tokens_at_their_own_price():
    usage = Usage(prompt_tokens=1000, completion_tokens=100, cached_prompt_tokens=600)

    # 400 × 0.27 + 600 × 0.07 + 100 × 1.10, per million
    assert llm_cost_usd(model="deepseek-chat", usage=usage) == Decimal("0.00026000")


def test_cost_without_a_cached_price_charges_cached_tokens_as_input():
    set_runtime("ai_prices", {"m": {"input_per_mtok": 1, "output_per_mtok": 2}})

    assert llm_cost_usd(model="m", usage=Usage(1_000_000, 1_000_000, 500_000)) == Decimal("3.00000000")


def test_an_unpriced_model_pays_the_highest_listed_prices():
    set_runtime(
        "ai_prices",
        {
            "cheap": {"input_per_mtok": 0.1, "output_per_mtok": 0.2},
            "dear": {"input_per_mtok": 3, "output_per_mtok": 15, "cached_input_per_mtok": 0.3},
        },
    )

    assert llm_cost_usd(model="unknown", usage=Usage(1_000_000, 1_000_000)) == Decimal("18.00000000")


def test_prices_changed_by_staff_price_the_next_call(fake_llm, seller):
    set_runtime("ai_prices", {"deepseek-chat": {"input_per_mtok": 10, "output_per_mtok": 20}})
    fake_llm.script(answer(llm_answers.analysis(), prompt_tokens=1000, completion_tokens=100))

    llm_analyze(seller_id=seller.pk, kind="review", rating=2, text="Брак", product=None)

    assert LLMCall.objects.get().cost_usd == Decimal("0.01200000")


def test_deepseek_cache_hits_are_cheaper(fake_llm, seller):
    fake_llm.script(answer(llm_answers.analysis(), prompt_tokens=1000, completion_tokens=0, deepseek_cache=(1000, 0)))

    llm_analyze(seller_id=seller.pk, kind="review", rating=2, text="Брак", product=None)

    call = LLMCall.objects.get()
    assert call.cached_prompt_tokens == 1000
    assert call.cost_usd == Decimal("0.00007000")


def test_a_cache_hit_is_booked_free():
    call = llm_call_record(seller_id=None, purpose="draft", model="deepseek-chat", cache_hit=True)

    assert (call.cache_hit, call.cost_usd, call.prompt_tokens) == (True, 0, 0)


def test_an_unknown_purpose_is_a_bug():
    with pytest.raises(ValueError):
        llm_call_record(seller_id=None, purpose="fun", model="deepseek-chat")


def test_the_price_table_default_and_seed():
    expected = {"deepseek-chat": {"input_per_mtok": 0.27, "output_per_mtok": 1.10, "cached_input_per_mtok": 0.07}}
    assert runtime_get("ai_prices") == expected
    assert RuntimeSetting.objects.get(key="ai_prices").value == expected


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        "0.27",
        {"deepseek-chat": 0.27},
        {"deepseek-chat": {"input_per_mtok": 0.27}},
        {"deepseek-chat": {"input_per_mtok": 0.27, "output_per_mtok": -1}},
        {"deepseek-chat": {"input_per_mtok": 0.27, "output_per_mtok": "1.10"}},
        {"deepseek-chat": {"input_per_mtok": True, "output_per_mtok": 1}},
        {"deepseek-chat": {"input_per_mtok": 0.27, "output_per_mtok": 1.1, "per_request": 1}},
        {"deepseek-chat": {"input_per_mtok": 0.27, "output_per_mtok": 5000}},
        {" ": {"input_per_mtok": 0.27, "output_per_mtok": 1.1}},
    ],
)
def test_bad_price_tables_are_refused(value):
    row = RuntimeSetting.objects.get(key="ai_prices")
    row.value = value

    with pytest.raises(ValidationError) as caught:
        row.full_clean()

    assert "value" in caught.value.message_dict


def test_the_admin_saves_a_price_table(staff, client):
    client.force_login(staff)
    row = RuntimeSetting.objects.get(key="ai_prices")
    url = f"/admin/agentiq/runtimesetting/{row.pk}/change/"

    bad = client.post(url, {"key": "ai_prices", "value": '{"deepseek-chat": {"input_per_mtok": 1}}'})
    ok = client.post(
        url, {"key": "ai_prices", "value": '{"deepseek-chat": {"input_per_mtok": 0.3, "output_per_mtok": 1.2}}'}
    )

    assert "нужны input_per_mtok, output_per_mtok" in bad.content.decode()
    assert ok.status_code == 302
    assert runtime_get("ai_prices") == {"deepseek-chat": {"input_per_mtok": 0.3, "output_per_mtok": 1.2}}


# --- budget ----------------------------------------------------------------------------------------


def test_budget_exhaustion_stops_calls_and_tells_the_owners_once(fake_llm, seller):
    owners = [factories.UserFactory(seller=seller, role="owner") for _ in range(2)]
    factories.UserFactory(seller=seller, role="agent")
    factories.UserFactory(seller=factories.SellerFactory(), role="owner")  # another shop
    set_runtime("ai_daily_budget_usd", 0.001)
    # Each answer costs 1000 × 0.27 + 100 × 1.10 per million = $0.00038: the third reaches $0.00114.
    fake_llm.always(answer(llm_answers.analysis(), prompt_tokens=1000, completion_tokens=100))

    for number in range(3):  # new texts: a repeat would be answered from the cache, free
        llm_analyze(seller_id=seller.pk, kind="review", rating=2, text=f"Брак {number}", product=None)
    for number in range(3, 6):
        with pytest.raises(BudgetExhausted) as caught:
            llm_analyze(seller_id=seller.pk, kind="review", rating=2, text=f"Брак {number}", product=None)

    assert len(fake_llm.requests) == 3
    assert LLMCall.objects.filter(seller=seller).count() == 3
    assert caught.value.spent_usd == Decimal("0.00114")
    assert caught.value.budget_usd == Decimal("0.001")
    assert caught.value.code == "budget_exhausted"
    notes = Notification.objects.filter(kind="ai_budget_exhausted")
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted(owner.pk for owner in owners)
    assert {note.seller_id for note in notes} == {seller.pk}
    day = seller_day(seller).day
    assert {note.dedupe_key for note in notes} == {f"ai_budget:{seller.pk}:{day.isoformat()}"}
    assert notes[0].text.startswith("Дневной бюджет ИИ исчерпан: сегодня потрачено $0.00114 из $0.001.")
    assert not notes.filter(wants_email=True).exists()
    assert ai_budget_status(seller)["exhausted"] is True


def test_another_shop_keeps_calling(fake_llm, seller):
    set_runtime("ai_daily_budget_usd", 0.0005)
    factories.LLMCallFactory(seller=seller, cost_usd=Decimal("0.0006"))
    other = factories.SellerFactory()
    fake_llm.always(answer(llm_answers.analysis()))

    with pytest.raises(BudgetExhausted):
        llm_analyze(seller_id=seller.pk, kind="chat", rating=None, text="Где заказ?", product=None)
    llm_analyze(seller_id=other.pk, kind="chat", rating=None, text="Где заказ?", product=None)

    assert len(fake_llm.requests) == 1


def test_the_notification_is_written_once_even_without_the_cache_guard(seller, owner):
    set_runtime("ai_daily_budget_usd", 0)

    for _ in range(2):
        with pytest.raises(BudgetExhausted):
            budget_check(seller.pk)
        from django.core.cache import cache

        cache.clear()  # the dedupe key, not the cache, keeps it to one

    assert Notification.objects.filter(kind="ai_budget_exhausted", recipient=owner).count() == 1


def test_a_zero_budget_means_no_calls(fake_llm, seller):
    set_runtime("ai_daily_budget_usd", 0)

    with pytest.raises(BudgetExhausted):
        llm_analyze(seller_id=seller.pk, kind="chat", rating=None, text="Где заказ?", product=None)

    assert fake_llm.requests == []


def test_no_seller_no_budget(seller):
    set_runtime("ai_daily_budget_usd", 0)

    budget_check(None)  # staff quality checks are not a shop's spending


def test_the_budget_runs_by_the_shops_day_and_tells_again_the_next_day(seller, owner):
    set_runtime("ai_daily_budget_usd", 0.01)
    seller.timezone = "Asia/Vladivostok"  # UTC+10
    seller.save()
    # 13:30 UTC on 1 March is 23:30 in Vladivostok: still 1 March there.
    factories.LLMCallFactory(
        seller=seller, cost_usd=Decimal("0.02"), created_at=datetime(2026, 3, 1, 13, 30, tzinfo=UTC)
    )

    with freeze_time("2026-03-01 13:45:00"):
        status = ai_budget_status(seller)
        with pytest.raises(BudgetExhausted):
            budget_check(seller.pk)
    with freeze_time("2026-03-01 14:05:00"):  # 00:05 on 2 March in Vladivostok: a new day
        fresh = ai_budget_status(seller.pk)
        budget_check(seller.pk)
        factories.LLMCallFactory(seller=seller, cost_usd=Decimal("0.01"))
        with pytest.raises(BudgetExhausted):
            budget_check(seller.pk)

    assert status == {
        "spent_usd": Decimal("0.02"),
        "budget_usd": Decimal("0.01"),
        "exhausted": True,
        "day": date(2026, 3, 1),
        "resets_at": datetime(2026, 3, 1, 14, 0, tzinfo=UTC),
    }
    assert (fresh["spent_usd"], fresh["exhausted"], fresh["day"]) == (Decimal(0), False, date(2026, 3, 2))
    assert sorted(Notification.objects.filter(kind="ai_budget_exhausted").values_list("dedupe_key", flat=True)) == [
        f"ai_budget:{seller.pk}:2026-03-01",
        f"ai_budget:{seller.pk}:2026-03-02",
    ]


def test_budget_status_in_moscow_by_default(seller):
    factories.LLMCallFactory(
        seller=seller, cost_usd=Decimal("0.25"), created_at=datetime(2026, 5, 9, 20, 59, tzinfo=UTC)
    )
    factories.LLMCallFactory(
        seller=seller, cost_usd=Decimal("0.50"), created_at=datetime(2026, 5, 9, 21, 0, tzinfo=UTC)
    )
    factories.LLMCallFactory(seller=None, cost_usd=Decimal("9"), created_at=datetime(2026, 5, 9, 21, 30, tzinfo=UTC))

    status = ai_budget_status(seller, now=datetime(2026, 5, 10, 8, 0, tzinfo=UTC))

    # 21:00 UTC is midnight in Moscow: only the second call is on 10 May.
    assert status["spent_usd"] == Decimal("0.5")
    assert status["budget_usd"] == Decimal("1.0")
    assert status["exhausted"] is False
    assert status["day"] == date(2026, 5, 10)
