"""Helpers for the inbox tests: a shop with a WB connection and interactions placed in time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ConnectionFactory, InteractionFactory


@pytest.fixture
def connection(seller):
    return ConnectionFactory(seller=seller)


@pytest.fixture
def make_interaction(connection):
    now = timezone.now()

    def make(minutes_ago: int = 0, **kw):
        kw.setdefault("connection", connection)
        created = now - timedelta(minutes=minutes_ago)
        kw.setdefault("created_at", created)
        kw.setdefault("last_buyer_message_at", created)
        kw.setdefault("last_message_at", created)
        return InteractionFactory(**kw)

    return make
