"""Helpers for tests that run a part of AgentIQ in another process (a sync, a beat tick, a Celery worker)
against this test's database and sandbox."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from django.db import connection as db_connection


def child_env(sandbox_url: str, **overrides: object) -> dict[str, str]:
    """The environment of a child process: this test's (PostgreSQL) database, the sandbox, `overrides`."""
    database = db_connection.settings_dict
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{host}:{port}/{database['NAME']}",
        "WB_FEEDBACKS_BASE_URL": sandbox_url,
        "WB_CHAT_BASE_URL": sandbox_url,
        "OZON_BASE_URL": sandbox_url,
        "WB_CDN_BASE_URL": sandbox_url + "/cdn/basket-{basket}",
    }
    env.update({name: str(value) for name, value in overrides.items()})
    return env


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(interval)
