"""Team management: list, invite (owner only), role and deactivation rules, tenancy 404s."""

from __future__ import annotations

import pytest
from django.core import mail
from rest_framework.test import APIClient

from sellers.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def client_for(user: User, password: str = DEFAULT_PASSWORD) -> APIClient:
    client = APIClient()
    response = client.post("/api/auth/token", {"email": user.email, "password": password}, format="json")
    assert response.status_code == 200, response.json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client


def test_team_lists_only_my_shop(owner, agent, other_owner):
    response = client_for(agent).get("/api/team")
    assert response.status_code == 200
    emails = {member["email"] for member in response.json()}
    assert emails == {owner.email, agent.email}


def test_staff_without_shop_gets_403_on_team(staff):
    response = client_for(staff).get("/api/team")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_owner_invites_agent_with_generated_password_shown_once(owner):
    client = client_for(owner)
    response = client.post("/api/team", {"email": "agent.new@example.com", "full_name": "Анна"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["role"] == "agent"
    generated = body["generated_password"]
    assert generated and len(generated) >= 12
    member = User.objects.get(email="agent.new@example.com")
    assert member.seller_id == owner.seller_id
    assert member.check_password(generated)
    # The password is not readable afterwards.
    listed = [m for m in client.get("/api/team").json() if m["email"] == "agent.new@example.com"]
    assert "generated_password" not in listed[0]
    assert client_for(member, generated).get("/api/me").json()["role"] == "agent"


def test_owner_invites_with_given_password(owner):
    response = client_for(owner).post(
        "/api/team", {"email": "b@example.com", "password": "другой-длинный-пароль"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["generated_password"] is None
    assert client_for(User.objects.get(email="b@example.com"), "другой-длинный-пароль")


def test_invite_validates_password_and_an_address_already_in_the_team(owner, agent):
    client = client_for(owner)
    weak = client.post("/api/team", {"email": "c@example.com", "password": "123"}, format="json")
    assert weak.status_code == 400
    assert "password" in weak.json()["errors"]
    dup = client.post("/api/team", {"email": agent.email.upper()}, format="json")
    assert dup.status_code == 400
    assert dup.json()["errors"]["email"] == ["Этот адрес уже в вашей команде."]
    assert not User.objects.filter(email="c@example.com").exists()


def _invite(client: APIClient, email: str, **extra) -> tuple[int, dict]:
    response = client.post("/api/team", {"email": email, "full_name": "Пётр", "role": "agent", **extra}, format="json")
    return response.status_code, response.json()


def _shape(body: dict) -> dict:
    """What would tell two answers apart: the keys, and each value's type."""
    return {key: type(value).__name__ for key, value in body.items()}


def test_an_address_of_another_shop_is_answered_like_a_new_one(owner, other_owner, django_capture_on_commit_callbacks):
    client = client_for(owner)
    before = User.objects.values().get(pk=other_owner.pk)

    with django_capture_on_commit_callbacks(execute=True):
        new_status, new_body = _invite(client, "new.person@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        taken_status, taken_body = _invite(client, other_owner.email)

    assert new_status == taken_status == 201
    assert _shape(new_body) == _shape(taken_body)
    assert "уже существует" not in str(taken_body)
    assert taken_body["email"] == other_owner.email
    assert taken_body["detail"] == f"Приглашение отправлено на {other_owner.email}."
    # Nothing happened to the other shop's user, and nobody joined this shop under that address.
    assert User.objects.values().get(pk=other_owner.pk) == before
    assert User.objects.filter(email=other_owner.email).count() == 1
    assert not User.objects.filter(seller=owner.seller, email=other_owner.email).exists()
    # Both addresses hear about it; only the taken one is told the invite could not be accepted.
    assert [m.to for m in mail.outbox] == [["new.person@example.com"], [other_owner.email]]
    assert owner.seller.name in mail.outbox[1].body
    assert "ничего не изменилось" in mail.outbox[1].body
    assert "ничего не изменилось" not in mail.outbox[0].body


def test_a_weak_password_is_refused_whoever_holds_the_address(owner, other_owner):
    client = client_for(owner)
    new_status, new_body = _invite(client, "new.person@example.com", password="123")
    taken_status, taken_body = _invite(client, other_owner.email, password="123")
    assert new_status == taken_status == 400
    assert new_body == taken_body
    assert len(mail.outbox) == 0


def test_a_staff_address_is_not_revealed_either(owner, staff):
    status, body = _invite(client_for(owner), staff.email)
    assert status == 201
    assert body["generated_password"]
    staff.refresh_from_db()
    assert staff.seller_id is None and staff.is_staff


def test_agent_cannot_invite_or_change_members(owner, agent):
    client = client_for(agent)
    response = client.post("/api/team", {"email": "x@example.com"}, format="json")
    assert response.status_code == 403
    assert not User.objects.filter(email="x@example.com").exists()
    assert client.patch(f"/api/team/{owner.id}", {"is_active": False}, format="json").status_code == 403
    owner.refresh_from_db()
    assert owner.is_active


def test_owner_deactivates_agent_who_then_cannot_log_in(owner, agent):
    response = client_for(owner).patch(f"/api/team/{agent.id}", {"is_active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    login = APIClient().post("/api/auth/token", {"email": agent.email, "password": DEFAULT_PASSWORD}, format="json")
    assert login.status_code == 401


def test_owner_reactivates_and_promotes_agent(owner, agent):
    client = client_for(owner)
    client.patch(f"/api/team/{agent.id}", {"is_active": False}, format="json")
    response = client.patch(f"/api/team/{agent.id}", {"is_active": True, "role": "owner"}, format="json")
    assert response.status_code == 200
    agent.refresh_from_db()
    assert agent.is_active and agent.role == "owner"


def test_owner_cannot_deactivate_themselves(owner):
    response = client_for(owner).patch(f"/api/team/{owner.id}", {"is_active": False}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "self_deactivate"
    owner.refresh_from_db()
    assert owner.is_active


def test_last_owner_cannot_be_demoted(owner, agent):
    response = client_for(owner).patch(f"/api/team/{owner.id}", {"role": "agent"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "last_owner"
    owner.refresh_from_db()
    assert owner.role == "owner"


def test_second_owner_can_be_deactivated_but_not_the_last(owner):
    second = UserFactory(seller=owner.seller, role="owner")
    client = client_for(owner)
    assert client.patch(f"/api/team/{second.id}", {"is_active": False}, format="json").status_code == 200
    # Now owner is the only active owner: demoting themselves would leave the shop without one.
    response = client.patch(f"/api/team/{owner.id}", {"role": "agent"}, format="json")
    assert response.json()["code"] == "last_owner"


def test_second_owner_lets_owner_step_down(owner):
    UserFactory(seller=owner.seller, role="owner")
    response = client_for(owner).patch(f"/api/team/{owner.id}", {"role": "agent"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "agent"


def test_member_of_another_shop_is_404(owner, other_owner):
    client = client_for(owner)
    response = client.patch(f"/api/team/{other_owner.id}", {"is_active": False}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    other_owner.refresh_from_db()
    assert other_owner.is_active
    # Same answer as for an id that does not exist at all.
    assert client.patch("/api/team/999999", {"is_active": False}, format="json").status_code == 404


def test_patch_with_bad_role_is_400(owner, agent):
    response = client_for(owner).patch(f"/api/team/{agent.id}", {"role": "admin"}, format="json")
    assert response.status_code == 400
    assert "role" in response.json()["errors"]
