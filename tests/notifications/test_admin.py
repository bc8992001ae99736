"""The notification log in the admin: staff read who was told what; nobody edits it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/notifications/notification/"


@pytest.fixture
def log(owner, agent):
    read = NotificationFactory(recipient=owner, text="Подключение «Основной» не работает.", read_at=timezone.now())
    mailed = NotificationFactory(
        recipient=agent, kind="sla_breached", text="Срок ответа нарушен.", wants_email=True, emailed_at=timezone.now()
    )
    waiting = NotificationFactory(
        recipient=UserFactory(seller=owner.seller), text="Токен скоро истечёт.", wants_email=True
    )
    return {"read": read, "mailed": mailed, "waiting": waiting}


def listed(response) -> set[int]:
    return {row.pk for row in response.context["cl"].result_list}


def test_the_log_lists_filters_and_searches(client, staff, log, owner):
    client.force_login(staff)

    everything = client.get(URL)
    assert everything.status_code == 200
    assert listed(everything) == {n.pk for n in log.values()}
    assert "Подключение «Основной» не работает." in everything.content.decode()

    assert listed(client.get(URL, {"read": "yes"})) == {log["read"].pk}
    assert listed(client.get(URL, {"read": "no"})) == {log["mailed"].pk, log["waiting"].pk}
    assert listed(client.get(URL, {"emailed": "sent"})) == {log["mailed"].pk}
    assert listed(client.get(URL, {"emailed": "waiting"})) == {log["waiting"].pk}
    assert listed(client.get(URL, {"emailed": "none"})) == {log["read"].pk}
    assert listed(client.get(URL, {"kind__exact": "sla_breached"})) == {log["mailed"].pk}
    assert listed(client.get(URL, {"q": owner.email})) == {log["read"].pk}
    assert listed(client.get(URL, {"q": "Токен"})) == {log["waiting"].pk}
    assert listed(client.get(URL, {"seller__id__exact": owner.seller_id})) == {n.pk for n in log.values()}


def test_the_log_is_read_only(client, staff, log):
    client.force_login(staff)
    notification = log["waiting"]

    assert client.get(f"{URL}add/").status_code == 403
    page = client.get(f"{URL}{notification.pk}/change/")
    assert page.status_code == 200 and page.context["title"] == "Уведомление"
    client.post(f"{URL}{notification.pk}/change/", {"text": "изменено"})
    notification.refresh_from_db()
    assert notification.text == "Токен скоро истечёт."
