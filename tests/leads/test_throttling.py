"""5 leads a minute and 50 a day per IP, counted in the shared cache for the API and the plain form alike."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from leads.models import Lead
from leads.throttling import LeadMinuteThrottle, throttled_message

pytestmark = pytest.mark.django_db


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["code"] == "throttled"
    assert body["detail"].startswith("Слишком много заявок с вашего адреса. Попробуйте ещё раз через ")


def test_the_sixth_request_in_a_minute_is_a_429(api, form):
    for n in range(5):
        assert api(form(phone=f"+7912000000{n}")).status_code == 201

    assert_throttled(api(form(phone="+79120000009")))
    assert Lead.objects.count() == 5
    # Another visitor is not affected.
    assert api(form(phone="+79120000010"), ip="198.51.100.20").status_code == 201


def test_refused_and_bot_requests_count_too(api, form):
    for _ in range(3):
        assert api(form(phone="1")).status_code == 400
    for _ in range(2):
        assert api(form(website="spam")).status_code == 201

    assert_throttled(api(form()))


def test_fifty_a_day(api, form, rates):
    rates(leads_minute="1000/min", leads_day="3/day")
    for n in range(3):
        assert api(form(phone=f"+7912000000{n}")).status_code == 201

    response = api(form(phone="+79120000009"))

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 60


def test_the_plain_form_and_the_api_share_the_count(client, api, form):
    for n in range(3):
        assert api(form(phone=f"+7912000000{n}")).status_code == 201
    for n in range(2):
        assert client.post("/lead", form(phone=f"+7912000001{n}"), REMOTE_ADDR="203.0.113.7").status_code == 302

    page = client.post("/lead", form(phone="+79120000099"), REMOTE_ADDR="203.0.113.7")

    assert page.status_code == 429
    assert int(page["Retry-After"]) > 0
    assert "Слишком много заявок с вашего адреса" in page.content.decode()
    assert Lead.objects.count() == 5


def test_the_cache_never_holds_the_ip(rf):
    request = rf.post("/api/leads", REMOTE_ADDR="203.0.113.7")

    key = LeadMinuteThrottle().get_cache_key(request, None)

    assert "203.0.113.7" not in key
    assert key == LeadMinuteThrottle().get_cache_key(rf.post("/lead", REMOTE_ADDR="203.0.113.7"), None)
    assert key != LeadMinuteThrottle().get_cache_key(rf.post("/lead", REMOTE_ADDR="203.0.113.8"), None)


def test_behind_a_proxy_a_forged_forwarded_for_does_not_reset_the_count(api, form, rates, settings, client):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for n in range(5):
        forged = f"10.0.0.{n}, 203.0.113.7"  # what nginx sends on: the client's header, then the real address
        response = client.post(
            "/api/leads", form(phone=f"+7912000000{n}"), content_type="application/json", HTTP_X_FORWARDED_FOR=forged
        )
        assert response.status_code == 201

    response = client.post(
        "/api/leads", form(), content_type="application/json", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7"
    )

    assert response.status_code == 429


@pytest.mark.parametrize(
    ("wait", "text"),
    [(1, "1 секунду"), (45, "45 секунд"), (60, "1 минуту"), (125, "3 минуты"), (3600 * 5, "5 часов")],
)
def test_the_wait_reads_as_russian(wait, text):
    assert throttled_message(wait).endswith(f"через {text}.")


@pytest.fixture
def rates(settings):
    def set_rates(**rates: str) -> None:
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**current, **rates}}
        cache.clear()

    return set_rates
