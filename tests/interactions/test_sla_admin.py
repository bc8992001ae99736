"""The SLA's staff pages: rules with what they match and govern now and a recompute action, calendars with a
readable week and their special days, the interactions past their deadline across shops, and the response
measurements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from interactions.models import CalendarDay, Interaction, SLARule
from interactions.services.sla import facts_of, rule_matches
from tests.factories import (
    BreachedInteractionFactory,
    CalendarDayFactory,
    ConnectionFactory,
    InteractionFactory,
    ResponseCycleFactory,
    SellerFactory,
    SLARuleFactory,
    UserFactory,
    WorkingCalendarFactory,
)

pytestmark = pytest.mark.django_db

RULES = "/admin/interactions/slarule/"
CALENDARS = "/admin/interactions/workingcalendar/"
BREACHED = "/admin/interactions/breachedinteraction/"


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def page_rules(response) -> dict[int, SLARule]:
    return {rule.pk: rule for rule in response.context["cl"].result_list}


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def shop_items():
    """One shop's reviews and WB chats in every state the counts tell apart, and another shop's review."""
    shop, other = SellerFactory(), SellerFactory()
    wb = ConnectionFactory(seller=shop, marketplace="wb")
    ozon = ConnectionFactory(seller=shop, marketplace="ozon")

    def item(connection=wb, **kw):
        kw.setdefault("status", "open")
        return InteractionFactory(connection=connection, **kw)

    items = [
        item(kind="review", rating=1, priority="urgent"),
        item(kind="review", rating=2, priority="urgent", connection=ozon),
        item(kind="review", rating=5, priority="low"),
        item(kind="review", rating=None, priority="normal"),
        item(kind="review", rating=1, status="closed", needs_response=False),  # not waiting
        item(kind="chat", priority="high", reply_context={"good_card": {"statusID": 0}}),  # before the purchase
        item(kind="chat", priority="high", reply_context={"good_card": {"statusID": 3}}),  # after
        item(kind="chat", priority="high", reply_context={"good_card": {"statusID": 12}}),  # cancelled: before
        item(kind="chat", priority="high", reply_context={}),  # nothing tells
        item(kind="chat", priority="high", connection=ozon, reply_context={"good_card": {"statusID": 0}}),
        item(kind="question", priority="high", needs_response=False, status="waiting"),
        InteractionFactory(connection__seller=other, kind="review", rating=1, status="open"),
    ]
    return shop, other, items


def python_count(rule: SLARule) -> int:
    """What the matcher says, with the rule switched on: a switched-off rule shows what it would take."""
    waiting = Interaction.objects.filter(needs_response=True).exclude(status="closed")
    rule.is_active = True
    return sum(rule_matches(rule, facts_of(interaction)) for interaction in waiting)


def test_would_match_counts_agree_with_the_rule_matcher(admin_client, shop_items):
    shop, _, _ = shop_items
    rules = [
        SLARuleFactory(seller=shop, kind="review", rating_min=1, rating_max=2),
        SLARuleFactory(seller=shop, kind="review", rating_max=1, marketplace="wb"),
        SLARuleFactory(seller=shop, chat_phase="pre_purchase"),
        SLARuleFactory(seller=shop, kind="chat", chat_phase="post_purchase"),
        SLARuleFactory(seller=shop, priority="high"),
        SLARuleFactory(seller=shop),
        SLARuleFactory(kind="review", rating_min=1, rating_max=1),  # global: both shops
        SLARuleFactory(marketplace="ozon", is_active=False),
    ]

    listed = page_rules(admin_client.get(RULES))

    expected = {rule.pk: python_count(rule) for rule in rules}
    assert {pk: listed[pk].match_count for pk in expected} == expected
    assert [expected[rule.pk] for rule in rules] == [2, 1, 2, 1, 5, 9, 2, 2]


def test_governs_counts_the_waits_whose_clock_the_rule_set(admin_client, shop_items):
    shop, _, items = shop_items
    rule = SLARuleFactory(seller=shop, kind="review")
    Interaction.objects.filter(pk__in=[items[0].pk, items[1].pk, items[4].pk]).update(sla_rule=rule)  # one closed

    response = admin_client.get(RULES)

    assert page_rules(response)[rule.pk].governs_count == 2
    html = response.content.decode()
    assert f'href="/admin/interactions/interaction/?sla_rule={rule.pk}&amp;needs_response__exact=1">2</a>' in html
    # The link opens exactly those interactions.
    linked = admin_client.get("/admin/interactions/interaction/", {"sla_rule": rule.pk, "needs_response__exact": 1})
    assert {i.pk for i in linked.context["cl"].result_list} == {items[0].pk, items[1].pk}


def test_rule_list_costs_the_same_queries_for_more_rules(admin_client, shop_items):
    shop, _, _ = shop_items
    SLARuleFactory(seller=shop)
    admin_client.get(RULES)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(RULES).status_code == 200
        return len(captured)

    few = queries()
    for n in range(20):
        SLARuleFactory(seller=SellerFactory() if n % 2 else shop, kind="chat", chat_phase="pre_purchase")
    assert queries() == few


def test_rule_list_reads_as_russian(admin_client):
    shop = SellerFactory(name="Чайная лавка")
    SLARuleFactory(
        seller=shop,
        name="Гневные отзывы",
        kind="review",
        rating_min=1,
        rating_max=2,
        escalation_steps=[{"after_minutes": 15, "action": "notify_owner"}],
    )

    html = admin_client.get(RULES).content.decode()

    assert "магазин «Чайная лавка»" in html
    assert "отзыв, 1–2★" in html
    assert "15 мин: уведомить владельца" in html
    assert "общее (все магазины)" in html  # the seeded defaults
    assert admin_client.get(RULES, {"scope": "shop"}).context["cl"].result_count == 1


def test_recompute_action_moves_the_shops_deadlines_and_says_how_many(admin_client):
    shop = SellerFactory()
    rule = SLARuleFactory(seller=shop, deadline_minutes=60, target_minutes=30, follows_calendar=False)
    started = timezone.now() - timedelta(minutes=10)
    stale = InteractionFactory(
        connection__seller=shop, sla_rule=rule, sla_started_at=started, first_response_due_at=started
    )
    InteractionFactory(connection__seller=SellerFactory(), sla_started_at=started)  # another shop: not read

    response = admin_client.post(RULES, {"action": "recompute_deadlines", "_selected_action": [rule.pk]}, follow=True)

    stale.refresh_from_db()
    assert stale.first_response_due_at == started + timedelta(minutes=60)
    assert messages_of(response) == [
        "Сроки пересчитаны в 1 магазине: проверено 1 ожидающее ответа обращение, сроки изменились у 1."
    ]


def test_recompute_action_on_a_global_rule_covers_every_shop(admin_client):
    started = timezone.now() - timedelta(minutes=10)
    for _ in range(2):
        InteractionFactory(connection__seller=SellerFactory(), sla_started_at=started)
    rule = SLARule.objects.filter(seller__isnull=True).first()

    response = admin_client.post(RULES, {"action": "recompute_deadlines", "_selected_action": [rule.pk]}, follow=True)

    [message] = messages_of(response)
    assert message.startswith("Сроки пересчитаны во всех магазинах: проверено 2 ожидающих ответа обращения,")


def rule_form(**overrides) -> dict:
    data = {
        "name": "Правило",
        "is_active": "on",
        "seller": "",
        "marketplace": "",
        "kind": "",
        "priority": "",
        "rating_min": "",
        "rating_max": "",
        "chat_phase": "",
        "target_minutes": "30",
        "deadline_minutes": "60",
        "follows_calendar": "on",
        "escalation_steps": "[]",
        "escalate_to": "",
    }
    return {**data, **overrides}


def test_escalation_steps_are_edited_one_per_line(admin_client):
    rule = SLARuleFactory(
        escalation_steps=[
            {"after_minutes": 15, "action": "notify_assignee"},
            {"after_minutes": 30, "action": "reassign"},
        ]
    )

    html = admin_client.get(f"{RULES}{rule.pk}/change/").content.decode()

    assert (
        "[\n  {&quot;after_minutes&quot;: 15, &quot;action&quot;: &quot;notify_assignee&quot;},\n"
        "  {&quot;after_minutes&quot;: 30, &quot;action&quot;: &quot;reassign&quot;}\n]"
    ) in html


@pytest.mark.parametrize(
    ("steps", "error"),
    [
        ('[{"after_minutes": 5, "action": "notify_everyone"}]', "Шаг 1: неизвестное действие «notify_everyone»."),
        ('[{"after_minutes": 5}]', "Шаг 1: нужны ровно два поля, after_minutes и action."),
        ('[{"after_minutes": 5, "action": "notify_owner"},]', "Это не JSON: проверьте кавычки, запятые и скобки."),
    ],
)
def test_bad_escalation_steps_are_refused_in_russian(admin_client, steps, error):
    response = admin_client.post(f"{RULES}add/", rule_form(escalation_steps=steps))

    assert response.status_code == 200  # the form again, with the error
    assert error in " ".join(response.context["adminform"].form.errors["escalation_steps"])
    assert not SLARule.objects.filter(name="Правило").exists()


def test_a_rule_form_runs_the_models_checks(admin_client):
    shop = SellerFactory()
    outsider = UserFactory(seller=SellerFactory(), role="agent")

    response = admin_client.post(
        f"{RULES}add/",
        rule_form(seller=shop.pk, kind="chat", rating_min="1", target_minutes="90", escalate_to=outsider.pk),
    )

    errors = response.context["adminform"].form.errors
    assert errors["kind"] == ["Оценка есть только у отзывов."]
    assert errors["target_minutes"] == ["«Скоро срок» наступает не позже срока ответа."]
    assert errors["escalate_to"] == ["Передавать можно только сотруднику магазина этого правила."]


def test_a_good_rule_is_saved_with_its_steps(admin_client):
    response = admin_client.post(
        f"{RULES}add/", rule_form(escalation_steps='[{"after_minutes": 5, "action": "notify_owner"}]')
    )

    assert response.status_code == 302
    assert SLARule.objects.get(name="Правило").escalation_steps == [{"after_minutes": 5, "action": "notify_owner"}]


def test_rule_times_are_editable_in_the_list(admin_client):
    shop = SellerFactory()
    rule = SLARuleFactory(seller=shop, target_minutes=10, deadline_minutes=20)
    page = admin_client.get(RULES, {"scope": "shop"})
    formset = page.context["cl"].formset
    data = {f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()}
    data.update(
        {
            "form-0-id": rule.pk,
            "form-0-target_minutes": "15",
            "form-0-deadline_minutes": "25",
            "form-0-is_active": "on",
            "_save": "Сохранить",
        }
    )

    response = admin_client.post(f"{RULES}?scope=shop", data)

    assert response.status_code == 302, response.context["cl"].formset.errors
    rule.refresh_from_db()
    assert (rule.target_minutes, rule.deadline_minutes) == (15, 25)


def test_calendar_list_shows_the_week_readably(admin_client):
    calendar = WorkingCalendarFactory(
        seller=SellerFactory(name="Лавка", timezone="Asia/Novosibirsk"),
        week={**{str(d): [["09:00", "13:00"], ["14:00", "18:00"]] for d in range(5)}, "5": [["10:00", "14:00"]]},
    )
    CalendarDayFactory.create_batch(3, calendar=calendar)

    html = admin_client.get(CALENDARS).content.decode()

    assert "пн–пт 09:00–13:00, 14:00–18:00; сб 10:00–14:00; вс выходной" in html
    assert "Asia/Novosibirsk" in html
    assert '<td class="field-days_count">3</td>' in html


def test_calendar_page_edits_the_week_one_day_per_line_and_checks_it(admin_client):
    calendar = WorkingCalendarFactory(week={"0": [["09:00", "18:00"]], "1": [["09:00", "18:00"]]})
    url = f"{CALENDARS}{calendar.pk}/change/"

    html = admin_client.get(url).content.decode()
    assert "{\n  &quot;0&quot;: [[&quot;09:00&quot;, &quot;18:00&quot;]],\n  &quot;1&quot;:" in html

    data = {
        "seller": calendar.seller_id,
        "week": '{"0": [["09:00", "13:00"], ["12:00", "18:00"]]}',
        "follows_production_calendar": "on",
        "days-TOTAL_FORMS": "1",
        "days-INITIAL_FORMS": "0",
        "days-0-date": "2027-03-08",
        "days-0-is_working": "",
        "days-0-periods": '[["10:00", "12:00"]]',
        "days-0-note": "",
    }
    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["week"] == ["Периоды одного дня не должны пересекаться."]
    day_errors = response.context["inline_admin_formsets"][0].formset.errors[0]
    assert day_errors["periods"] == ["Часы задаются только рабочему дню."]

    data.update({"week": '{"0": [["09:00", "13:00"], ["14:00", "18:00"]]}', "days-0-is_working": "on"})
    assert admin_client.post(url, data).status_code == 302
    calendar.refresh_from_db()
    assert calendar.week == {"0": [["09:00", "13:00"], ["14:00", "18:00"]]}
    assert CalendarDay.objects.get(calendar=calendar).periods == [["10:00", "12:00"]]


def test_calendar_action_recomputes_that_shops_deadlines(admin_client):
    calendar = WorkingCalendarFactory(week={str(d): [["09:00", "18:00"]] for d in range(7)})
    rule = SLARuleFactory(seller=calendar.seller, deadline_minutes=60, target_minutes=30)
    started = datetime(2025, 3, 14, 14, 30, tzinfo=UTC)  # 17:30 in Moscow: half an hour left today
    waiting = InteractionFactory(
        connection__seller=calendar.seller, sla_rule=rule, sla_started_at=started, first_response_due_at=started
    )

    response = admin_client.post(
        CALENDARS, {"action": "recompute_deadlines", "_selected_action": [calendar.pk]}, follow=True
    )

    waiting.refresh_from_db()
    assert waiting.first_response_due_at == datetime(2025, 3, 15, 6, 30, tzinfo=UTC)  # 09:30 next morning
    assert messages_of(response) == [
        "Сроки пересчитаны в 1 магазине: проверено 1 ожидающее ответа обращение, сроки изменились у 1."
    ]


def test_breached_page_lists_only_late_waits_across_shops(admin_client):
    now = timezone.now()
    agent = UserFactory(role="agent", full_name="Ольга", email="olga@example.com")
    rule = SLARuleFactory(escalation_steps=[{"after_minutes": m, "action": "notify_owner"} for m in (10, 20, 30, 40)])
    late = BreachedInteractionFactory(
        connection__seller=agent.seller,
        product_name="Кружка керамическая",
        assigned_to=agent,
        sla_rule=rule,
        sla_escalation_step=2,
        first_response_due_at=now - timedelta(hours=3, minutes=5),
    )
    later = BreachedInteractionFactory(kind="chat", first_response_due_at=now - timedelta(days=1, hours=2))
    BreachedInteractionFactory(needs_response=False, status="waiting")  # answered meanwhile
    BreachedInteractionFactory(status="closed")
    InteractionFactory(sla_state="due_soon")

    response = admin_client.get(BREACHED)

    rows = list(response.context["cl"].result_list)
    assert [row.pk for row in rows] == [later.pk, late.pk]  # the longest overdue first
    html = response.content.decode()
    assert f'<a href="/admin/interactions/interaction/{late.pk}/change/">№{late.pk}</a>' in html
    assert "Кружка керамическая" in html and "olga@example.com" in html and "2 из 4" in html
    assert "на 3 часа, 5 минут" in html.replace("\xa0", " ")
    local_due = late.first_response_due_at.astimezone(timezone.get_fixed_timezone(180))
    assert local_due.strftime("%d.%m.%Y %H:%M") in html  # Moscow time
    assert response.context["title"] == "Просроченные обращения"


def test_breached_page_filters_by_shop_marketplace_and_kind(admin_client):
    a = BreachedInteractionFactory(kind="review")
    b = BreachedInteractionFactory(kind="chat", connection__marketplace="ozon")

    def listed(**params) -> set[int]:
        return {row.pk for row in admin_client.get(BREACHED, params).context["cl"].result_list}

    assert listed(seller__id__exact=a.seller_id) == {a.pk}
    assert listed(marketplace__exact="ozon") == {b.pk}
    assert listed(kind__exact="review") == {a.pk}


def test_breached_page_is_read_only(admin_client):
    late = BreachedInteractionFactory()

    assert admin_client.get(f"{BREACHED}add/").status_code == 403
    page = admin_client.get(f"{BREACHED}{late.pk}/change/")
    assert page.status_code == 200 and "Сохранить" not in page.content.decode()
    assert admin_client.get(f"{BREACHED}{late.pk}/delete/").status_code == 403
    assert admin_client.get(BREACHED).context["action_form"] is None  # no bulk delete either


def test_response_cycles_list_reads_times_and_durations(admin_client):
    cycle = ResponseCycleFactory(
        started_at=datetime(2025, 3, 14, 9, 30, tzinfo=UTC), response_seconds=3 * 3600 + 25 * 60
    )
    ResponseCycleFactory(response_seconds=None, met_target=None, met_deadline=None)

    html = admin_client.get("/admin/interactions/responsecycle/").content.decode()

    assert "14.03.2025 12:30" in html and "3 ч 25 мин" in html
    assert admin_client.get(f"/admin/interactions/responsecycle/{cycle.pk}/change/").status_code == 200
    assert "Замеры времени ответа" in html
