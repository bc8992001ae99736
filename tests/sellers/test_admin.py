"""Staff manage shops and users in the Russian admin with email login."""

from __future__ import annotations

import pytest

from sellers.models import User

pytestmark = pytest.mark.django_db


def test_admin_login_page_is_russian(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "Пароль" in response.content.decode()


def test_staff_logs_into_admin_with_email(client, staff):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff.email, "password": "Str0ng-pass-for-tests"}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user == staff


def test_seller_changelist_search_and_members_inline(client, staff, owner, agent):
    client.force_login(staff)
    listing = client.get("/admin/sellers/seller/", {"q": owner.email})
    assert listing.status_code == 200
    assert owner.seller.name in listing.content.decode()
    page = client.get(f"/admin/sellers/seller/{owner.seller_id}/change/")
    assert page.status_code == 200
    assert agent.email in page.content.decode()


def test_user_changelist_filters_by_role(client, staff, owner, agent):
    client.force_login(staff)
    response = client.get("/admin/sellers/user/", {"role__exact": "agent"})
    assert response.status_code == 200
    html = response.content.decode()
    assert agent.email in html
    assert owner.email not in html


def test_staff_adds_an_agent_in_admin(client, staff, seller):
    client.force_login(staff)
    assert client.get("/admin/sellers/user/add/").status_code == 200
    response = client.post(
        "/admin/sellers/user/add/",
        {
            "email": "Added@Example.com",
            "full_name": "Новый агент",
            "seller": seller.pk,
            "role": "agent",
            "password1": "admin-made-pass-123",
            "password2": "admin-made-pass-123",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="added@example.com")
    assert user.seller == seller and user.role == "agent"
    assert user.check_password("admin-made-pass-123")


def test_member_of_a_seller_is_not_staff_and_cannot_open_admin(client, owner):
    client.force_login(owner)
    response = client.get("/admin/")
    assert response.status_code == 302
