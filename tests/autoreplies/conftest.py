"""A shop with auto-replies on and WB reviews that went through the real AI step (the offline analyzer and
its template drafts), so each test starts where the auto-replies do: after the drafts are written."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from ai.services import process_interactions
from interactions.models import Interaction
from interactions.records import CustomerRecord, InteractionRecord, MessageRecord
from interactions.services import upsert_records
from tests.factories import AutoReplyRuleFactory, AutoReplySettingsFactory, ConnectionFactory

_ids = itertools.count(1)


@pytest.fixture
def connection(seller):
    return ConnectionFactory(seller=seller, marketplace="wb")


@pytest.fixture
def shop(seller):
    return AutoReplySettingsFactory(seller=seller)


@pytest.fixture
def rule(shop):
    return AutoReplyRuleFactory(seller=shop.seller)


@pytest.fixture
def arrive(connection):
    """Import reviews (or questions) as the sync would and run the AI step on them; returns the interactions."""

    def make(*items: dict, analyze: bool = True) -> list[Interaction]:
        now = timezone.now() - timedelta(minutes=5)
        records = []
        for item in items:
            n = next(_ids)
            ext = item.get("ext") or f"fb-{n}"
            kind = item.get("kind", "review")
            records.append(
                InteractionRecord(
                    kind=kind,
                    external_id=ext,
                    created_at=now,
                    messages=[
                        MessageRecord(
                            external_id=ext, direction="in", author="buyer", text=item.get("text", ""), created_at=now
                        )
                    ],
                    customer=CustomerRecord(external_id=item.get("buyer_id", ""), name=item.get("name", "Анна")),
                    product_id=item.get("product_id", str(100 + n)),  # one product each: no suggested links
                    product_name=item.get("product_name", "Платье летнее"),
                    rating=item.get("rating", 5 if kind == "review" else None),
                )
            )
        upsert_records(connection=connection, records=records)
        found = list(
            Interaction.objects.filter(
                connection=connection, external_id__in=[r.external_id for r in records]
            ).order_by("pk")
        )
        if analyze:
            process_interactions([i.pk for i in found])
            for interaction in found:
                interaction.refresh_from_db()
        return found

    return make
