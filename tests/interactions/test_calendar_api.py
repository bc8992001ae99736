"""`/api/calendar`: a shop's working hours and special days, read by everyone in the shop and set by its
owner, checked by parse_periods in Russian; a change queues the shop's recompute; the preview counts a
deadline in that time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from interactions import tasks
from interactions.models import CalendarDay, WorkingCalendar
from interactions.services import sla_settings
from interactions.services.recompute import RECOMPUTE_TASK
from tests.factories import CalendarDayFactory, InteractionFactory, SLARuleFactory, WorkingCalendarFactory

pytestmark = pytest.mark.django_db

WEEKDAYS_9_TO_18 = {str(d): [["09:00", "18:00"]] for d in range(5)}
OWNER_ONLY = {"detail": "Доступно только владельцу магазина.", "code": "permission_denied"}


@pytest.fixture
def queued():
    with mock.patch("agentiq.celery.app.send_task") as send_task:
        yield lambda: [(call.args[0], call.kwargs["kwargs"]) for call in send_task.call_args_list]


@pytest.fixture
def calendar(owner):
    return WorkingCalendarFactory(seller=owner.seller, week=WEEKDAYS_9_TO_18, follows_production_calendar=False)


def soon(days: int) -> str:
    return (timezone.now().date() + timedelta(days=days)).isoformat()


def test_without_a_calendar_the_shop_runs_round_the_clock(owner_client, owner):
    body = owner_client.get("/api/calendar").json()

    assert body == {
        "exists": False,
        "timezone": "Europe/Moscow",
        "round_the_clock": True,
        "week": {str(d): [] for d in range(7)},
        "week_text": "круглосуточно",
        "follows_production_calendar": True,
        "days": [],
        "updated_at": None,
    }
    assert not WorkingCalendar.objects.exists()  # reading creates nothing


def test_owner_puts_a_week_and_the_recompute_is_queued(owner_client, owner, queued, django_capture_on_commit_callbacks):
    owner.seller.timezone = "Asia/Yekaterinburg"
    owner.seller.save()
    week = {
        **{str(d): [["14:00", "18:00"], ["09:00", "13:00"]] for d in range(5)},  # out of order on purpose
        "5": [["10:00", "14:00"]],
        "6": [],
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.put(
            "/api/calendar", {"week": week, "follows_production_calendar": False}, format="json"
        )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["exists"] is True and body["round_the_clock"] is False
    assert body["timezone"] == "Asia/Yekaterinburg"
    assert body["week"]["0"] == [["09:00", "13:00"], ["14:00", "18:00"]]
    assert body["week"]["6"] == []
    assert body["week_text"] == "пн–пт 09:00–13:00, 14:00–18:00; сб 10:00–14:00; вс выходной"
    assert body["follows_production_calendar"] is False
    stored = WorkingCalendar.objects.get(seller=owner.seller)
    assert stored.week["0"] == [["09:00", "13:00"], ["14:00", "18:00"]] and "6" not in stored.week
    assert queued() == [(RECOMPUTE_TASK, {"seller_id": owner.seller_id})]


def test_put_replaces_the_week_and_patch_changes_only_the_days_it_names(owner_client, calendar):
    patched = owner_client.patch("/api/calendar", {"week": {"5": [["10:00", "14:00"]], "0": None}}, format="json")
    assert patched.status_code == 200, patched.json()
    week = patched.json()["week"]
    assert week["5"] == [["10:00", "14:00"]] and week["0"] == [] and week["1"] == [["09:00", "18:00"]]
    assert patched.json()["follows_production_calendar"] is False  # not named, not changed

    flag = owner_client.patch("/api/calendar", {"follows_production_calendar": True}, format="json").json()
    assert flag["follows_production_calendar"] is True and flag["week"] == week

    put = owner_client.put(
        "/api/calendar", {"week": {"2": [["00:00", "24:00"]]}, "follows_production_calendar": True}, format="json"
    )
    assert put.json()["week"] == {**{str(d): [] for d in range(7)}, "2": [["00:00", "24:00"]]}

    emptied = owner_client.put("/api/calendar", {"week": {}, "follows_production_calendar": True}, format="json")
    assert emptied.json()["round_the_clock"] is True and emptied.json()["week_text"] == "круглосуточно"


def test_put_needs_both_fields(owner_client):
    response = owner_client.put("/api/calendar", {"week": WEEKDAYS_9_TO_18}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"follows_production_calendar"}


@pytest.mark.parametrize(
    ("week", "errors"),
    [
        ({"1": [["09:00", "13:00"], ["12:00", "18:00"]]}, {"1": ["Периоды одного дня не должны пересекаться."]}),
        ({"0": [["09:00", "25:00"]]}, {"0": ["«25:00» — не время суток: от 00:00 до 24:00."]}),
        ({"0": [["9:00", "18:00"]]}, {"0": ["«9:00» — не время: нужно ЧЧ:ММ, например 09:00."]}),
        ({"3": [["18:00", "09:00"]]}, {"3": ["Период 18:00–09:00: начало должно быть раньше конца."]}),
        ({"4": [["09:00"]]}, {"4": ["Каждый период — пара «начало, конец», например [«09:00», «13:00»]."]}),
        ({"4": "09:00–18:00"}, {"4": ["Часы — список периодов вида [«09:00», «18:00»]."]}),
        (
            {"7": [["09:00", "18:00"]], "пн": []},
            {
                "7": ["«7» — не день недели: ключи от 0 (понедельник) до 6 (воскресенье)."],
                "пн": ["«пн» — не день недели: ключи от 0 (понедельник) до 6 (воскресенье)."],
            },
        ),
    ],
)
def test_bad_periods_are_errors_per_day_in_russian(owner_client, week, errors):
    response = owner_client.put("/api/calendar", {"week": week, "follows_production_calendar": True}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"week": errors}
    assert not WorkingCalendar.objects.exists()


def test_a_week_that_is_not_an_object_is_refused(owner_client):
    response = owner_client.put("/api/calendar", {"week": [1, 2], "follows_production_calendar": True}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["week"][0].startswith("Рабочие часы — объект")


def test_agents_read_the_calendar_but_do_not_change_it(agent_client, calendar):
    day = CalendarDayFactory(calendar=calendar, date=date.today() + timedelta(days=3))
    before = (list(WorkingCalendar.objects.values()), list(CalendarDay.objects.values()))

    assert agent_client.get("/api/calendar").json()["week"]["0"] == [["09:00", "18:00"]]
    assert agent_client.get("/api/calendar/days").status_code == 200
    assert agent_client.get(f"/api/calendar/days/{day.pk}").status_code == 200
    assert agent_client.get("/api/calendar/preview", {"minutes": 30}).status_code == 200
    for response in (
        agent_client.put("/api/calendar", {"week": {}, "follows_production_calendar": True}, format="json"),
        agent_client.patch("/api/calendar", {"follows_production_calendar": True}, format="json"),
        agent_client.post("/api/calendar/days", {"date": soon(5)}, format="json"),
        agent_client.patch(f"/api/calendar/days/{day.pk}", {"note": "x"}, format="json"),
        agent_client.delete(f"/api/calendar/days/{day.pk}"),
    ):
        assert response.status_code == 403
        assert response.json() == OWNER_ONLY
    assert (list(WorkingCalendar.objects.values()), list(CalendarDay.objects.values())) == before


def test_special_days_are_created_listed_changed_and_deleted(
    owner_client, owner, calendar, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        off = owner_client.post("/api/calendar/days", {"date": soon(10), "note": "Инвентаризация"}, format="json")
        working = owner_client.post(
            "/api/calendar/days",
            {"date": soon(12), "is_working": True, "periods": [["12:00", "16:00"], ["10:00", "11:00"]]},
            format="json",
        )
    assert off.status_code == 201, off.json()
    assert off.json() == {
        "id": off.json()["id"],
        "date": soon(10),
        "is_working": False,
        "periods": [],
        "note": "Инвентаризация",
    }
    assert working.json()["periods"] == [["10:00", "11:00"], ["12:00", "16:00"]]
    CalendarDayFactory(calendar=calendar, date=timezone.now().date() - timedelta(days=30), note="прошлое")

    listed = owner_client.get("/api/calendar/days").json()
    upcoming = owner_client.get("/api/calendar").json()["days"]
    ranged = owner_client.get("/api/calendar/days", {"from": soon(11), "to": soon(40)}).json()
    assert [d["note"] for d in listed] == ["прошлое", "Инвентаризация", ""]
    assert [d["note"] for d in upcoming] == ["Инвентаризация", ""]  # from today on
    assert [d["id"] for d in ranged] == [working.json()["id"]]

    day_id = working.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        # A working day turned into a day off loses its hours.
        changed = owner_client.patch(f"/api/calendar/days/{day_id}", {"is_working": False}, format="json")
        deleted = owner_client.delete(f"/api/calendar/days/{off.json()['id']}")
    assert changed.status_code == 200 and changed.json()["periods"] == [] and changed.json()["is_working"] is False
    assert deleted.status_code == 204
    assert CalendarDay.objects.filter(calendar=calendar).count() == 2
    assert queued() == [(RECOMPUTE_TASK, {"seller_id": owner.seller_id})] * 4


def test_special_day_errors(owner_client, calendar):
    CalendarDayFactory(calendar=calendar, date=date.fromisoformat(soon(3)))
    cases = [
        ({"date": soon(3)}, {"date": ["На эту дату особый день уже есть: измените его."]}),
        ({"date": soon(4), "periods": [["10:00", "12:00"]]}, {"periods": ["Часы задаются только рабочему дню."]}),
        (
            {"date": soon(4), "is_working": True, "periods": [["10:00", "12:00"], ["11:00", "13:00"]]},
            {"periods": ["Периоды одного дня не должны пересекаться."]},
        ),
        ({"date": "1999-12-31"}, None),
        ({"date": soon(4000)}, None),
        ({"date": "31.12.2026"}, None),
    ]
    for payload, errors in cases:
        response = owner_client.post("/api/calendar/days", payload, format="json")
        assert response.status_code == 400, payload
        if errors is not None:
            assert response.json()["errors"] == errors, payload
        else:
            assert set(response.json()["errors"]) == {"date"}
    assert CalendarDay.objects.count() == 1


def test_the_date_window_is_said_in_russian(owner_client, calendar):
    response = owner_client.post("/api/calendar/days", {"date": "1999-12-31"}, format="json")
    assert response.json()["errors"]["date"][0].startswith("Дата должна быть между 01.01.2000 и ")


def test_special_days_need_working_hours_first(owner_client, owner):
    for week in (None, {}):
        if week is not None:
            WorkingCalendarFactory(seller=owner.seller, week=week)
        response = owner_client.post("/api/calendar/days", {"date": soon(3)}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "round_the_clock"
        assert response.json()["detail"].startswith("Особые дни действуют только при заданных рабочих часах")
    assert not CalendarDay.objects.exists()


def test_a_calendar_has_at_most_so_many_days(owner_client, calendar, monkeypatch):
    monkeypatch.setattr(sla_settings, "MAX_CALENDAR_DAYS", 1)
    CalendarDayFactory(calendar=calendar)
    response = owner_client.post("/api/calendar/days", {"date": soon(3)}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "too_many_days"


def test_preview_round_the_clock(owner_client):
    body = owner_client.get("/api/calendar/preview", {"start": "2025-03-14T14:00:00Z", "minutes": 90}).json()
    assert body == {
        "start": "2025-03-14T14:00:00Z",
        "minutes": 90,
        "due_at": "2025-03-14T15:30:00Z",
        "due_at_local": "2025-03-14T18:30:00+03:00",
        "timezone": "Europe/Moscow",
        "round_the_clock": True,
    }


def test_preview_counts_working_time_over_the_weekend(owner_client, calendar):
    # Friday 17:00 in Moscow + 2 working hours: one on Friday, one on Monday morning.
    body = owner_client.get("/api/calendar/preview", {"start": "2025-03-14T14:00:00Z", "minutes": 120}).json()
    assert body["due_at"] == "2025-03-17T07:00:00Z" and body["due_at_local"] == "2025-03-17T10:00:00+03:00"
    assert body["round_the_clock"] is False
    # A start without an offset is the shop's own time.
    naive = owner_client.get("/api/calendar/preview", {"start": "2025-03-14T17:00:00", "minutes": 120}).json()
    assert naive["due_at"] == body["due_at"]


def test_preview_follows_the_production_calendar_and_special_days(owner_client, calendar):
    params = {"start": "2025-04-30T17:00:00+03:00", "minutes": 120}
    plain = owner_client.get("/api/calendar/preview", params).json()
    assert plain["due_at_local"] == "2025-05-01T10:00:00+03:00"

    owner_client.patch("/api/calendar", {"follows_production_calendar": True}, format="json")
    # 1 and 2 May are public holidays, 3 and 4 May the weekend.
    assert owner_client.get("/api/calendar/preview", params).json()["due_at_local"] == "2025-05-05T10:00:00+03:00"

    CalendarDayFactory(calendar=calendar, date=date(2025, 5, 5))  # the shop's own day off
    assert owner_client.get("/api/calendar/preview", params).json()["due_at_local"] == "2025-05-06T10:00:00+03:00"


def test_preview_refuses_what_it_cannot_count(owner_client):
    for params, field in (
        ({}, "minutes"),
        ({"minutes": -1}, "minutes"),
        ({"minutes": 10**6}, "minutes"),
        ({"minutes": 10, "start": "9999-12-31T23:59:00Z"}, "start"),
        ({"minutes": 10, "start": "0001-01-01T00:00:00Z"}, "start"),
        ({"minutes": 10, "start": "вчера"}, "start"),
        # Year 1 in Moscow is before year 1 in UTC: once a 500.
        ({"minutes": 10, "start": "0001-01-01T00:00:00"}, "start"),
        ({"minutes": 10, "start": "9999-12-31T23:59:59-23:59"}, "start"),
    ):
        response = owner_client.get("/api/calendar/preview", params)
        assert response.status_code == 400, params
        assert set(response.json()["errors"]) == {field}, params


def test_a_calendar_change_moves_the_running_deadlines(owner_client, owner, queued):
    rule = SLARuleFactory(seller=owner.seller, deadline_minutes=120, target_minutes=60)
    started = datetime(2025, 3, 14, 14, 0, tzinfo=UTC)  # Friday 17:00 in Moscow
    waiting = InteractionFactory(
        connection__seller=owner.seller, sla_rule=rule, sla_started_at=started, first_response_due_at=started
    )

    owner_client.put("/api/calendar", {"week": WEEKDAYS_9_TO_18, "follows_production_calendar": False}, format="json")
    tasks.recompute_sla(seller_id=owner.seller_id)

    waiting.refresh_from_db()
    assert waiting.first_response_due_at == datetime(2025, 3, 17, 7, 0, tzinfo=UTC)
