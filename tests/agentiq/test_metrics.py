"""/api/metrics: only for METRICS_ALLOWED_IPS or the bearer token; everyone else sees a 404."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

OUTSIDE_IP = "203.0.113.7"
TOKEN = "m" * 40


def test_allowed_ip_reads_prometheus_metrics(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    client.get("/api/health")  # so there is a request to count
    response = client.get("/api/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "django_http_requests_total_by_method_total" in text
    assert "django_http_responses_total_by_status_view_method_total" in text
    assert 'view="health"' in text
    assert "django_http_requests_latency_seconds_by_view_method" in text


def test_other_ip_gets_404_json(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/api/metrics", REMOTE_ADDR=OUTSIDE_IP)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert b"django_http" not in response.content


def test_token_opens_metrics_from_anywhere(client, settings):
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/api/metrics", REMOTE_ADDR=OUTSIDE_IP, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert b"django_http_requests_total_by_method_total" in response.content


@pytest.mark.parametrize("header", [f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", TOKEN, "Bearer ", "Basic abc"])
def test_wrong_token_is_404(client, settings, header):
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/api/metrics", REMOTE_ADDR=OUTSIDE_IP, HTTP_AUTHORIZATION=header).status_code == 404


def test_empty_token_setting_never_matches(client, settings):
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_TOKEN = ""
    assert client.get("/api/metrics", REMOTE_ADDR=OUTSIDE_IP, HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_forwarded_for_header_does_not_open_metrics(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    response = client.get("/api/metrics", REMOTE_ADDR=OUTSIDE_IP, HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 404
