"""Every inbox, SLA settings and notifications endpoint and method, called by the owner of another shop: 404, or an
empty list, or the caller's own (default) settings."""

from __future__ import annotations

import pytest

from integrations.models import ProductCard
from interactions.models import (
    CalendarDay,
    Customer,
    Interaction,
    InteractionEvent,
    Message,
    ReplyTemplate,
    SLARule,
    WorkingCalendar,
)
from notifications.models import Notification
from tests.factories import (
    CalendarDayFactory,
    CustomerFactory,
    InteractionFactory,
    MessageFactory,
    NotificationFactory,
    ReplyTemplateFactory,
    SLARuleFactory,
    WorkingCalendarFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(owner):
    customer = CustomerFactory(seller=owner.seller, notes="VIP")
    interaction = InteractionFactory(
        connection__seller=owner.seller, customer=customer, product_id="555", kind="review", rating=1
    )
    MessageFactory(interaction=interaction)
    ProductCard.objects.create(nm_id=555, name="Товар")
    template = ReplyTemplateFactory(seller=owner.seller)
    notification = NotificationFactory(recipient=owner, interaction=interaction)
    rule = SLARuleFactory(seller=owner.seller, name="Правило магазина", kind="review")
    calendar = WorkingCalendarFactory(seller=owner.seller)
    day = CalendarDayFactory(calendar=calendar, note="Своё")
    return {
        "interaction": interaction,
        "customer": customer,
        "template": template,
        "notification": notification,
        "rule": rule,
        "day": day,
    }


def _state():
    return (
        list(Interaction.objects.order_by("id").values()),
        list(Message.objects.order_by("id").values()),
        list(Customer.objects.order_by("id").values()),
        list(ReplyTemplate.objects.order_by("id").values()),
        list(Notification.objects.order_by("id").values()),
        list(SLARule.objects.order_by("id").values()),
        list(WorkingCalendar.objects.order_by("id").values()),
        list(CalendarDay.objects.order_by("id").values()),
        InteractionEvent.objects.count(),
    )


def test_other_shop_gets_404_everywhere(other_client, shop):
    i, c, t = shop["interaction"].id, shop["customer"].id, shop["template"].id
    r, d = shop["rule"].id, shop["day"].id
    before = _state()
    calls = [
        ("get", f"/api/interactions/{i}", None),
        ("patch", f"/api/interactions/{i}", {"status": "closed"}),
        ("post", f"/api/interactions/{i}/reply", {"text": "Чужой ответ"}),
        ("post", f"/api/interactions/{i}/read", None),
        ("post", "/api/interactions/bulk", {"action": "close", "ids": [i]}),
        ("get", f"/api/customers/{c}", None),
        ("patch", f"/api/customers/{c}", {"notes": "взлом"}),
        ("get", "/api/products/555", None),
        ("get", f"/api/reply-templates/{t}", None),
        ("patch", f"/api/reply-templates/{t}", {"name": "взлом"}),
        ("delete", f"/api/reply-templates/{t}", None),
        ("post", f"/api/notifications/{shop['notification'].id}/read", None),
        ("get", f"/api/sla-rules/{r}", None),
        ("patch", f"/api/sla-rules/{r}", {"deadline_minutes": 1}),
        ("delete", f"/api/sla-rules/{r}", None),
        ("get", f"/api/calendar/days/{d}", None),
        ("patch", f"/api/calendar/days/{d}", {"note": "взлом"}),
        ("delete", f"/api/calendar/days/{d}", None),
    ]
    for method, url, payload in calls:
        response = getattr(other_client, method)(url, payload, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json()["code"] == "not_found"
    assert _state() == before


def test_other_shop_lists_are_empty(other_client, shop):
    assert other_client.get("/api/interactions").json()["results"] == []
    assert other_client.get("/api/interactions", {"customer": shop["customer"].id}).json()["results"] == []
    assert other_client.get("/api/customers").json()["results"] == []
    assert other_client.get("/api/reply-templates").json() == []
    notifications = other_client.get("/api/notifications").json()
    assert notifications["results"] == [] and notifications["unread_count"] == 0
    other_client.post("/api/notifications/read-all")
    assert Notification.objects.get().read_at is None
    stats = other_client.get("/api/stats").json()
    assert stats["open_count"] == 0 and stats["interactions_count"] == 0
    rules = other_client.get("/api/sla-rules", {"include_inactive": "true"}).json()
    assert rules and {rule["scope"] for rule in rules} == {"global"}
    assert all(rule["governed_count"] == 0 for rule in rules)
    calendar = other_client.get("/api/calendar").json()
    assert calendar["exists"] is False and calendar["round_the_clock"] is True and calendar["days"] == []
    assert other_client.get("/api/calendar/days").json() == []
    preview = other_client.get("/api/calendar/preview", {"start": "2025-03-14T14:00:00Z", "minutes": 600}).json()
    assert preview["round_the_clock"] is True and preview["due_at"] == "2025-03-15T00:00:00Z"


def test_other_shops_writes_stay_in_their_own_shop(other_client, other_owner, shop, agent):
    def untouched():  # everything but the rules and calendars, of which the other shop now has its own
        state = _state()
        return state[:5], state[-1], list(SLARule.objects.filter(seller=shop["rule"].seller).values())

    before = untouched()

    rule = other_client.post(
        "/api/sla-rules", {"name": "Своё", "target_minutes": 5, "deadline_minutes": 10}, format="json"
    )
    poached = other_client.post(
        "/api/sla-rules",
        {"name": "Своё", "target_minutes": 5, "deadline_minutes": 10, "escalate_to": agent.pk},
        format="json",
    )
    calendar = other_client.put(
        "/api/calendar", {"week": {"0": [["10:00", "11:00"]]}, "follows_production_calendar": False}, format="json"
    )

    assert rule.status_code == 201 and SLARule.objects.get(pk=rule.json()["id"]).seller == other_owner.seller
    # The first shop's agent reads to the other shop exactly like nobody at all.
    assert poached.json()["errors"] == {"escalate_to": ["Передавать можно только сотруднику магазина этого правила."]}
    assert calendar.status_code == 200
    assert WorkingCalendar.objects.get(seller=shop["rule"].seller).week["0"] == [["09:00", "18:00"]]
    assert untouched() == before


def test_own_shop_sees_it(owner_client, shop):
    i, c, t = shop["interaction"].id, shop["customer"].id, shop["template"].id
    r, d = shop["rule"].id, shop["day"].id
    for url in (
        f"/api/interactions/{i}",
        f"/api/customers/{c}",
        "/api/products/555",
        f"/api/reply-templates/{t}",
        f"/api/sla-rules/{r}",
        f"/api/calendar/days/{d}",
    ):
        assert owner_client.get(url).status_code == 200, url
