"""Bots (a filled honeypot, a form sent too fast, a timestamp we never signed) see a success; nothing is stored."""

from __future__ import annotations

import re

import pytest
from django.core import signing

from leads.models import Lead
from leads.spam import Verdict, judge
from tests.leads.conftest import token_issued

pytestmark = pytest.mark.django_db


def resolved(fields: dict) -> dict:
    # Tokens are made when the test runs, not when pytest collects it (their age is the point).
    return {key: value() if callable(value) else value for key, value in fields.items()}


ACCEPTED = {"detail": "Спасибо! Заявка принята: мы свяжемся с вами в течение рабочего дня.", "code": "accepted"}


@pytest.mark.parametrize(
    "fields",
    [
        {"website": "https://cheap-seo.example"},
        {"form_token": lambda: token_issued(0.5)},
        {"form_token": ...},
        {"form_token": ""},
        {"form_token": "made-up-token"},
        {"form_token": signing.dumps({"t": 0}, salt="another-salt")},
        {"form_token": signing.dumps({"no": "time"}, salt="agentiq.leads.form")},
    ],
    ids=["honeypot", "too-fast", "no-token", "empty-token", "forged", "foreign-signature", "no-timestamp"],
)
def test_the_api_answers_bots_like_visitors_and_stores_nothing(api, form, fields, sent_tasks, settings):
    settings.SALES_EMAIL = "sales@agentiq.local"

    response = api(form(**resolved(fields)))

    assert (response.status_code, response.json()) == (201, ACCEPTED)
    assert Lead.objects.count() == 0
    assert sent_tasks == []


def test_a_bot_is_answered_before_its_fields_are_checked(api, form):
    # An invalid form from a bot still looks accepted: the errors would tell it what to fix.
    response = api(form(website="x", phone="1", consent=False))

    assert response.status_code == 201
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    "fields",
    [{"website": "https://cheap-seo.example"}, {"form_token": lambda: token_issued(0.2)}, {"form_token": "forged"}],
    ids=["honeypot", "too-fast", "forged"],
)
def test_the_plain_form_sends_bots_to_the_thank_you_page(client, form, fields):
    response = client.post("/lead", form(**resolved(fields)))

    assert response.status_code == 302
    assert response["Location"] == "/thanks"
    assert Lead.objects.count() == 0


def test_a_page_left_open_for_days_asks_for_a_reload(api, form):
    response = api(form(form_token=token_issued(2 * 24 * 3600)))

    assert response.status_code == 400
    assert response.json()["errors"]["form_token"] == [
        "Страница была открыта слишком долго. Обновите её и отправьте заявку ещё раз."
    ]
    assert Lead.objects.count() == 0


def test_the_minimum_fill_time_is_a_setting(settings):
    settings.LEAD_MIN_FILL_SECONDS = 10
    assert judge(token=token_issued(5), honeypot="") is Verdict.TOO_FAST
    assert judge(token=token_issued(11), honeypot="") is Verdict.HUMAN


def test_the_landing_serves_a_fresh_token_and_the_hidden_field(client):
    html = client.get("/").content.decode()

    [token] = re.findall(r'name="form_token" value="([^"]+)"', html)
    assert judge(token=token, honeypot="") is Verdict.TOO_FAST  # just served
    assert 'name="website"' in html and 'tabindex="-1"' in html
