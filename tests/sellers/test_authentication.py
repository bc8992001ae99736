"""The JWT authentication loads the user and their shop in one query, keeping simplejwt's checks."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import AccessToken

from sellers.authentication import _users_with_seller
from sellers.models import Seller, User
from tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(user)}"}


def test_user_and_shop_come_in_one_query(client):
    user = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/me", **bearer(user))
    assert response.status_code == 200
    if connection.vendor == "postgresql":  # the prepared statement (its SQL: the test below)
        user_queries = [q["sql"] for q in queries if q["sql"].startswith("EXECUTE agentiq_jwt_user")]
        assert 'JOIN "sellers_seller"' in _lookup().statement._prepare_sql
    else:
        user_queries = [q["sql"] for q in queries if 'FROM "sellers_user"' in q["sql"]]
        assert 'JOIN "sellers_seller"' in user_queries[0]
    assert len(user_queries) == 1
    assert not [q for q in queries if 'FROM "sellers_seller"' in q["sql"]]


def test_an_inactive_user_is_refused(client):
    user = UserFactory()
    headers = bearer(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get("/api/me", **headers).status_code == 401


def test_an_unknown_user_is_refused(client):
    user = UserFactory()
    headers = bearer(user)
    user.delete()
    response = client.get("/api/me", **headers)
    assert response.status_code == 401


def _lookup():
    return _users_with_seller(User).objects


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the prepared lookup is PostgreSQL's")
@pytest.mark.parametrize("with_shop", [True, False])
def test_the_prepared_lookup_builds_what_the_orm_builds(django_assert_num_queries, with_shop):
    user = UserFactory() if with_shop else StaffUserFactory()
    orm = User.objects.select_related("seller").get(pk=user.pk)
    with django_assert_num_queries(1):
        found = _lookup().get(id=user.pk)
        assert found.seller == orm.seller  # cached: no second query
    assert type(found) is User and found._state.adding is False and found._state.db == "default"
    for field in User._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(orm, field.attname), field.name
    if with_shop:
        for field in Seller._meta.concrete_fields:
            assert getattr(found.seller, field.attname) == getattr(orm.seller, field.attname), field.name
    with pytest.raises(User.DoesNotExist):
        _lookup().get(id=user.pk + 1000)
    assert _lookup().get(id=str(user.pk)).pk == user.pk  # as the token carries it
    # What the statement does not take goes to the ORM, as before.
    with django_assert_num_queries(1) as queries:
        assert _lookup().get(id=f" {user.pk}").pk == user.pk
    assert 'FROM "sellers_user"' in queries.captured_queries[0]["sql"]
    with pytest.raises(User.DoesNotExist):
        _lookup().get(id=2**63)
