"""The shop's own settings: members read them, owners change them; bad values change nothing."""

from __future__ import annotations

import pytest

from sellers.models import Seller
from tests.sellers.test_team import client_for

pytestmark = pytest.mark.django_db


def test_member_reads_own_shop_with_reply_settings(agent, other_owner):
    body = client_for(agent).get("/api/shop").json()
    assert body["id"] == agent.seller_id
    assert body["reply_address_form"] == "formal"
    assert body["reply_tone"] == "" and body["reply_signature"] == ""


def test_owner_changes_reply_settings(owner):
    response = client_for(owner).patch(
        "/api/shop",
        {
            "reply_tone": " тёплый, без канцелярита ",
            "reply_signature": "Команда Demo",
            "reply_address_form": "informal",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    seller = Seller.objects.get(pk=owner.seller_id)
    assert (seller.reply_tone, seller.reply_signature, seller.reply_address_form) == (
        "тёплый, без канцелярита",
        "Команда Demo",
        "informal",
    )


def test_agent_cannot_change_shop(agent):
    response = client_for(agent).patch("/api/shop", {"reply_tone": "грубый"}, format="json")
    assert response.status_code == 403
    assert Seller.objects.get(pk=agent.seller_id).reply_tone == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [("reply_address_form", "по-братски"), ("timezone", "Europe/Atlantis"), ("name", ""), ("reply_tone", "x" * 201)],
)
def test_bad_value_is_a_400_and_changes_nothing(owner, field, value):
    before = Seller.objects.values().get(pk=owner.seller_id)
    response = client_for(owner).patch("/api/shop", {"reply_signature": "Команда", field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()["detail"] or field in str(response.json())
    assert Seller.objects.values().get(pk=owner.seller_id) == before
