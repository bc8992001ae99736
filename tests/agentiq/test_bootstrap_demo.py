"""bootstrap_demo: idempotent demo shop, owner and staff user with printed logins; refused with DEBUG off."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from sellers.models import Seller, User

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("bootstrap_demo", *args, stdout=out)
    return out.getvalue()


def test_creates_demo_logins_that_work(settings, client):
    settings.DEBUG = True
    output = run()
    seller = Seller.objects.get(name="Демо-магазин")
    owner = User.objects.get(email="owner@demo.local")
    assert owner.seller == seller and owner.role == "owner"
    staff = User.objects.get(email="admin@demo.local")
    assert staff.is_staff and staff.is_superuser and staff.seller is None

    assert "owner@demo.local / demo-owner-pass" in output
    assert "admin@demo.local / demo-admin-pass" in output

    token = APIClient().post(
        "/api/auth/token", {"email": "owner@demo.local", "password": "demo-owner-pass"}, format="json"
    )
    assert token.status_code == 200
    assert client.login(email="admin@demo.local", password="demo-admin-pass")
    assert client.get("/admin/").status_code == 200


def test_is_idempotent_and_restores_a_changed_password(settings):
    settings.DEBUG = True
    run()
    owner = User.objects.get(email="owner@demo.local")
    owner.set_password("changed-by-someone")
    owner.save()
    run()
    assert Seller.objects.filter(name="Демо-магазин").count() == 1
    assert User.objects.filter(email__in=["owner@demo.local", "admin@demo.local"]).count() == 2
    seller = Seller.objects.get(name="Демо-магазин")
    assert sorted(seller.connections.values_list("marketplace", flat=True)) == ["ozon", "wb"]
    owner.refresh_from_db()
    assert owner.check_password("demo-owner-pass")


def test_refused_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        run()
    assert not Seller.objects.filter(name="Демо-магазин").exists()
    run("--force")
    assert Seller.objects.filter(name="Демо-магазин").exists()
