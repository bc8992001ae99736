"""Staff read the LLM's books: filters by shop, purpose, model, error and cache hit; totals of what is listed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai.models import LLMCall
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/admin/ai/llmcall/"


@pytest.fixture
def calls(seller):
    other = factories.SellerFactory(name="Другой магазин")
    return [
        factories.LLMCallFactory(seller=seller, prompt_tokens=1000, completion_tokens=100, cost_usd=Decimal("0.00038")),
        factories.LLMCallFactory(
            seller=seller, purpose="draft", prompt_tokens=2000, completion_tokens=300, cost_usd=Decimal("0.00087")
        ),
        factories.LLMCallFactory(seller=seller, purpose="repair", error="schema", cost_usd=Decimal("0.0004")),
        factories.LLMCallFactory(seller=other, error="timeout", prompt_tokens=0, completion_tokens=0, cost_usd=0),
        factories.LLMCallFactory(
            seller=other, cache_hit=True, model="other-model", prompt_tokens=0, completion_tokens=0, cost_usd=0
        ),
    ]


def totals(response) -> dict:
    return response.context["llm_totals"]


def test_the_list_shows_totals_of_what_is_listed(client, staff, calls, seller):
    client.force_login(staff)

    everything = client.get(URL)
    of_seller = client.get(URL, {"seller__id__exact": seller.pk})

    assert everything.status_code == 200
    assert totals(everything)["calls"] == 5
    assert totals(everything)["cost_usd"] == Decimal("0.00165")
    assert totals(of_seller) == {
        "calls": 3,
        "prompt_tokens": 4000,
        "cached_prompt_tokens": 0,
        "completion_tokens": 500,
        "cost_usd": Decimal("0.00165"),
    }
    html = everything.content.decode()
    assert "Итого по выбранным: вызовов 5" in html
    assert "стоимость $0,0017" in html or "стоимость $0.0017" in html


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"purpose__exact": "draft"}, 1),
        ({"model": "other-model"}, 1),
        ({"error": "-"}, 3),
        ({"error": "*"}, 2),
        ({"error": "timeout"}, 1),
        ({"cache_hit__exact": "1"}, 1),
    ],
)
def test_filters(client, staff, calls, params, count):
    client.force_login(staff)

    response = client.get(URL, params)

    assert response.status_code == 200
    assert totals(response)["calls"] == count


def test_the_books_are_read_only(client, staff, calls):
    client.force_login(staff)
    call = calls[0]

    assert client.get(URL + "add/").status_code == 403
    page = client.get(f"{URL}{call.pk}/change/")
    assert page.status_code == 200
    client.post(f"{URL}{call.pk}/change/", {"cost_usd": "0"})
    call.refresh_from_db()
    assert call.cost_usd == Decimal("0.00038")
    assert LLMCall.objects.count() == 5
