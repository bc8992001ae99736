"""Timestamps read from PostgreSQL: psycopg's C loader, with exactly Django's result."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from interactions.models import Interaction
from tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="a psycopg loader")


@needs_postgres
def test_timestamps_come_back_as_written_aware_in_utc():
    moscow = datetime.timezone(datetime.timedelta(hours=3))
    written = [
        datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 1, 12, 0, 0, 500000, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 1, 15, 30, 1, 7, tzinfo=moscow),
        datetime.datetime(1, 1, 1, 0, 0, 0, tzinfo=datetime.UTC),
        datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC),
    ]
    ids = [InteractionFactory(created_at=value).pk for value in written]

    read = dict(Interaction.objects.filter(pk__in=ids).values_list("pk", "created_at"))
    with connection.cursor() as cursor:  # a raw cursor reads them the same way
        cursor.execute("SELECT id, created_at FROM interactions_interaction WHERE id = ANY(%s)", [ids])
        raw = dict(cursor.fetchall())

    for pk, value in zip(ids, written, strict=True):
        assert read[pk] == value and raw[pk] == value
        assert read[pk].tzinfo is datetime.UTC and raw[pk].tzinfo is datetime.UTC
    assert read[ids[2]].isoformat() == "2026-03-01T12:30:01.000007+00:00"


@needs_postgres
def test_the_c_loader_is_the_one_in_use():
    from psycopg.postgres import types
    from psycopg.pq import Format

    from agentiq.db import UtcTimestamptzLoader

    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
    assert UtcTimestamptzLoader is not None and loader is UtcTimestamptzLoader
    assert type(loader(types["timestamptz"].oid, connection.connection)._c_loader).__module__.startswith(
        ("psycopg_binary", "psycopg_c")
    )
