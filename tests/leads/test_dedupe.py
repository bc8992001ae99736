"""A repeat of the same contact within 24 hours is merged into the first lead: sales call once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils.timezone import now
from freezegun import freeze_time

from leads.models import Lead
from leads.services import LeadData, lead_submit
from tests.factories import LeadFactory
from tests.leads.conftest import token_issued

pytestmark = pytest.mark.django_db


def test_the_same_phone_twice_is_one_lead(api, form):
    api(form(comment="Хотим попробовать"))
    api(
        form(
            phone="+7 912 345 67 89", email="anna@example.ru", comment="И ещё: у нас 3 кабинета", marketplaces=["ozon"]
        )
    )

    lead = Lead.objects.get()
    assert lead.repeat_count == 1
    assert lead.email == "anna@example.ru"  # what the first lacked comes from the repeat
    assert lead.comment.startswith("Хотим попробовать\n\n[повторная заявка ")
    assert lead.comment.endswith("]\nИ ещё: у нас 3 кабинета")
    assert lead.last_submitted_at > lead.created_at


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"email": "Anna@Example.ru"}, {"phone": "", "email": "anna@example.ru"}),
        ({"telegram": "@Uyut_Dom"}, {"phone": "", "telegram": "https://t.me/uyut_dom"}),
        ({"phone": "+79123456789"}, {"phone": "89123456789", "email": "other@example.ru"}),
    ],
    ids=["email", "telegram", "phone-written-otherwise"],
)
def test_any_shared_contact_merges(api, form, first, second):
    api(form(**first))
    api(form(**second))

    assert Lead.objects.count() == 1


def test_the_first_lead_keeps_its_own_values(api, form):
    api(form(name="Анна", shop_name="Уютный дом", utm_source="yandex"))
    api(form(name="Анна Петровна", shop_name="Другое", utm_source="vk"))

    lead = Lead.objects.get()
    assert (lead.name, lead.shop_name, lead.utm_source) == ("Анна", "Уютный дом", "yandex")


def test_the_same_comment_is_not_appended_twice(api, form):
    api(form(comment="Перезвоните"))
    api(form(comment="Перезвоните"))

    assert Lead.objects.get().comment == "Перезвоните"


def test_after_24_hours_it_is_a_new_lead(api, form):
    with freeze_time(now() - timedelta(hours=25)):
        api(form(form_token=token_issued(30)))

    api(form())

    assert Lead.objects.count() == 2
    assert set(Lead.objects.values_list("repeat_count", flat=True)) == {0}


def test_different_contacts_are_different_leads(api, form):
    api(form(phone="+79123456789"))
    api(form(phone="+79123456780"))

    assert Lead.objects.count() == 2


def test_the_repeat_goes_to_the_first_of_several(db):
    first = LeadFactory(phone="+79120000001", email="", created_at=now() - timedelta(hours=3))
    LeadFactory(phone="", email="a@b.ru", created_at=now() - timedelta(hours=1))

    result = lead_submit(data=LeadData(phone="+79120000001", email="a@b.ru"))

    assert result.created is False
    assert result.lead.pk == first.pk
