"""Throttling: JSON 429 with Retry-After, per user for the seller API, per IP for anonymous calls."""

from __future__ import annotations

import pytest
from django.core.cache.backends.locmem import LocMemCache
from freezegun import freeze_time
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    def set_rates(**rates: str) -> None:
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**current, **rates}}

    return set_rates


def bearer_client(user) -> APIClient:
    client = APIClient()
    token = client.post("/api/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
    return client


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"
    assert response.json()["detail"]


def test_user_rate_is_per_user(rates, owner, agent):
    owner_client, agent_client = bearer_client(owner), bearer_client(agent)
    rates(user="3/min")
    for _ in range(3):
        assert owner_client.get("/api/me").status_code == 200
    assert_throttled(owner_client.get("/api/me"))
    # Another user of the same shop (same IP) still has their own budget.
    assert agent_client.get("/api/me").status_code == 200


def test_anon_rate_is_per_ip(rates, db):
    rates(anon="2/min")
    client = APIClient()
    # The schema is public: the anonymous rate applies (DRF checks permissions before throttles).
    for _ in range(2):
        assert client.get("/api/schema", REMOTE_ADDR="198.51.100.1").status_code == 200
    assert_throttled(client.get("/api/schema", REMOTE_ADDR="198.51.100.1"))
    assert client.get("/api/schema", REMOTE_ADDR="198.51.100.2").status_code == 200


def test_auth_endpoints_have_their_own_stricter_rate(rates, owner):
    rates(auth="2/min", anon="100/min")
    client = APIClient()
    for _ in range(2):
        response = client.post("/api/auth/token", {"email": owner.email, "password": "wrong"}, format="json")
        assert response.status_code == 401
    # Even the right password is refused once the login budget is spent.
    response = client.post("/api/auth/token", {"email": owner.email, "password": DEFAULT_PASSWORD}, format="json")
    assert_throttled(response)
    register = client.post("/api/auth/register", {}, format="json")
    assert_throttled(register)


def test_throttle_counts_live_in_the_cache(rates, owner):
    from django.core.cache import cache

    client = bearer_client(owner)
    rates(user="1/min")
    assert client.get("/api/me").status_code == 200
    assert client.get("/api/me").status_code == 429
    cache.clear()
    assert client.get("/api/me").status_code == 200


def test_agent_and_other_shop_unaffected_by_one_users_burst(rates, owner):
    other = UserFactory(role="owner")
    burst, calm = bearer_client(owner), bearer_client(other)
    rates(user="1/min")
    burst.get("/api/team")
    assert burst.get("/api/team").status_code == 429
    assert calm.get("/api/team").status_code == 200


def test_cache_outage_lets_requests_through_instead_of_500(settings, owner, closed_port):
    client = bearer_client(owner)
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    response = client.get("/api/me")
    assert response.status_code == 200
    assert response.json()["user"]["id"] == owner.id


class CountingLocMemCache(LocMemCache):
    """A local-memory cache that counts the operations a request sends it (each a round trip on Redis)."""

    operations: list[str] = []

    def get(self, *args, **kwargs):
        self.operations.append("get")
        return super().get(*args, **kwargs)

    def set(self, *args, **kwargs):
        self.operations.append("set")
        return super().set(*args, **kwargs)

    def add(self, *args, **kwargs):
        self.operations.append("add")
        return super().add(*args, **kwargs)

    def incr(self, *args, **kwargs):
        self.operations.append("incr")
        return super().incr(*args, **kwargs)


@pytest.fixture
def counting_cache(settings):
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": f"{__name__}.CountingLocMemCache", "LOCATION": "throttle-count"}}
    cache.clear()  # local memory outlives the test, and user ids are reused after a rollback
    CountingLocMemCache.operations = []
    yield CountingLocMemCache.operations
    cache.clear()


def test_a_throttled_request_costs_one_cache_round_trip(counting_cache, owner):
    client = APIClient()
    client.force_authenticate(owner)
    client.get("/api/me")  # opens the window: a failed incr, then add
    assert counting_cache == ["incr", "add"]
    for _ in range(3):
        counting_cache.clear()
        assert client.get("/api/me").status_code == 200
        assert counting_cache == ["incr"]


def test_the_window_closes_after_the_period(rates, counting_cache, owner):
    client = APIClient()
    client.force_authenticate(owner)
    rates(user="2/min")
    with freeze_time("2026-03-01 12:00:00") as clock:
        assert [client.get("/api/me").status_code for _ in range(3)] == [200, 200, 429]
        clock.tick(30)
        throttled = client.get("/api/me")
        assert throttled.status_code == 429 and int(throttled["Retry-After"]) <= 60
        clock.tick(31)  # the window opened by the first request is over
        assert [client.get("/api/me").status_code for _ in range(3)] == [200, 200, 429]


def test_retry_after_is_what_is_left_of_the_window(rates, owner):
    client = bearer_client(owner)
    rates(user="1/min")
    assert client.get("/api/me").status_code == 200
    throttled = client.get("/api/me")
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
