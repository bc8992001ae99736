"""What the lead tests share: a form token as the landing serves it, a valid form, and posting helpers."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from rest_framework.test import APIClient

from leads.spam import FORM_TOKEN_SALT


def token_issued(seconds_ago: float) -> str:
    """The landing's signed timestamp, as if the page had been served `seconds_ago`."""
    return signing.dumps({"t": time.time() - seconds_ago}, salt=FORM_TOKEN_SALT, compress=False)


@pytest.fixture
def form():
    def make(**fields):
        data = {
            "name": "Анна",
            "phone": "8 912 345-67-89",
            "shop_name": "Уютный дом",
            "marketplaces": ["wb", "ozon"],
            "comment": "Около 80 отзывов в день",
            "consent": True,
            "form_token": token_issued(30),
            "website": "",
        }
        data.update(fields)
        return {key: value for key, value in data.items() if value is not ...}  # ... leaves a field out

    return make


@pytest.fixture
def api():
    client = APIClient()

    def post(data, ip: str = "203.0.113.7"):
        return client.post("/api/leads", data, format="json", REMOTE_ADDR=ip)

    return post


@pytest.fixture
def sent_tasks(monkeypatch):
    """What the leads app hands the broker, without a broker."""
    from agentiq.celery import app as celery_app

    sent: list[tuple[str, list]] = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, args=None, **options: sent.append((name, args)))
    return sent
