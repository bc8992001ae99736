"""JWT login, refresh, /api/me and sign-up, over the API with real tokens."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from sellers.models import Seller, User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client: APIClient, email: str, password: str = DEFAULT_PASSWORD):
    return client.post("/api/auth/token", {"email": email, "password": password}, format="json")


def test_login_returns_tokens_that_open_me(owner):
    client = APIClient()
    response = login(client, owner.email)
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = client.get("/api/me")
    assert me.status_code == 200
    body = me.json()
    assert body["user"]["email"] == owner.email
    assert body["seller"] == {**body["seller"], "id": owner.seller_id, "name": owner.seller.name}
    assert body["role"] == "owner"
    assert "password" not in body["user"]


def test_login_is_case_insensitive_on_email(owner):
    assert login(APIClient(), owner.email.upper()).status_code == 200


@pytest.mark.parametrize("password", ["wrong-password", ""])
def test_wrong_password_is_json_401_or_400(owner, password):
    response = login(APIClient(), owner.email, password)
    assert response.status_code == (401 if password else 400)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] in {"no_active_account", "invalid"}


def test_unknown_email_is_json_401(db):
    response = login(APIClient(), "nobody@example.com")
    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"
    assert "detail" in response.json()


def test_deactivated_user_cannot_log_in(agent):
    agent.is_active = False
    agent.save()
    assert login(APIClient(), agent.email).status_code == 401


def test_refresh_gives_a_working_access_token(owner):
    client = APIClient()
    refresh = login(client, owner.email).json()["refresh"]
    response = client.post("/api/auth/refresh", {"refresh": refresh}, format="json")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert client.get("/api/me").json()["user"]["id"] == owner.id


def test_refresh_with_garbage_is_401(db):
    response = APIClient().post("/api/auth/refresh", {"refresh": "not-a-token"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_me_without_token_is_401_and_with_bad_token_401(db):
    client = APIClient()
    assert client.get("/api/me").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Bearer abc.def.ghi")
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_me_for_staff_has_no_seller(staff):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(client, staff.email).json()['access']}")
    body = client.get("/api/me").json()
    assert body["seller"] is None
    assert body["role"] == ""
    assert body["user"]["is_staff"] is True


def test_register_creates_shop_and_owner_and_logs_in(db):
    client = APIClient()
    response = client.post(
        "/api/auth/register",
        {"email": "New.Owner@Example.com", "password": "очень-длинный-пароль-1", "shop_name": "Мой магазин"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    user = User.objects.get(email="new.owner@example.com")
    assert user.role == "owner"
    assert user.seller.name == "Мой магазин"
    assert user.seller.timezone == "Europe/Moscow"
    assert body["seller"]["id"] == user.seller_id
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert client.get("/api/me").json()["role"] == "owner"
    # The new password works for a normal login too.
    assert login(APIClient(), "new.owner@example.com", "очень-длинный-пароль-1").status_code == 200


def test_register_duplicate_email_is_400_field_error(owner):
    sellers_before = Seller.objects.count()
    response = APIClient().post(
        "/api/auth/register",
        {"email": owner.email.upper(), "password": "очень-длинный-пароль-1", "shop_name": "Второй"},
        format="json",
    )
    assert response.status_code == 400
    assert "email" in response.json()["errors"]
    assert Seller.objects.count() == sellers_before


@pytest.mark.parametrize("password", ["12345678", "short", "password"])
def test_register_weak_password_is_400_field_error(db, password):
    response = APIClient().post(
        "/api/auth/register", {"email": "a@example.com", "password": password, "shop_name": "X"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["password"]
    assert not User.objects.filter(email="a@example.com").exists()
    assert not Seller.objects.exists()


def test_register_missing_fields_names_them(db):
    response = APIClient().post("/api/auth/register", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "password", "shop_name"}


def test_deactivated_shop_member_is_refused_by_seller_api(owner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(client, owner.email).json()['access']}")
    owner.seller.is_active = False
    owner.seller.save()
    assert client.get("/api/team").status_code == 403


def test_token_of_user_deactivated_later_stops_working(owner):
    agent = UserFactory(seller=owner.seller, role="agent")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(client, agent.email).json()['access']}")
    assert client.get("/api/me").status_code == 200
    agent.is_active = False
    agent.save()
    assert client.get("/api/me").status_code == 401
