"""POST /api/leads: what a visitor's form becomes, and the Russian message next to each field it refuses."""

from __future__ import annotations

import pytest

from leads.models import Lead
from leads.serializers import CONSENT_REQUIRED, CONTACT_REQUIRED, PHONE_INVALID, TELEGRAM_INVALID

pytestmark = pytest.mark.django_db

THANKS = {"detail": "Спасибо! Заявка принята: мы свяжемся с вами в течение рабочего дня.", "code": "accepted"}


def test_a_lead_is_stored_normalized(api, form):
    response = api(
        form(
            email="Anna.Shop@Example.RU",
            telegram="@Uyut_Dom",
            utm_source="yandex",
            utm_medium="cpc",
            utm_campaign="wb-sellers",
            referrer="https://yandex.ru/search/?text=ответы+на+отзывы+wb",
        )
    )

    assert response.status_code == 201
    assert response.json() == THANKS  # no id: a bot must not tell a stored lead from a refused one
    lead = Lead.objects.get()
    assert (lead.name, lead.phone, lead.email, lead.telegram) == (
        "Анна",
        "+79123456789",
        "anna.shop@example.ru",
        "uyut_dom",
    )
    assert (lead.shop_name, lead.sells_on_wb, lead.sells_on_ozon) == ("Уютный дом", True, True)
    assert (lead.utm_source, lead.utm_medium, lead.utm_campaign) == ("yandex", "cpc", "wb-sellers")
    assert lead.referrer.startswith("https://yandex.ru/search/")
    assert lead.status == Lead.Status.NEW and lead.consent_at is not None
    assert len(lead.ip_hash) == 64 and "203.0.113.7" not in lead.ip_hash


@pytest.mark.parametrize(
    ("fields", "stored"),
    [
        ({"phone": "+7 (912) 345-67-89"}, {"phone": "+79123456789"}),
        ({"phone": "9123456789"}, {"phone": "+79123456789"}),
        ({"phone": "+375 29 123-45-67"}, {"phone": "+375291234567"}),
        ({"phone": "", "email": "a@b.ru"}, {"phone": "", "email": "a@b.ru"}),
        ({"phone": "", "telegram": "https://t.me/Shop_Owner"}, {"telegram": "shop_owner"}),
        ({"phone": "", "telegram": "t.me/shopowner/"}, {"telegram": "shopowner"}),
        ({"marketplaces": []}, {"sells_on_wb": False, "sells_on_ozon": False}),
        ({"marketplaces": ["ozon", "ozon"]}, {"sells_on_wb": False, "sells_on_ozon": True}),
        ({"utm_source": "x" * 500, "referrer": "https://e.ru/" + "a" * 900}, {"utm_source": "x" * 200}),
    ],
)
def test_what_is_accepted_and_how_it_is_stored(api, form, fields, stored):
    assert api(form(**fields)).status_code == 201
    lead = Lead.objects.get()
    assert {field: getattr(lead, field) for field in stored} == stored
    assert len(lead.referrer) <= 500


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"phone": "12345"}, "phone", PHONE_INVALID),
        ({"phone": "+7 912 345"}, "phone", PHONE_INVALID),
        ({"phone": "позвоните мне"}, "phone", PHONE_INVALID),
        ({"email": "anna@"}, "email", "Проверьте адрес эл. почты: например, name@example.ru."),
        ({"telegram": "@abc"}, "telegram", TELEGRAM_INVALID),
        ({"telegram": "@1shop"}, "telegram", TELEGRAM_INVALID),
        ({"telegram": "@shop-owner"}, "telegram", TELEGRAM_INVALID),
        ({"phone": "", "email": "", "telegram": ""}, "contact", CONTACT_REQUIRED),
        ({"phone": ...}, "contact", CONTACT_REQUIRED),
        ({"consent": False}, "consent", CONSENT_REQUIRED),
        ({"consent": ...}, "consent", CONSENT_REQUIRED),
        ({"marketplaces": ["yandex"]}, "marketplaces", "Выберите Wildberries или Ozon."),
        ({"name": "Я" * 101}, "name", "Убедитесь, что это значение содержит не более 100 символов."),
        ({"comment": "а" * 2001}, "comment", "Убедитесь, что это значение содержит не более 2000 символов."),
    ],
)
def test_each_refusal_names_its_field_in_russian(api, form, fields, field, message):
    response = api(form(**fields))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"] == "Проверьте введённые данные."
    errors = body["errors"][field]
    flat = [text for item in (errors.values() if isinstance(errors, dict) else [errors]) for text in item]
    assert message in flat
    assert Lead.objects.count() == 0


def test_several_errors_come_back_together(api, form):
    body = api(form(phone="1", email="nope", consent=False)).json()

    assert set(body["errors"]) == {"phone", "email", "consent"}


@pytest.mark.parametrize("body", [{"phone": None, "consent": True}, {"marketplaces": "wb"}, {"name": ["a"]}])
def test_wrong_types_are_a_400_not_a_500(api, form, body):
    assert api(form(**body)).status_code == 400


def test_only_json_is_accepted(client, form):
    response = client.post("/api/leads", {"phone": "+79123456789", "consent": "true"})

    assert response.status_code == 415
    assert Lead.objects.count() == 0


def test_a_signed_in_session_needs_no_csrf_token(client, staff, form):
    # The endpoint authenticates nobody: a staff session open in the same browser must not make it demand CSRF.
    client.force_login(staff)
    client.handler.enforce_csrf_checks = True

    response = client.post("/api/leads", form(), content_type="application/json")

    assert response.status_code == 201


def test_the_endpoint_is_in_the_schema(client):
    schema = client.get("/api/schema", {"format": "json"}).json()

    assert "post" in schema["paths"]["/api/leads"]
