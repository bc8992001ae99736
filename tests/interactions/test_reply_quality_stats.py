"""The quality report of /api/stats (per day, per member, per marketplace and kind) against figures computed by
hand, its drill-down (every figure's list is exactly the interactions behind it), the score in the detail's
messages, and the admin's page."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from tests.factories import (
    ConnectionFactory,
    InteractionFactory,
    PublishedAnswerFactory,
    ReplyQualityFactory,
)

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
RANGE = {"from": "2026-11-01", "to": "2026-11-09"}
NOW = datetime(2026, 11, 10, 12, tzinfo=MSK)


def scored(interaction, *, day: int, hour: int = 12, score: int, by=None, timeliness=None):
    sent_at = datetime(2026, 11, day, hour, tzinfo=MSK)
    message = PublishedAnswerFactory(interaction=interaction, author_user=by, sent_at=sent_at)
    return ReplyQualityFactory(message=message, score=score, timeliness=timeliness)


@pytest.fixture
def shop(owner, agent, other_owner, connection):
    ozon = ConnectionFactory(seller=owner.seller, marketplace="ozon")
    i1 = InteractionFactory(connection=connection, kind="review")
    i2 = InteractionFactory(connection=connection, kind="question")
    i3 = InteractionFactory(connection=ozon, kind="chat")
    i4 = InteractionFactory(connection=connection, kind="review")
    scored(i1, day=2, score=90, by=owner, timeliness=100)
    scored(i1, day=3, score=50, by=agent, timeliness=30)  # the same interaction answered again a day later
    scored(i2, day=2, score=40, by=agent)
    scored(i3, day=3, score=80, by=owner)
    scored(i3, day=3, hour=0, score=70)  # 00:00 Moscow is still the 3rd; written in the marketplace's cabinet
    scored(i4, day=1, hour=2, score=100, by=owner)
    scored(i4, day=10, score=10, by=owner)  # after the range
    scored(InteractionFactory(connection__seller=other_owner.seller), day=2, score=20)  # another shop
    return {"owner": owner, "agent": agent, "i": [None, i1, i2, i3, i4]}


def stats(client):
    with freeze_time(NOW):
        return client.get("/api/stats", RANGE).json()["quality"]


def listed(client, params) -> set[int]:
    with freeze_time(NOW):
        response = client.get("/api/interactions", {**params, "limit": 100})
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def test_totals_per_day_and_components(owner_client, shop):
    quality = stats(owner_client)
    assert quality["low_below"] == 60
    assert quality["scored"] == {"replies": 6, "interactions": 4}
    assert quality["low"] == {"replies": 2, "interactions": 2}
    assert quality["average_score"] == round((90 + 50 + 40 + 80 + 70 + 100) / 6, 1)
    assert quality["components"]["timeliness"] == 65.0  # over the two replies where a deadline ran
    assert quality["filter"] == {"reply_from": "2026-11-01", "reply_to": "2026-11-09"}
    days = {row["day"]: row for row in quality["per_day"]}
    assert list(days) == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert days["2026-11-02"]["scored"] == {"replies": 2, "interactions": 2}
    assert days["2026-11-03"]["scored"] == {"replies": 3, "interactions": 2}
    assert days["2026-11-03"]["average_score"] == round((50 + 80 + 70) / 3, 1)
    assert days["2026-11-03"]["filter"] == {"reply_from": "2026-11-03", "reply_to": "2026-11-03"}


def test_per_member_marketplace_and_kind(owner_client, shop):
    quality = stats(owner_client)
    members = [(row["member"] and row["member"]["id"], row["scored"]["replies"]) for row in quality["by_member"]]
    assert members == [(shop["owner"].id, 3), (shop["agent"].id, 2), (None, 1)]
    agent_row = quality["by_member"][1]
    assert agent_row["average_score"] == 45.0 and agent_row["low"]["replies"] == 2
    assert agent_row["filter"]["reply_by"] == str(shop["agent"].id)
    assert quality["by_member"][2]["filter"]["reply_by"] == "none"
    by_marketplace = {row["marketplace"]: row["scored"] for row in quality["by_marketplace"]}
    assert by_marketplace == {"wb": {"replies": 4, "interactions": 3}, "ozon": {"replies": 2, "interactions": 1}}
    by_kind = {row["kind"]: row["scored"]["replies"] for row in quality["by_kind"]}
    assert by_kind == {"chat": 2, "question": 1, "review": 3}


def test_every_figure_drills_down_to_exactly_its_interactions(owner_client, shop):
    quality = stats(owner_client)
    blocks = [quality, *quality["per_day"], *quality["by_member"], *quality["by_marketplace"], *quality["by_kind"]]
    checked = 0
    for block in blocks:
        for figure, extra in quality["figure_filters"].items():
            ids = listed(owner_client, {**block["filter"], **extra})
            assert len(ids) == block[figure]["interactions"], (block["filter"], figure)
            checked += 1
    assert checked == 2 * len(blocks)
    i = shop["i"]
    assert listed(owner_client, {**quality["filter"], "quality_max": "59"}) == {i[1].id, i[2].id}
    # One and the same reply: the agent's low one is i1's and i2's; the owner's low one is after the range.
    assert listed(owner_client, {**quality["filter"], "reply_by": "me", "quality_max": "59"}) == set()
    assert listed(owner_client, {"reply_by": "me", "quality_max": "59"}) == {i[4].id}


def test_another_shops_scores_are_never_counted_or_listed(other_client, owner_client, shop):
    assert stats(other_client)["scored"] == {"replies": 1, "interactions": 1}
    assert listed(other_client, {"reply_by": str(shop["agent"].id)}) == set()
    assert len(listed(other_client, {"reply_from": "2026-11-01"})) == 1


def test_bad_drill_down_input_is_a_400(owner_client):
    for params, field in (
        ({"quality_max": "101"}, "quality_max"),
        ({"quality_min": "70", "quality_max": "60"}, "quality_max"),
        ({"reply_from": "2026-11-05", "reply_to": "2026-11-01"}, "reply_to"),
        ({"reply_by": "кто-то"}, "reply_by"),
    ):
        response = owner_client.get("/api/interactions", params)
        assert response.status_code == 400 and field in response.json()["errors"], params


def test_the_detail_shows_each_sent_replys_score(owner_client, shop):
    response = owner_client.get(f"/api/interactions/{shop['i'][1].id}")
    qualities = [m["quality"] for m in response.json()["messages"] if m["direction"] == "out"]
    assert [q["score"] for q in qualities] == [90, 50]
    assert qualities[0]["note"] == "Вежливый ответ по существу." and qualities[0]["source"] == "rules"
    assert set(qualities[0]) == {
        "score",
        "relevance",
        "politeness",
        "compliance",
        "personal",
        "timeliness",
        "note",
        "source",
        "scored_at",
    }
    buyer = [m for m in response.json()["messages"] if m["direction"] == "in"]
    assert all(m["quality"] is None for m in buyer)


def test_the_admin_lists_scores_with_the_quality_per_day_and_member(client, staff, shop):
    client.force_login(staff)
    response = client.get("/admin/interactions/replyquality/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "По выбранным: 8 ответов, средняя оценка" in page
    assert "03.11.2026" in page and "3 ответа" in page
    assert "без сотрудника (кабинет, автоответ)" in page
    assert "низкая (ниже 60)" in page
