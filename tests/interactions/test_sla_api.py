"""`/api/sla-rules`: a shop reads its own rules and the global defaults; its owner writes its own, validated by
the model's rules in Russian; the global ones stay read-only; every change queues the shop's recompute."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from interactions import tasks
from interactions.models import Interaction, SLARule
from interactions.services import sla_settings
from interactions.services.recompute import RECOMPUTE_TASK
from tests.factories import InteractionFactory, SLARuleFactory, UserFactory

pytestmark = pytest.mark.django_db

VALID = {"name": "Отзывы 1–2★ за 20 минут", "kind": "review", "rating_min": 1, "rating_max": 2}
VALID_TIMES = {"target_minutes": 10, "deadline_minutes": 20}


@pytest.fixture
def queued():
    """Every recompute task sent after commit, as (task name, kwargs)."""
    with mock.patch("agentiq.celery.app.send_task") as send_task:
        yield lambda: [(call.args[0], call.kwargs["kwargs"]) for call in send_task.call_args_list]


def create(client, **fields):
    return client.post("/api/sla-rules", {**VALID, **VALID_TIMES, **fields}, format="json")


def test_list_shows_the_shops_rules_then_the_global_ones(owner_client, owner, other_owner):
    own = SLARuleFactory(seller=owner.seller, name="Свои чаты", kind="chat", deadline_minutes=15)
    SLARuleFactory(seller=owner.seller, name="Выключенное", is_active=False)
    SLARuleFactory(seller=other_owner.seller, name="Чужое")
    SLARuleFactory(name="Общее выключенное", is_active=False)

    body = owner_client.get("/api/sla-rules").json()

    names = [rule["name"] for rule in body]
    assert names[0] == "Свои чаты"  # a shop's rule comes before every global one
    assert "Чужое" not in names and "Выключенное" not in names and "Общее выключенное" not in names
    assert len(body) == 1 + SLARule.objects.filter(seller__isnull=True, is_active=True).count()
    first = body[0]
    assert first["id"] == own.pk and first["scope"] == "shop" and first["editable"] is True
    assert first["reason"] == "Правило магазина «Свои чаты»: тип «чат»; срок 15 мин в рабочее время."
    assert {rule["scope"] for rule in body[1:]} == {"global"}
    assert not any(rule["editable"] for rule in body[1:])
    assert all(rule["reason"].startswith("Общее правило «") for rule in body[1:])


def test_list_with_inactive_adds_the_shops_switched_off_rules(owner_client, owner):
    off = SLARuleFactory(seller=owner.seller, name="Выключенное", is_active=False)
    SLARuleFactory(name="Общее выключенное", is_active=False)

    body = owner_client.get("/api/sla-rules", {"include_inactive": "true"}).json()

    names = {rule["name"]: rule for rule in body}
    assert names["Выключенное"]["id"] == off.pk and names["Выключенное"]["is_active"] is False
    assert "Общее выключенное" not in names


def test_governed_count_is_the_shops_waiting_interactions_on_that_rule(owner_client, owner, other_owner):
    rule = SLARuleFactory(seller=owner.seller, deadline_minutes=30)
    global_rule = SLARule.objects.filter(seller__isnull=True).first()
    InteractionFactory.create_batch(2, connection__seller=owner.seller, sla_rule=rule)
    InteractionFactory(connection__seller=owner.seller, sla_rule=rule, needs_response=False, status="waiting")
    InteractionFactory(connection__seller=owner.seller, sla_rule=rule, needs_response=False, status="closed")
    InteractionFactory(connection__seller=owner.seller, sla_rule=global_rule)
    InteractionFactory(connection__seller=other_owner.seller, sla_rule=global_rule)

    body = {row["id"]: row for row in owner_client.get("/api/sla-rules").json()}

    assert body[rule.pk]["governed_count"] == 2
    assert body[global_rule.pk]["governed_count"] == 1  # not the other shop's
    assert owner_client.get(f"/api/sla-rules/{rule.pk}").json()["governed_count"] == 2


def test_list_costs_the_same_queries_for_more_rules(owner_client, owner, django_assert_max_num_queries):
    owner_client.get("/api/sla-rules")
    for _ in range(10):
        SLARuleFactory(seller=owner.seller)
    # The user and shop, the rules, the counts.
    with django_assert_max_num_queries(3):
        assert owner_client.get("/api/sla-rules").status_code == 200


def test_global_rule_is_readable_but_read_only(owner_client):
    rule = SLARule.objects.filter(seller__isnull=True).first()
    before = list(SLARule.objects.values())

    one = owner_client.get(f"/api/sla-rules/{rule.pk}")
    patch = owner_client.patch(f"/api/sla-rules/{rule.pk}", {"deadline_minutes": 1}, format="json")
    junk = owner_client.patch(f"/api/sla-rules/{rule.pk}", {"deadline_minutes": "много"}, format="json")
    delete = owner_client.delete(f"/api/sla-rules/{rule.pk}")

    assert one.status_code == 200 and one.json()["scope"] == "global" and one.json()["escalate_to"] is None
    for response in (patch, junk, delete):
        assert response.status_code == 403
        assert response.json() == {"detail": sla_settings.GLOBAL_RULE_READ_ONLY, "code": "permission_denied"}
    assert list(SLARule.objects.values()) == before


def test_an_inactive_global_rule_is_not_found(owner_client):
    rule = SLARuleFactory(is_active=False)
    assert owner_client.get(f"/api/sla-rules/{rule.pk}").status_code == 404


def test_owner_creates_a_rule_and_the_recompute_is_queued(
    owner_client, owner, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = create(owner_client, escalation_steps=[{"after_minutes": 5, "action": "notify_owner"}])

    assert response.status_code == 201, response.json()
    body = response.json()
    rule = SLARule.objects.get(pk=body["id"])
    assert rule.seller == owner.seller and rule.rating_max == 2 and rule.follows_calendar is True
    assert body["scope"] == "shop" and body["editable"] is True and body["governed_count"] == 0
    assert body["escalation_steps"] == [{"after_minutes": 5, "action": "notify_owner"}]
    assert (
        body["reason"]
        == "Правило магазина «Отзывы 1–2★ за 20 минут»: оценка 1–2★, тип «отзыв»; срок 20 мин в рабочее время."
    )
    assert queued() == [(RECOMPUTE_TASK, {"seller_id": owner.seller_id})]


def test_the_queued_recompute_moves_the_waits_to_the_new_rule(owner_client, owner, queued):
    started = timezone.now() - timedelta(minutes=5)
    waiting = InteractionFactory(
        connection__seller=owner.seller, kind="review", rating=1, sla_started_at=started, priority="urgent"
    )
    rule_id = create(owner_client, follows_calendar=False).json()["id"]

    tasks.recompute_sla(seller_id=owner.seller_id)  # what the worker runs

    waiting.refresh_from_db()
    assert waiting.sla_rule_id == rule_id
    assert waiting.first_response_due_at == started + timedelta(minutes=20)
    assert owner_client.get(f"/api/sla-rules/{rule_id}").json()["governed_count"] == 1


def test_owner_changes_and_deletes_a_rule_each_queueing_the_recompute(
    owner_client, owner, queued, django_capture_on_commit_callbacks
):
    rule = SLARuleFactory(seller=owner.seller, kind="chat", deadline_minutes=60)

    with django_capture_on_commit_callbacks(execute=True):
        patched = owner_client.patch(
            f"/api/sla-rules/{rule.pk}", {"deadline_minutes": 45, "chat_phase": "pre_purchase"}, format="json"
        )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["deadline_minutes"] == 45 and patched.json()["chat_phase"] == "pre_purchase"
    assert patched.json()["name"] == rule.name  # untouched fields stay
    rule.refresh_from_db()
    assert rule.deadline_minutes == 45

    with django_capture_on_commit_callbacks(execute=True):
        deleted = owner_client.delete(f"/api/sla-rules/{rule.pk}")
    assert deleted.status_code == 204
    assert not SLARule.objects.filter(pk=rule.pk).exists()
    assert queued() == [(RECOMPUTE_TASK, {"seller_id": owner.seller_id})] * 2


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"rating_min": 0}, {"rating_min": ["Оценка — от 1 до 5."]}),
        ({"rating_max": 6}, {"rating_max": ["Оценка — от 1 до 5."]}),
        ({"rating_min": 4, "rating_max": 2}, {"rating_max": ["«Оценка до» не может быть меньше «оценки от»."]}),
        ({"kind": "chat"}, {"kind": ["Оценка есть только у отзывов."]}),
        ({"chat_phase": "pre_purchase"}, {"chat_phase": ["«До или после покупки» бывает только у чатов."]}),
        ({"target_minutes": 30}, {"target_minutes": ["«Скоро срок» наступает не позже срока ответа."]}),
        ({"name": "   "}, {"name": ["Это поле не может быть пустым."]}),
        (
            {"escalation_steps": [{"after_minutes": 5, "action": "call_the_police"}]},
            {
                "escalation_steps": [
                    "Шаг 1: неизвестное действие «call_the_police». "
                    "Возможны: notify_assignee, notify_owner, reassign, notify_staff."
                ]
            },
        ),
        (
            {
                "escalation_steps": [
                    {"after_minutes": 30, "action": "notify_owner"},
                    {"after_minutes": 5, "action": "reassign"},
                ]
            },
            {"escalation_steps": ["Шаг 2: шаги идут по времени, этот раньше предыдущего."]},
        ),
        (
            {"escalation_steps": {"after_minutes": 5}},
            {"escalation_steps": ["Шаги эскалации — список объектов {after_minutes, action}."]},
        ),
    ],
)
def test_invalid_rules_are_field_errors_in_russian(owner_client, fields, errors):
    response = create(owner_client, **fields)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"] == "Проверьте введённые данные."
    assert body["errors"] == errors
    assert not SLARule.objects.filter(seller__isnull=False).exists()


def test_a_patch_is_checked_against_the_whole_rule(owner_client, owner):
    rule = SLARuleFactory(seller=owner.seller, kind="review", rating_min=1, rating_max=2, deadline_minutes=60)

    response = owner_client.patch(f"/api/sla-rules/{rule.pk}", {"kind": "question"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"kind": ["Оценка есть только у отзывов."]}
    rule.refresh_from_db()
    assert rule.kind == "review"


def test_escalate_to_must_be_an_active_member_of_the_shop(owner_client, owner, agent, other_owner):
    outsider = "Передавать можно только сотруднику магазина этого правила."
    gone = UserFactory(seller=owner.seller, role="agent", is_active=False)

    ok = create(owner_client, escalate_to=agent.pk)
    others = create(owner_client, escalate_to=other_owner.pk)
    missing = create(owner_client, escalate_to=10**9)
    inactive = create(owner_client, escalate_to=gone.pk)

    assert ok.status_code == 201 and ok.json()["escalate_to"] == agent.pk
    # Another shop's member reads exactly like nobody at all.
    assert others.json()["errors"] == missing.json()["errors"] == {"escalate_to": [outsider]}
    assert inactive.json()["errors"] == {"escalate_to": ["Этот сотрудник отключён: выберите активного."]}


def test_agents_read_but_do_not_write(agent_client, owner):
    rule = SLARuleFactory(seller=owner.seller)
    before = list(SLARule.objects.values())

    assert agent_client.get("/api/sla-rules").status_code == 200
    one = agent_client.get(f"/api/sla-rules/{rule.pk}")
    assert one.status_code == 200 and one.json()["editable"] is False
    for response in (
        create(agent_client),
        agent_client.patch(f"/api/sla-rules/{rule.pk}", {"deadline_minutes": 1}, format="json"),
        agent_client.delete(f"/api/sla-rules/{rule.pk}"),
    ):
        assert response.status_code == 403
        assert response.json() == {"detail": "Доступно только владельцу магазина.", "code": "permission_denied"}
    assert list(SLARule.objects.values()) == before


def test_staff_and_anonymous_callers_are_refused(staff_client, anon_client):
    assert staff_client.get("/api/sla-rules").status_code == 403
    assert anon_client.get("/api/sla-rules").status_code == 401


def test_a_shop_has_at_most_a_hundred_rules(owner_client, owner, monkeypatch):
    monkeypatch.setattr(sla_settings, "MAX_SHOP_RULES", 2)
    SLARuleFactory.create_batch(2, seller=owner.seller)

    response = create(owner_client)

    assert response.status_code == 400
    assert response.json() == {"detail": "У магазина уже 2 правил: удалите ненужные.", "code": "too_many_rules"}


def test_unknown_fields_and_wrong_types_are_400_not_500(owner_client):
    for payload in (
        {**VALID_TIMES, "name": "x", "deadline_minutes": 10**30},
        {**VALID_TIMES, "name": "x", "escalate_to": 2**63},
        {**VALID_TIMES, "name": "x", "follows_calendar": "может быть"},
        {**VALID_TIMES, "name": "x", "escalation_steps": "[{"},
        [],
    ):
        response = owner_client.post("/api/sla-rules", payload, format="json")
        assert response.status_code == 400, (payload, response.content)
    assert Interaction.objects.count() == 0
