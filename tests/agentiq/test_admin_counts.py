"""Counts in the staff console agree with their number: «6 правил SLA», «2 просроченных обращения», «5 продавцов»
in the list footer, the search line, «выбрать все», the bulk delete, the list_editable save and the actions'
own messages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.utils import timezone, translation
from django_celery_beat.models import ClockedSchedule, CrontabSchedule

from agentiq.admin_base import RussianModelAdmin, RussianTitlesMixin
from integrations.models import Connection, QuarantinedItem
from interactions.admin import InteractionAdmin
from interactions.admin_sla import _recompute_message
from interactions.models import BreachedInteraction, SLARule
from interactions.services.recompute import RecomputeResult
from sellers.models import Seller
from tests import factories
from tests.agentiq.test_admin import CYRILLIC, model_id, registered_models

pytestmark = pytest.mark.django_db

RULES = "/admin/interactions/slarule/"
SELLERS = "/admin/sellers/seller/"
BREACHED = "/admin/interactions/breachedinteraction/"

# Where the noun counted is not the catalogue's verbose_name: «crontab», and «время», which has no count.
SINGULAR_NOT_VERBOSE_NAME = {CrontabSchedule: "расписание crontab", ClockedSchedule: "момент запуска"}


def count_forms_problems(model, model_admin) -> list[str]:
    if not isinstance(model_admin, RussianTitlesMixin):
        return ["not built on agentiq.admin_base.RussianTitlesMixin"]
    # Its own: an admin for another model would inherit a wrong noun («обращение» for the breached ones).
    if "count_forms" not in type(model_admin).__dict__:
        return [f"{type(model_admin).__name__} declares no count_forms = (one, few, many)"]
    forms = model_admin.count_forms
    problems = []
    if len(forms) != 3 or len(set(forms)) != 3:
        problems.append(f"three different forms expected: {forms}")
    if not all(CYRILLIC.search(form) for form in forms):
        problems.append(f"not Russian: {forms}")
    with translation.override("ru"):
        singular = SINGULAR_NOT_VERBOSE_NAME.get(model, str(model._meta.verbose_name))
    if forms and forms[0] != singular:
        problems.append(f"the form for 1 is {forms[0]!r}, the model is {singular!r}")
    return problems


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def footer(response) -> str:
    [paginator] = re.findall(r'<p class="paginator">(.*?)</p>', response.content.decode(), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", paginator).split())


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def no_rules():
    SLARule.objects.all().delete()  # the seeded global rules


@pytest.mark.parametrize("model", registered_models(), ids=model_id)
def test_every_admin_declares_the_three_forms_of_its_noun(model):
    assert count_forms_problems(model, admin.site._registry[model]) == []


def test_an_admin_without_its_own_forms_is_caught():
    class InheritsTheWrongNoun(InteractionAdmin):
        pass

    class DeclaresNone(RussianModelAdmin):
        pass

    site = admin.AdminSite(name="probe")
    assert count_forms_problems(BreachedInteraction, InheritsTheWrongNoun(BreachedInteraction, site)) != []
    assert count_forms_problems(Seller, DeclaresNone(Seller, site)) != []
    assert count_forms_problems(Seller, admin.ModelAdmin(Seller, site)) != []


@pytest.mark.parametrize(
    ("rows", "expected"),
    [(1, "1 правило SLA"), (2, "2 правила SLA"), (5, "5 правил SLA")],
)
def test_rule_list_footer_counts_in_russian(admin_client, no_rules, rows, expected):
    factories.SLARuleFactory.create_batch(rows)

    assert footer(admin_client.get(RULES)).startswith(expected)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [(1, "1 просроченное обращение"), (2, "2 просроченных обращения"), (5, "5 просроченных обращений")],
)
def test_breached_list_footer_agrees_the_adjective(admin_client, rows, expected):
    factories.BreachedInteractionFactory.create_batch(rows)

    assert footer(admin_client.get(BREACHED)) == expected


@pytest.mark.parametrize(("rows", "expected"), [(1, "1 продавец"), (2, "2 продавца"), (5, "5 продавцов")])
def test_seller_list_footer_counts_in_russian(admin_client, rows, expected):
    factories.SellerFactory.create_batch(rows)
    assert Seller.objects.count() == rows

    assert footer(admin_client.get(SELLERS)) == expected


def test_search_line_names_what_was_found(admin_client, no_rules):
    factories.SLARuleFactory(name="Отзывы с плохой оценкой")
    factories.SLARuleFactory.create_batch(2)

    html = admin_client.get(RULES, {"q": "плохой"}).content.decode()

    assert "Найдено: 1 правило SLA (" in html
    assert ">всего 3</a>)" in html
    assert "результат" not in html


def test_search_line_without_a_full_count_offers_to_show_all(admin_client):
    factories.InteractionFactory.create_batch(2, product_name="Кружка")
    factories.InteractionFactory(product_name="Ложка")

    html = admin_client.get("/admin/interactions/interaction/", {"q": "Кружка"}).content.decode()

    assert "Найдено: 2 обращения (" in html
    assert ">показать все</a>)" in html


def test_selection_counter_and_select_all_across_pages(admin_client, no_rules, monkeypatch):
    monkeypatch.setattr(admin.site._registry[SLARule], "list_per_page", 2)
    factories.SLARuleFactory.create_batch(5)

    html = admin_client.get(RULES).content.decode()

    assert 'data-actions-icnt="2">Выбрано 0 из 2</span>' in html  # as actions.js writes it after a click
    assert "Выбрать все (5 правил SLA)" in html
    assert "Выбраны все (5 правил SLA)" in html
    assert "5 правил SLA" in footer(admin_client.get(RULES))


@pytest.mark.parametrize(
    ("rows", "expected"),
    [(1, "Удалено: 1 правило SLA."), (2, "Удалено: 2 правила SLA."), (5, "Удалено: 5 правил SLA.")],
)
def test_bulk_delete_says_how_many_in_russian(admin_client, no_rules, rows, expected):
    rules = factories.SLARuleFactory.create_batch(rows)
    selected = {"action": "delete_selected", "_selected_action": [rule.pk for rule in rules]}

    confirmation = admin_client.post(RULES, selected)
    response = admin_client.post(RULES, {**selected, "post": "yes"}, follow=True)

    assert f"Выбрано для удаления: {expected.removeprefix('Удалено: ')}" in confirmation.content.decode()
    assert messages_of(response) == [expected]
    assert not SLARule.objects.exists()


def test_bulk_delete_of_animate_nouns(admin_client):
    sellers = factories.SellerFactory.create_batch(2)
    selected = {"action": "delete_selected", "_selected_action": [seller.pk for seller in sellers]}

    listing = admin_client.get(SELLERS).content.decode()
    confirmation = admin_client.post(SELLERS, selected).content.decode()
    response = admin_client.post(SELLERS, {**selected, "post": "yes"}, follow=True)

    assert "Удалить выбранных продавцов" in listing  # the action keeps its own label
    assert "Выбрано для удаления: 2 продавца." in confirmation
    assert "удалить продавцы" not in confirmation
    assert messages_of(response) == ["Удалено: 2 продавца."]


def test_bulk_delete_without_the_rights_to_what_it_drags_along(client):
    operator = factories.UserFactory(seller=None, role="", is_staff=True)
    operator.user_permissions.set(
        Permission.objects.filter(content_type__app_label="sellers", codename__in=["view_seller", "delete_seller"])
    )
    seller = factories.UserFactory().seller  # its owner would go with it: users are not this operator's to delete
    client.force_login(operator)

    selected = {"action": "delete_selected", "_selected_action": [seller.pk]}
    page = client.post(SELLERS, selected)
    confirmed = client.post(SELLERS, {**selected, "post": "yes"})

    assert page.context["title"] == "Не удаётся удалить: 1 продавец"
    assert "Выбрано для удаления: 1 продавец." in page.content.decode()
    assert confirmed.status_code == 403
    assert Seller.objects.filter(pk=seller.pk).exists()


def test_list_editable_save_says_how_many_in_russian(admin_client, no_rules):
    rules = factories.SLARuleFactory.create_batch(5, target_minutes=30, deadline_minutes=60)
    data = {
        "form-TOTAL_FORMS": "5",
        "form-INITIAL_FORMS": "5",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Сохранить",
    }
    for i, rule in enumerate(rules):
        changed = i < 2
        data |= {
            f"form-{i}-id": str(rule.pk),
            f"form-{i}-target_minutes": "20" if changed else "30",
            f"form-{i}-deadline_minutes": "60",
            f"form-{i}-is_active": "on",
        }

    response = admin_client.post(RULES, data, follow=True)

    assert messages_of(response) == ["Изменено: 2 правила SLA."]
    assert SLARule.objects.filter(target_minutes=20).count() == 2


def test_connection_actions_count_connections(admin_client, monkeypatch):
    queued = []
    monkeypatch.setattr("integrations.admin.enqueue_sync", queued.append)
    enabled = factories.ConnectionFactory.create_batch(2)
    disabled = factories.ConnectionFactory(is_enabled=False)
    paused = [*enabled, disabled, *factories.ConnectionFactory.create_batch(2)]
    Connection.objects.update(backoff_until=timezone.now() + timedelta(hours=1))
    url = "/admin/integrations/connection/"

    sync = admin_client.post(
        url, {"action": "sync_now", "_selected_action": [c.pk for c in [*enabled, disabled]]}, follow=True
    )
    clear = admin_client.post(url, {"action": "clear_backoff", "_selected_action": [c.pk for c in paused]}, follow=True)

    assert messages_of(sync) == ["Поставлено в очередь: 2 подключения."]
    assert sorted(queued) == sorted(c.pk for c in enabled)
    assert messages_of(clear) == ["Пауза сброшена: 5 подключений."]


def test_resolving_quarantined_items_counts_them(admin_client):
    items = factories.QuarantinedItemFactory.create_batch(2)
    QuarantinedItem.objects.filter(pk=items[1].pk).update(resolved_at=timezone.now())

    response = admin_client.post(
        "/admin/integrations/quarantineditem/",
        {"action": "mark_resolved", "_selected_action": [item.pk for item in items]},
        follow=True,
    )

    assert messages_of(response) == ["Разобрано: 1 нераспознанная запись."]


@pytest.mark.parametrize(
    ("targets", "checked", "changed", "expected"),
    [
        ([None], 0, 0, "Сроки пересчитаны во всех магазинах: ожидающих ответа обращений нет."),
        ([1], 1, 0, "Сроки пересчитаны в 1 магазине: проверено 1 ожидающее ответа обращение, сроки не изменились."),
        (
            [1, 2],
            22,
            5,
            "Сроки пересчитаны в 2 магазинах: проверено 22 ожидающих ответа обращения, сроки изменились у 5.",
        ),
        (
            list(range(21)),
            111,
            1,
            "Сроки пересчитаны в 21 магазине: проверено 111 ожидающих ответа обращений, сроки изменились у 1.",
        ),
    ],
)
def test_recompute_message_agrees_with_its_numbers(targets, checked, changed, expected):
    assert _recompute_message(targets, RecomputeResult(checked=checked, changed=changed)) == expected
