"""Worker database connections live CONN_MAX_AGE, not one task: Celery's Django fixup must not close them."""

from __future__ import annotations

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from agentiq.celery import _close_old_connections
from agentiq.celery import app as celery_app


def test_the_fixup_does_not_close_the_connection_after_each_task():
    fixup = DjangoWorkerFixup(celery_app)
    assert fixup.db_reuse_max >= 1_000_000


@pytest.mark.django_db(transaction=True)
def test_a_healthy_connection_survives_the_task_boundary():
    connection.ensure_connection()
    raw = connection.connection
    connection.close_at = None  # a persistent connection (CONN_MAX_AGE=None); 60 s in production
    _close_old_connections(sender=None)
    assert connection.connection is raw


@pytest.mark.django_db(transaction=True)
def test_a_broken_connection_is_dropped_at_the_task_boundary():
    connection.ensure_connection()
    connection.errors_occurred = True
    connection.close_at = None
    if connection.vendor == "sqlite":
        pytest.skip("an in-memory SQLite test database is never closed by Django")
    connection.connection.close()  # the server went away
    _close_old_connections(sender=None)
    assert connection.connection is None
