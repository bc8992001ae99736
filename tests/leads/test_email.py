"""One e-mail to SALES_EMAIL per new lead, sent by a task queued after the commit; none for a merged repeat."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from leads.models import Lead
from leads.services import LeadData, lead_email_send, lead_submit
from leads.tasks import send_lead_email

pytestmark = pytest.mark.django_db

TASK = "leads.tasks.send_lead_email"


@pytest.fixture
def sales(settings):
    settings.SALES_EMAIL = "sales@agentiq.local"
    settings.PUBLIC_BASE_URL = "https://agentiq.example"


def test_a_new_lead_queues_one_email_after_the_commit(api, form, sales, sent_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api(form(email="anna@example.ru", telegram="@uyut_dom", utm_source="yandex"))
    lead = Lead.objects.get()
    assert sent_tasks == [(TASK, [lead.pk])]

    assert send_lead_email(lead.pk) is True

    [message] = mail.outbox
    assert message.to == ["sales@agentiq.local"]
    assert message.subject == "AgentIQ: новая заявка — Уютный дом"
    for text in ("Имя: Анна", "Телефон: +79123456789", "Эл. почта: anna@example.ru", "Telegram: @uyut_dom",
                 "Маркетплейсы: Wildberries, Ozon", "Источник: yandex",
                 f"https://agentiq.example/admin/leads/lead/{lead.pk}/change/"):  # fmt: skip
        assert text in message.body
    assert Lead.objects.get().sales_emailed_at is not None


def test_the_task_sends_once_however_often_it_runs(db, sales):
    lead = lead_submit(data=LeadData(phone="+79123456789")).lead

    assert [lead_email_send(lead_id=lead.pk) for _ in range(3)] == [True, False, False]
    assert len(mail.outbox) == 1


def test_a_merged_repeat_sends_nothing(api, form, sales, sent_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api(form())
    with django_capture_on_commit_callbacks(execute=True):
        api(form(comment="ещё раз"))

    assert len(sent_tasks) == 1


def test_without_sales_email_nothing_is_queued(api, form, settings, sent_tasks, django_capture_on_commit_callbacks):
    settings.SALES_EMAIL = ""
    with django_capture_on_commit_callbacks(execute=True):
        api(form())

    assert Lead.objects.count() == 1
    assert sent_tasks == []
    assert lead_email_send(lead_id=Lead.objects.get().pk) is False


def test_a_rolled_back_lead_queues_nothing(db, sales, sent_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        lead_submit(data=LeadData(phone="+79123456789"))
        raise RuntimeError

    assert sent_tasks == []


def test_a_failed_send_is_tried_again(db, sales, monkeypatch):
    lead = lead_submit(data=LeadData(phone="+79123456789")).lead

    def smtp_down(*args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr("leads.services.send_mail", smtp_down)
    with pytest.raises(ConnectionRefusedError):
        lead_email_send(lead_id=lead.pk)
    assert Lead.objects.get().sales_emailed_at is None
    monkeypatch.undo()

    assert lead_email_send(lead_id=lead.pk) is True
    assert len(mail.outbox) == 1


def test_a_broker_outage_does_not_fail_the_visitor(api, form, sales, monkeypatch, django_capture_on_commit_callbacks):
    from agentiq.celery import app as celery_app

    def broker_down(*args, **kwargs):
        raise ConnectionError

    monkeypatch.setattr(celery_app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(form())

    assert response.status_code == 201
    assert Lead.objects.count() == 1
