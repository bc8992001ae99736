"""Leads in the staff console: status workflow with its history, filters, search and the CSV for Excel."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from leads.exports import leads_csv
from leads.models import Lead, LeadStatus, LeadStatusChange
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/leads/lead/"


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def rows_of(response) -> list[str]:
    return re.findall(r'<tr><td class="action-checkbox">.*?</tr>', response.content.decode(), re.S)


def test_the_list_counts_in_russian(admin_client):
    LeadFactory.create_batch(3)

    html = admin_client.get(LIST).content.decode()

    assert "3 заявки" in html


def test_changing_the_status_records_who_and_when(admin_client, staff):
    lead = LeadFactory()
    page = admin_client.get(f"{LIST}{lead.pk}/change/")
    assert page.status_code == 200

    response = admin_client.post(f"{LIST}{lead.pk}/change/", {
        "status": "contacted", "note": "Перезвонить в пятницу",
        "status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0",
    })  # fmt: skip

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.note, lead.status_changed_by) == ("contacted", "Перезвонить в пятницу", staff)
    [change] = LeadStatusChange.objects.all()
    assert (change.from_status, change.to_status, change.changed_by) == ("new", "contacted", staff)
    assert "история статусов" in admin_client.get(f"{LIST}{lead.pk}/change/").content.decode().lower()


def test_saving_the_note_alone_leaves_no_history(admin_client):
    lead = LeadFactory()
    admin_client.post(f"{LIST}{lead.pk}/change/", {
        "status": "new", "note": "Не отвечает",
        "status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0",
    })  # fmt: skip

    assert Lead.objects.get().note == "Не отвечает"
    assert LeadStatusChange.objects.count() == 0


def test_the_bulk_action_moves_the_status(admin_client, staff):
    leads = LeadFactory.create_batch(2)
    already = LeadFactory(status=LeadStatus.SPAM)

    response = admin_client.post(
        LIST, {"action": "mark_spam", "_selected_action": [lead.pk for lead in [*leads, already]]}, follow=True
    )

    assert "Статус «спам»: 2 заявки." in response.content.decode()
    assert set(Lead.objects.values_list("status", flat=True)) == {"spam"}
    assert LeadStatusChange.objects.filter(changed_by=staff).count() == 2


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"marketplace": "wb"}, {"Только WB", "Обе"}),
        ({"marketplace": "ozon"}, {"Только Ozon", "Обе"}),
        ({"marketplace": "both"}, {"Обе"}),
        ({"utm_source": "yandex"}, {"Только WB"}),
        ({"utm_source": "__none__"}, {"Только Ozon", "Обе"}),
        ({"status__exact": "qualified"}, {"Обе"}),
        ({"q": "Ozon"}, {"Только Ozon"}),
        ({"q": "+7912555"}, {"Только WB"}),
    ],
)
def test_filters_and_search(admin_client, query, names):
    LeadFactory(name="Только WB", sells_on_wb=True, utm_source="yandex", phone="+79125550000")
    LeadFactory(name="Только Ozon", sells_on_wb=False, sells_on_ozon=True)
    LeadFactory(name="Обе", sells_on_wb=True, sells_on_ozon=True, status=LeadStatus.QUALIFIED)

    html = admin_client.get(LIST, query).content.decode()

    shown = {name for name in ("Только WB", "Только Ozon", "Обе") if f">{name}</a>" in html}
    assert shown == names


def test_the_csv_opens_in_excel_with_cyrillic(admin_client):
    lead = LeadFactory(
        name="Анна Петрова",
        phone="+79123456789",
        telegram="uyut_dom",
        shop_name="Уютный дом; текстиль",
        sells_on_ozon=True,
        comment='=HYPERLINK("http://evil","нажми")\nвторая строка',
        utm_source="yandex",
        created_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
    )
    LeadFactory(name="Другой", phone="+375291234567", sells_on_wb=False)

    response = admin_client.post(LIST, {"action": "export_csv", "_selected_action": [lead.pk]})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="agentiq-leads-')
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8, not cp1251
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Номер;Создана;Статус;Имя;Телефон;")
    assert "\r\n" in text
    [header, row] = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    record = dict(zip(header, row, strict=True))
    assert record["Номер"] == str(lead.pk)
    assert record["Создана"] == "02.03.2026 12:30"  # Moscow time
    assert record["Статус"] == "новая"
    assert record["Имя"] == "Анна Петрова"
    assert record["Телефон"] == "8 (912) 345-67-89"  # text to Excel, not the number 79123456789
    assert record["Telegram"] == "@uyut_dom"
    assert record["Магазин"] == "Уютный дом; текстиль"
    assert record["Маркетплейсы"] == "Wildberries, Ozon"
    assert record["Комментарий"].startswith("'=HYPERLINK(")  # shown, never run
    assert record["utm_source"] == "yandex"


def test_foreign_phones_keep_their_country_code():
    lead = LeadFactory.build(phone="+375291234567", pk=1)

    text = leads_csv([lead]).decode("utf-8-sig")

    assert ";'+375 29 123-45-67;" in text


def test_leads_are_not_added_by_hand(admin_client):
    assert admin_client.get(f"{LIST}add/").status_code == 403
