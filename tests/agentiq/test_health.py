"""/api/health: real checks against the database, the cache and the broker; real failed connections."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.django_db


def test_health_all_up_is_200_with_latencies(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert set(body["checks"]) == {"database", "cache", "broker"}
    for check in body["checks"].values():
        assert check["state"] == "up"
        assert check["latency_ms"] >= 0


def test_health_cache_down_is_503_naming_cache(client, settings, closed_port):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    response = client.get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["cache"]
    assert body["checks"]["cache"]["state"] == "down"
    assert body["checks"]["database"]["state"] == "up"
    assert "cache" in body["detail"]
    assert body["code"] == "unavailable"


def test_health_redis_broker_down_is_503_naming_broker(client, settings, closed_port):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port}/0"
    response = client.get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"]
    assert body["checks"]["broker"]["error"] == "ConnectionError"
    # The URL (which may carry a password) is never echoed.
    assert str(closed_port) not in response.content.decode()


def test_health_redis_broker_up(client, settings):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL not set: the Redis broker check runs in CI")
    settings.CELERY_BROKER_URL = redis_url
    assert client.get("/api/health").status_code == 200


def test_health_filesystem_broker_checks_its_folder(client, settings, tmp_path):
    folder = tmp_path / "broker"
    folder.mkdir()
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    assert client.get("/api/health").status_code == 200

    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path / "missing"),
        "data_folder_out": str(tmp_path / "missing"),
    }
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]


def test_health_filesystem_broker_folder_that_is_a_file_is_down(client, settings, tmp_path):
    not_a_folder = tmp_path / "broker"
    not_a_folder.write_text("")
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(not_a_folder), "data_folder_out": str(tmp_path)}
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["state"] == "down"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_health_filesystem_broker_read_only_folder_is_down(client, settings, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    try:
        assert client.get("/api/health").status_code == 503
    finally:
        folder.chmod(0o700)


def test_health_is_anonymous_and_not_throttled(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1/min", "user": "1/min"}}
    for _ in range(3):
        assert client.get("/api/health").status_code == 200
