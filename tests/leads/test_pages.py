"""The landing, its form without JavaScript, the thank-you page and the privacy policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from leads.models import Lead

pytestmark = pytest.mark.django_db

SECTIONS = ('id="features"', 'id="steps"', 'id="tariffs"', 'id="faq"', 'id="zayavka"')


def test_the_landing_has_every_section_and_a_sign_in_link(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert all(section in html for section in SECTIONS)
    assert 'href="/app/"' in html
    assert 'href="/privacy"' in html
    assert 'action="/lead#zayavka"' in html and 'data-api="/api/leads"' in html
    assert "csrftoken" in response.cookies


def test_nothing_is_loaded_from_outside(client):
    html = client.get("/").content.decode()

    external = re.findall(r'(?:src|href)="((?:https?:)?//[^"]+)"', html)
    assert external == []
    assert "mc.yandex.ru" not in html


def test_the_counter_is_there_only_when_configured(client, settings):
    settings.METRIKA_COUNTER_ID = "12345678"

    html = client.get("/").content.decode()
    policy = client.get("/privacy").content.decode()

    assert 'ym(12345678,"init"' in html
    assert 'data-metrika="12345678"' in html
    assert "Яндекс Метрика" in policy


def test_page_weight_before_images_is_under_100_kb(client):
    html = client.get("/").content
    assets = re.findall(r'(?:src|href)="/static/([^"]+\.(?:css|js))"', html.decode())
    sizes = [len(html)] + [Path(finders.find(asset)).stat().st_size for asset in assets]

    assert {Path(asset).suffix for asset in assets} == {".css", ".js"}
    assert sum(sizes) < 100 * 1024


def test_campaign_labels_and_the_referrer_are_captured(client):
    html = client.get(
        "/", {"utm_source": "yandex", "utm_medium": "cpc", "utm_campaign": "wb"}, HTTP_REFERER="https://ya.ru/"
    ).content.decode()

    assert 'name="utm_source" value="yandex"' in html
    assert 'name="utm_campaign" value="wb"' in html
    assert 'name="referrer" value="https://ya.ru/"' in html


def test_the_plain_form_stores_the_lead_and_shows_the_thank_you_page(client, form):
    response = client.post("/lead", form(utm_source="yandex"), REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 302
    assert response["Location"] == "/thanks"
    lead = Lead.objects.get()
    assert (lead.phone, lead.sells_on_wb, lead.sells_on_ozon, lead.utm_source) == ("+79123456789", True, True, "yandex")
    page = client.get("/thanks")
    assert page.status_code == 200
    assert "Заявка принята" in page.content.decode()


def test_the_plain_form_shows_errors_next_to_the_fields_and_keeps_the_values(client, form):
    response = client.post("/lead", form(phone="123", consent=..., email="anna@", name="Анна <b>"))

    assert response.status_code == 400
    html = response.content.decode()
    assert "Проверьте поля, отмеченные красным." in html
    assert re.search(r'data-error-for="phone">Проверьте номер телефона', html)
    assert re.search(r'data-error-for="consent">Без согласия', html)
    assert re.search(r'data-error-for="email">Проверьте адрес', html)
    assert 'value="Анна &lt;b&gt;"' in html  # kept, escaped
    assert 'value="wb" checked' in html
    assert Lead.objects.count() == 0


def test_the_plain_form_with_no_contact_says_so(client, form):
    html = client.post("/lead", form(phone="")).content.decode()

    assert re.search(r'data-error-for="contact">Оставьте хотя бы один способ связи', html)


def test_the_plain_form_needs_the_csrf_token(form):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)

    refused = browser.post("/lead", form())
    accepted = browser.post("/lead", {**form(), "csrfmiddlewaretoken": token})

    assert refused.status_code == 403
    assert "обновите страницу" in refused.content.decode()  # our page with the form, not Django's bare 403
    assert accepted.status_code == 302
    assert Lead.objects.count() == 1


def test_the_privacy_policy_names_consent_purpose_and_retention(client, settings):
    settings.LEAD_RETENTION_DAYS = 180
    settings.PRIVACY_EMAIL = "pd@agentiq.example"
    settings.PRIVACY_OPERATOR = "ООО «Агент»"

    html = client.get("/privacy").content.decode()

    for text in ("152-ФЗ", "согласие", "Зачем", "180 дней", "pd@agentiq.example", "ООО «Агент»", "хеша"):
        assert text in html


def test_the_form_lives_where_the_landing_links_it(client):
    assert client.get("/lead").status_code == 405


@pytest.mark.parametrize("path", ["/", "/thanks", "/privacy"])
def test_pages_answer_head_for_monitors_and_crawlers(client, path):
    assert client.head(path).status_code == 200
