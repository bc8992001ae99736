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
    # The demo shop works 09–13 and 14–20 on weekdays, 10–16 on Saturday.
    week = seller.working_calendar.week
    assert week["0"] == [["09:00", "13:00"], ["14:00", "20:00"]] and week["5"] == [["10:00", "16:00"]]
    assert "6" not in week

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


@pytest.fixture
def eager_tasks():
    from agentiq.celery import app as celery_app

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_the_demo_inbox_looks_like_a_normal_working_day(settings, sandbox, eager_tasks):
    from integrations.sync.engine import sync_connection
    from interactions.models import Direction, Interaction, SLAState

    settings.DEBUG = True
    sandbox.state.configure(rate_limits=False)
    run()
    seller = Seller.objects.get(name="Демо-магазин")
    for connection in seller.connections.all():
        sync_connection(connection_id=connection.pk)

    items = list(Interaction.objects.filter(seller=seller).prefetch_related("messages"))
    assert len(items) >= 30
    assert {i.marketplace for i in items} == {"wb", "ozon"}
    states = [i.sla_state for i in items if i.needs_response]
    breached, due_soon, fresh = (states.count(s) for s in (SLAState.BREACHED, SLAState.DUE_SOON, SLAState.OK))
    assert 1 <= breached <= 2 and breached / len(items) <= 0.05
    assert due_soon >= 1
    assert fresh > breached + due_soon  # mostly fresh

    def texts(item, direction):
        return [m.text for m in sorted(item.messages.all(), key=lambda m: m.created_at) if m.direction == direction]

    reviews = [i for i in items if i.kind == "review"]
    for review in (r for r in reviews if r.rating <= 3):
        for answer in texts(review, Direction.OUT):
            assert "понравил" not in answer.lower(), (review.rating, texts(review, Direction.IN), answer)
            assert any(w in answer.lower() for w in ("жаль", "извин", "спасибо за честный")), answer
    assert any(r.rating <= 3 and texts(r, Direction.OUT) for r in reviews)
    for question in (i for i in items if i.kind == "question"):
        asked, answers = texts(question, Direction.IN)[0], texts(question, Direction.OUT)
        if answers and "размер" in asked.lower():
            assert "размер" in answers[0].lower(), (asked, answers)
    unnamed = [(i.marketplace, i.kind, i.product_id) for i in items if i.product_id and not i.product_name]
    assert unnamed == []
