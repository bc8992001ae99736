"""The admin is a Russian operator console: every model is there, every page opens for staff, every label
and title reads as Russian, and times show in Moscow time."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.auth.models import Group
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from agentiq.models import RuntimeSetting
from integrations.models import ProductCard
from interactions.models import Interaction, Message
from sellers.models import Seller, User
from tests import factories

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"agentiq", "sellers", "integrations", "interactions", "notifications", "guardrails", "ai", "leads"}
CYRILLIC = re.compile("[А-Яа-яЁё]")


def project_models() -> list:
    return [model for model in apps.get_models() if model._meta.app_label in PROJECT_APPS]


def registered_models() -> list:
    return list(admin.site._registry)


def model_id(model) -> str:
    return model._meta.label


def make_instance(model) -> models.Model:
    """One saved row of any model the admin shows."""
    makers = {
        RuntimeSetting: lambda: RuntimeSetting.objects.get_or_create(key="auto_close_days", defaults={"value": 7})[0],
        User: factories.UserFactory,
        Seller: factories.SellerFactory,
        Group: lambda: Group.objects.create(name="Операторы"),
        PeriodicTask: lambda: PeriodicTask.objects.create(
            name="Тестовая задача",
            task="integrations.tasks.sync_all_sellers",
            interval=IntervalSchedule.objects.create(every=30, period=IntervalSchedule.SECONDS),
        ),
        IntervalSchedule: lambda: IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES),
        CrontabSchedule: lambda: CrontabSchedule.objects.create(minute="0", hour="3"),
        SolarSchedule: lambda: SolarSchedule.objects.create(event="sunrise", latitude=55.75, longitude=37.62),
        ClockedSchedule: lambda: ClockedSchedule.objects.create(clocked_time=datetime(2030, 1, 1, tzinfo=UTC)),
        ProductCard: lambda: ProductCard.objects.create(nm_id=123456, name="Кружка", card={"imt_name": "Кружка"}),
    }
    if model in makers:
        return makers[model]()
    factory = getattr(factories, f"{model.__name__}Factory")
    return factory()


def admin_url(model, view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def is_russian(label: object) -> bool:
    return bool(CYRILLIC.search(str(label)))


def is_auto_pk(model, name: str) -> bool:
    # Django's own primary key reads «ID» in Russian too.
    return name in ("id", "pk") or (name == model._meta.pk.name and model._meta.pk.auto_created)


def staff_request(staff, path: str = "/admin/"):
    request = RequestFactory().get(path)
    request.user = staff
    return request


def test_every_project_model_is_registered():
    missing = [model._meta.label for model in project_models() if model not in admin.site._registry]
    assert missing == []


@pytest.mark.parametrize("model", registered_models(), ids=model_id)
def test_changelist_add_and_change_pages_open_for_staff(client, staff, model):
    obj = make_instance(model)
    model_admin = admin.site._registry[model]
    client.force_login(staff)

    listing = client.get(admin_url(model, "changelist"), {"q": "x"} if model_admin.search_fields else {})
    change = client.get(admin_url(model, "change", obj.pk))
    add = client.get(admin_url(model, "add"))

    assert listing.status_code == 200
    assert change.status_code == 200
    request = staff_request(staff)
    assert add.status_code == (200 if model_admin.has_add_permission(request) else 403)


@pytest.mark.parametrize("model", project_models(), ids=model_id)
def test_every_field_of_a_project_model_has_a_russian_name(model):
    with translation.override("ru"):
        english = [
            f"{field.name}={field.verbose_name}"
            for field in model._meta.get_fields()
            if field.concrete and not is_auto_pk(model, field.name) and not is_russian(field.verbose_name)
        ]
        assert is_russian(model._meta.verbose_name) and is_russian(model._meta.verbose_name_plural)
        assert is_russian(apps.get_app_config(model._meta.app_label).verbose_name)
    assert english == []


@pytest.mark.parametrize("model", registered_models(), ids=model_id)
def test_every_label_staff_see_is_russian(staff, model):
    """List columns, filters, form fields, read-only fields, fieldsets, actions and inlines of every admin."""
    obj = make_instance(model)
    model_admin = admin.site._registry[model]
    request = staff_request(staff)
    english: list[str] = []

    def check(kind: str, name: str, label: object) -> None:
        if not is_russian(label):
            english.append(f"{kind} {name}={label}")

    with translation.override("ru"):
        for name in model_admin.get_list_display(request):
            if name != "action_checkbox" and not is_auto_pk(model, name):
                check("column", name, label_for_field(name, model, model_admin))
        changelist = model_admin.get_changelist_instance(request)
        for spec in changelist.filter_specs:
            check("filter", type(spec).__name__, spec.title)
        for _, (_, name, description) in model_admin.get_actions(request).items():
            check("action", name, description)

        for instance in (None, obj):
            form = model_admin.get_form(request, instance)
            for name, field in form.base_fields.items():
                check("form field", name, field.label or capfirst(name))
                if field.help_text:
                    check("help text", name, field.help_text)
            for name in model_admin.get_readonly_fields(request, instance):
                check("read-only field", name, label_for_field(name, model, model_admin, form=form))
            for title, _ in model_admin.get_fieldsets(request, instance):
                if title is not None:
                    check("fieldset", "", title)

        for inline in model_admin.get_inline_instances(request, obj):
            check("inline", type(inline).__name__, inline.verbose_name_plural)
            formset = inline.get_formset(request, obj)
            for name in inline.get_fields(request, obj):
                field = formset.form.base_fields.get(name)
                label = field.label if field else label_for_field(name, inline.model, inline)
                check("inline field", name, label)
    assert english == []


@pytest.mark.parametrize("model", registered_models(), ids=model_id)
def test_titles_read_as_russian(client, staff, model):
    obj = make_instance(model)
    client.force_login(staff)

    titles = [
        client.get(admin_url(model, "changelist")).context["title"],
        client.get(admin_url(model, "change", obj.pk)).context["title"],
    ]

    for title in titles:
        assert is_russian(title), title
        # Django's stock «Выберите %s для изменения» and «Изменить %s» put the noun in the wrong case.
        assert "для изменения" not in title and "для просмотра" not in title


def test_titles_put_nouns_in_the_right_case(client, staff):
    setting = make_instance(RuntimeSetting)
    client.force_login(staff)

    listing = client.get("/admin/agentiq/runtimesetting/")
    add = client.get("/admin/agentiq/runtimesetting/add/")
    change = client.get(f"/admin/agentiq/runtimesetting/{setting.pk}/change/")
    delete = client.get(f"/admin/agentiq/runtimesetting/{setting.pk}/delete/")
    seller_add = client.get("/admin/sellers/seller/add/")

    assert listing.context["title"] == "Настройки"
    assert "Добавить настройку" in listing.content.decode()
    assert add.context["title"] == "Добавить настройку"
    assert change.context["title"] == "Изменить настройку"
    assert "удалить настройку" in delete.content.decode()
    assert seller_add.context["title"] == "Добавить продавца"


def test_read_only_pages_are_titled_by_the_noun(client, staff):
    interaction = factories.InteractionFactory()
    client.force_login(staff)

    page = client.get(f"/admin/interactions/interaction/{interaction.pk}/change/")

    assert page.context["title"] == "Обращение"


def test_animate_nouns_get_their_own_bulk_delete_label(staff):
    request = staff_request(staff)
    actions = admin.site._registry[Seller].get_actions(request)

    assert actions["delete_selected"][2] == "Удалить выбранных продавцов"


def test_admin_speaks_russian(client, staff):
    client.force_login(staff)
    html = client.get("/admin/").content.decode()
    assert "AgentIQ — администрирование" in html
    assert "Выйти" in html


def test_admin_stays_russian_for_a_browser_asking_for_english(client, staff):
    client.force_login(staff)

    html = client.get("/admin/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()

    assert "Выйти" in html
    assert "Log out" not in html


def test_admin_lists_show_times_in_moscow(client, staff):
    # 09:30 UTC is 12:30 in Moscow (UTC+3, no daylight saving).
    interaction = factories.InteractionFactory(created_at=datetime(2025, 3, 14, 9, 30, tzinfo=UTC))
    factories.InteractionEventFactory(interaction=interaction, created_at=datetime(2025, 3, 14, 9, 30, tzinfo=UTC))
    client.force_login(staff)

    interactions = client.get("/admin/interactions/interaction/").content.decode()
    events = client.get("/admin/interactions/interactionevent/").content.decode()

    assert "14.03.2025 12:30" in interactions
    assert "14 марта 2025 г. 12:30" in events  # a plain datetime column, formatted by Django itself
    # No cell shows UTC (the event's own str(), in a checkbox label, still does: see its __str__).
    assert "09:30<" not in interactions + events


def test_the_api_keeps_utc_after_an_admin_request(client, staff, owner_client, owner):
    interaction = factories.InteractionFactory(
        connection=factories.ConnectionFactory(seller=owner.seller), created_at=datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    )
    client.force_login(staff)
    client.get("/admin/interactions/interaction/")

    body = owner_client.get(f"/api/interactions/{interaction.pk}").json()

    assert body["created_at"].startswith("2025-03-14T09:30")


def test_interaction_list_shows_what_the_buyer_wrote(client, staff):
    interaction = factories.InteractionFactory()
    factories.MessageFactory(
        interaction=interaction,
        text="Заказал   кружку,\nпришла с трещиной. " + "Очень расстроен. " * 20,
        created_at=datetime(2025, 3, 14, 9, 0, tzinfo=UTC),
    )
    factories.OutgoingMessageFactory(interaction=interaction, text="Нам очень жаль!")
    client.force_login(staff)

    html = client.get("/admin/interactions/interaction/").content.decode()

    assert "Заказал кружку, пришла с трещиной." in html  # whitespace folded into one line
    assert "Очень расстроен. " * 20 not in html  # cut
    assert "Нам очень жаль" not in html  # our answer is not the buyer's words


def test_interaction_list_costs_the_same_queries_for_more_rows(client, staff):
    client.force_login(staff)
    factories.MessageFactory()
    client.get("/admin/interactions/interaction/")  # warm the session and content types

    def queries_for_list() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/interactions/interaction/").status_code == 200
        return len(captured)

    few = queries_for_list()
    for _ in range(15):
        factories.MessageFactory()
    assert queries_for_list() == few


def test_raw_json_is_folded_on_the_interaction_page(client, staff):
    interaction = factories.InteractionFactory(raw={"id": "fb-1", "text": "Плохо упаковано"})
    Message.objects.filter(interaction=interaction).delete()
    client.force_login(staff)

    html = client.get(f"/admin/interactions/interaction/{interaction.pk}/change/").content.decode()

    assert "<details><summary>" in html
    assert "Плохо упаковано" in html
    assert Interaction.objects.get(pk=interaction.pk).raw["id"] == "fb-1"
