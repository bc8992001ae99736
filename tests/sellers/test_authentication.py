"""The JWT authentication loads the user and their shop in one query, keeping simplejwt's checks."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import AccessToken

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(user)}"}


def test_user_and_shop_come_in_one_query(client):
    user = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/me", **bearer(user))
    assert response.status_code == 200
    user_queries = [q["sql"] for q in queries if 'FROM "sellers_user"' in q["sql"]]
    assert len(user_queries) == 1 and 'JOIN "sellers_seller"' in user_queries[0]
    assert not [q for q in queries if q["sql"].startswith('SELECT "sellers_seller"')]


def test_an_inactive_user_is_refused(client):
    user = UserFactory()
    headers = bearer(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get("/api/me", **headers).status_code == 401
