"""The SLA report of /api/stats against figures computed by hand, and its drill-down: for every figure, the
inbox list with the figure's filters is exactly the interactions behind it.

One fixed shop in Moscow time (UTC+3), range 1–9 November 2026, judged at 10 November 15:00. Every rule is
round the clock here: target 30 min, deadline 60 min after the wait started, so response_seconds decide.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection as db_connection
from freezegun import freeze_time

from interactions.selectors.stats import FIGURES, sla_report
from tests.factories import (
    ConnectionFactory,
    InteractionFactory,
    ResponseCycleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
URL = "/api/interactions"


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0, *, month: int = 11, tz=MSK) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=tz)


NOW = at(10, 15)
RANGE = {"from": "2026-11-01", "to": "2026-11-09"}
TARGET, DEADLINE = timedelta(minutes=30), timedelta(hours=1)


def answered(interaction, started, seconds, *, by=None, auto=False, deadline=True):
    """A wait that ended with an answer `seconds` after it started."""
    return ResponseCycleFactory(
        interaction=interaction,
        started_at=started,
        due_soon_at=started + TARGET if deadline else None,
        due_at=started + DEADLINE if deadline else None,
        ended_at=started + timedelta(seconds=seconds),
        outcome="responded",
        responder=by,
        is_auto_reply=auto,
        response_seconds=seconds,
        met_target=seconds <= TARGET.total_seconds() if deadline else None,
        met_deadline=seconds <= DEADLINE.total_seconds() if deadline else None,
    )


def ended_without_time(interaction, started, *, outcome, after):
    return ResponseCycleFactory(
        interaction=interaction,
        started_at=started,
        ended_at=started + after,
        outcome=outcome,
        response_seconds=None,
        met_target=None,
        met_deadline=None,
    )


def waiting(interaction, started, *, deadline=True):
    interaction.needs_response = True
    interaction.status = "open"
    interaction.sla_started_at = started
    interaction.sla_due_soon_at = started + TARGET if deadline else None
    interaction.first_response_due_at = started + DEADLINE if deadline else None
    interaction.save()


@pytest.fixture
def shop(owner, agent, other_owner, connection):
    """I1…I15 as in the module's expectations; I16, I17 out of range; another shop's waits."""
    wb, ozon = connection, ConnectionFactory(seller=owner.seller, marketplace="ozon")
    a, b = owner, agent

    def item(conn, kind, created=None):
        return InteractionFactory(
            connection=conn, kind=kind, needs_response=False, status="closed", created_at=created or at(1, 0)
        )

    i = {}
    i[1] = item(wb, "review")
    answered(i[1], at(1, 0, 0), 600, by=a)  # the first second of the range
    i[2] = item(wb, "chat")  # reopened: two waits
    answered(i[2], at(2, 10), 2400, by=a)  # late for the target, in time for the deadline
    answered(i[2], at(3, 12), 7200, by=b)
    i[3] = item(wb, "chat", created=at(25, 9, month=10))  # created before the range, waits in it
    answered(i[3], at(25, 10, month=10), 300, by=b)  # out of range
    waiting(i[3], at(4, 9))  # past its deadline at NOW
    i[4] = item(wb, "question")
    ended_without_time(i[4], at(4, 12), outcome="closed", after=timedelta(hours=2))  # closed late: missed
    i[5] = item(wb, "question")
    ended_without_time(i[5], at(5, 12), outcome="closed", after=timedelta(minutes=10))  # closed in time: not judged
    i[6] = item(wb, "review")
    answered(i[6], at(5, 13), 60, auto=True)
    i[7] = item(wb, "chat")
    answered(i[7], at(6, 10), 5000)  # from the marketplace's cabinet: no member
    i[8] = item(wb, "review")
    ended_without_time(i[8], at(6, 11), outcome="answered_elsewhere", after=timedelta(hours=3))
    i[9] = item(ozon, "question")
    waiting(i[9], at(9, 12), deadline=False)
    i[9].sla_due_soon_at, i[9].first_response_due_at = at(10, 12), at(11, 12)  # a long rule: pending
    i[9].save()
    i[10] = item(ozon, "chat")
    waiting(i[10], at(9, 23, 59))  # the range's last minute; past its target at NOW, not its deadline
    i[10].sla_due_soon_at, i[10].first_response_due_at = at(10, 10), at(10, 20)
    i[10].save()
    i[11] = item(ozon, "review")
    answered(i[11], at(7, 10), 1200, by=a)
    i[12] = item(ozon, "review")
    answered(i[12], at(7, 11), 9000, auto=True)  # a late auto-reply
    i[13] = item(ozon, "chat")
    answered(i[13], at(7, 12), 100, by=a, deadline=False)  # no rule applied: timed, not judged
    i[14] = item(ozon, "question")
    waiting(i[14], at(5, 10), deadline=False)  # no deadline: neither judged nor pending
    i[15] = item(ozon, "chat")
    ended_without_time(i[15], at(8, 8), outcome="closed", after=timedelta(hours=2))
    waiting(i[15], at(8, 10))  # reopened, late again: two missed waits, one interaction

    i[16] = item(wb, "review")
    answered(i[16], at(31, 23, 59, 59, month=10), 600, by=a)  # the last second before the range
    i[17] = item(wb, "chat")
    answered(i[17], at(10, 0, 0), 600, by=a)  # the first second after it
    waiting(i[17], at(10, 1))

    other_shop = other_owner
    foreign = InteractionFactory(connection__seller=other_shop.seller, kind="chat", needs_response=False)
    answered(foreign, at(3, 10), 9999, by=other_shop)
    answered(foreign, at(3, 12), 100, by=other_shop, auto=True)
    waiting(InteractionFactory(connection__seller=other_shop.seller, kind="review"), at(3, 10))
    return {"i": i, "a": a, "b": b, "other": other_shop}


FIGURE_NAMES = list(FIGURES)
ZERO = [(0, 0)] * 8


def figures(counts, pct, times):
    """counts in FIGURES order as (waits, interactions); pct (deadline, target); times (median, p90)."""
    return {
        **{name: {"waits": w, "interactions": n} for name, (w, n) in zip(FIGURE_NAMES, counts, strict=True)},
        "deadline_pct": pct[0],
        "target_pct": pct[1],
        "median_seconds": times[0],
        "p90_seconds": times[1],
    }


# started, judged, met deadline, missed deadline, met target, missed target, pending, responded
EXPECTED = {
    # Team seconds 100, 600, 1200, 2400, 5000, 7200: median (1200 + 2400) / 2; p90 at rank 4.5: 5000 + 0.5 × 2200.
    "team": figures([(15, 13), (9, 7), (3, 3), (6, 5), (2, 2), (7, 5), (2, 2), (6, 5)], (33.3, 22.2), (1800.0, 6100.0)),
    # 60 and 9000: median 4530, p90 60 + 0.9 × 8940.
    "auto_replies": figures(
        [(2, 2), (2, 2), (1, 1), (1, 1), (1, 1), (1, 1), (0, 0), (2, 2)], (50.0, 50.0), (4530.0, 8106.0)
    ),
    ("marketplace", "wb", "team"): figures(
        [(8, 7), (6, 5), (2, 2), (4, 4), (1, 1), (5, 4), (0, 0), (4, 3)], (33.3, 16.7), (3700.0, 6540.0)
    ),
    ("marketplace", "wb", "auto_replies"): figures(
        [(1, 1), (1, 1), (1, 1), (0, 0), (1, 1), (0, 0), (0, 0), (1, 1)], (100.0, 100.0), (60.0, 60.0)
    ),
    ("marketplace", "ozon", "team"): figures(
        [(7, 6), (3, 2), (1, 1), (2, 1), (1, 1), (2, 1), (2, 2), (2, 2)], (33.3, 33.3), (650.0, 1090.0)
    ),
    ("marketplace", "ozon", "auto_replies"): figures(
        [(1, 1), (1, 1), (0, 0), (1, 1), (0, 0), (1, 1), (0, 0), (1, 1)], (0.0, 0.0), (9000.0, 9000.0)
    ),
    ("kind", "review", "team"): figures(
        [(3, 3), (2, 2), (2, 2), (0, 0), (2, 2), (0, 0), (0, 0), (2, 2)], (100.0, 100.0), (900.0, 1140.0)
    ),
    ("kind", "review", "auto_replies"): figures(
        [(2, 2), (2, 2), (1, 1), (1, 1), (1, 1), (1, 1), (0, 0), (2, 2)], (50.0, 50.0), (4530.0, 8106.0)
    ),
    ("kind", "chat", "team"): figures(
        [(8, 6), (6, 4), (1, 1), (5, 4), (0, 0), (6, 4), (1, 1), (4, 3)], (16.7, 0.0), (3700.0, 6540.0)
    ),
    ("kind", "chat", "auto_replies"): figures(ZERO, (None, None), (None, None)),
    ("kind", "question", "team"): figures(
        [(4, 4), (1, 1), (0, 0), (1, 1), (0, 0), (1, 1), (1, 1), (0, 0)], (0.0, 0.0), (None, None)
    ),
    ("kind", "question", "auto_replies"): figures(ZERO, (None, None), (None, None)),
    # The owner answered 100 (no deadline), 600, 1200, 2400 (late for the target).
    "a": figures([(4, 4), (3, 3), (3, 3), (0, 0), (2, 2), (1, 1), (0, 0), (4, 4)], (100.0, 66.7), (900.0, 2040.0)),
    "b": figures([(1, 1), (1, 1), (0, 0), (1, 1), (0, 0), (1, 1), (0, 0), (1, 1)], (0.0, 0.0), (7200.0, 7200.0)),
    None: figures([(1, 1), (1, 1), (0, 0), (1, 1), (0, 0), (1, 1), (0, 0), (1, 1)], (0.0, 0.0), (5000.0, 5000.0)),
}
# The interactions behind the team's figures (their drill-down lists).
TEAM_IDS = {
    "started": {1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 13, 14, 15},
    "judged": {1, 2, 3, 4, 7, 11, 15},
    "met_deadline": {1, 2, 11},
    "missed_deadline": {2, 3, 4, 7, 15},
    "met_target": {1, 11},
    "missed_target": {2, 3, 4, 7, 15},
    "pending": {9, 10},
    "responded": {1, 2, 7, 11, 13},
}


def without_filter(block):
    return {k: v for k, v in block.items() if k != "filter"}


def check_report(report, shop):
    assert without_filter(report["team"]) == EXPECTED["team"]
    assert without_filter(report["auto_replies"]) == EXPECTED["auto_replies"]
    assert [row["marketplace"] for row in report["by_marketplace"]] == ["wb", "ozon"]
    for row in report["by_marketplace"]:
        for slice_name in ("team", "auto_replies"):
            expected = EXPECTED[("marketplace", row["marketplace"], slice_name)]
            assert without_filter(row[slice_name]) == expected, (row["marketplace"], slice_name)
    assert [row["kind"] for row in report["by_kind"]] == ["chat", "question", "review"]
    for row in report["by_kind"]:
        for slice_name in ("team", "auto_replies"):
            assert without_filter(row[slice_name]) == EXPECTED[("kind", row["kind"], slice_name)], row["kind"]
    members = [(row["member"] or {}).get("id") for row in report["by_member"]]
    assert members == [shop["a"].id, shop["b"].id, None]  # most answers first, then by id, nobody last
    for row, key in zip(report["by_member"], ("a", "b", None), strict=True):
        assert without_filter({k: v for k, v in row.items() if k != "member"}) == EXPECTED[key], key


@pytest.fixture
def frozen():
    with freeze_time(NOW):
        yield


def test_report_hand_computed(owner_client, shop, frozen):
    response = owner_client.get("/api/stats", RANGE)
    assert response.status_code == 200, response.content
    body = response.json()
    report = body["sla_report"]
    check_report(report, shop)
    assert report["as_of"] == "2026-11-10T12:00:00Z"
    assert report["figure_filters"] == {
        "started": {},
        "judged": {"sla_pending": "false"},
        "met_deadline": {"sla_met": "true"},
        "missed_deadline": {"sla_met": "false"},
        "met_target": {"sla_target_met": "true"},
        "missed_target": {"sla_target_met": "false"},
        "pending": {"sla_pending": "true"},
        "responded": {"responded": "true"},
    }
    assert report["team"]["filter"] == {**RANGE, "auto_reply": "false"}
    assert report["by_marketplace"][1]["auto_replies"]["filter"] == {
        **RANGE,
        "auto_reply": "true",
        "marketplace": "ozon",
    }
    a = report["by_member"][0]
    assert a["member"] == {"id": shop["a"].id, "email": shop["a"].email, "full_name": shop["a"].full_name}
    assert a["filter"] == {**RANGE, "responded": "true", "responded_by": str(shop["a"].id), "auto_reply": "false"}
    assert report["by_member"][2]["filter"]["responded_by"] == "none"
    # The figures the SPA already shows are the team's.
    assert body["sla"] == {"met": 3, "breached": 6, "compliance_pct": 33.3}
    assert body["first_response"] == {"median_seconds": 1800.0, "p90_seconds": 6100.0}


@pytest.mark.parametrize("in_database", [False, True])
def test_both_percentile_paths(shop, owner, in_database):
    """PostgreSQL's percentile_cont and the Python one (SQLite's) give the same report."""
    if in_database and db_connection.vendor != "postgresql":
        pytest.skip("percentile_cont is PostgreSQL's")
    from datetime import date

    report = sla_report(
        seller=owner.seller,
        date_from=date(2026, 11, 1),
        date_to=date(2026, 11, 9),
        tz=MSK,
        now=NOW,
        percentiles_in_database=in_database,
    )
    check_report(report, shop)


def _listed(client, params) -> list[int]:
    response = client.get(URL, {**params, "limit": 100})
    assert response.status_code == 200, (params, response.content)
    return [row["id"] for row in response.json()["results"]]


def _blocks(report):
    yield "team", report["team"]
    yield "auto_replies", report["auto_replies"]
    for row in report["by_marketplace"]:
        yield row["marketplace"], row["team"]
        yield row["marketplace"] + " auto", row["auto_replies"]
    for row in report["by_kind"]:
        yield row["kind"], row["team"]
        yield row["kind"] + " auto", row["auto_replies"]
    for row in report["by_member"]:
        yield f"member {row['member']}", row


def test_every_figure_drills_down_to_exactly_its_interactions(owner_client, shop, frozen):
    report = owner_client.get("/api/stats", RANGE).json()["sla_report"]
    checked = 0
    for label, block in _blocks(report):
        for figure, extra in report["figure_filters"].items():
            listed = _listed(owner_client, {**block["filter"], **extra})
            assert len(listed) == len(set(listed)) == block[figure]["interactions"], (label, figure, listed)
            checked += 1
    assert checked == (2 + 4 + 6 + 3) * len(FIGURES)
    ids = {item.id: n for n, item in shop["i"].items()}
    for figure, expected in TEAM_IDS.items():
        params = {**report["team"]["filter"], **report["figure_filters"][figure]}
        assert {ids[pk] for pk in _listed(owner_client, params)} == expected, figure


def test_conditions_hold_for_one_and_the_same_wait(owner_client, shop, frozen):
    """I2 has a wait answered in time by the owner and a late one by the agent."""
    i2, a, b = shop["i"][2].id, shop["a"].id, shop["b"].id
    assert i2 in _listed(owner_client, {**RANGE, "responded_by": a, "sla_met": "true"})
    assert i2 in _listed(owner_client, {**RANGE, "responded_by": b, "sla_met": "false"})
    assert i2 not in _listed(owner_client, {**RANGE, "responded_by": b, "sla_met": "true"})
    assert i2 not in _listed(owner_client, {**RANGE, "responded_by": a, "sla_met": "false"})
    # The agent's late wait started on the 3rd: not in a range of the 2nd only.
    assert i2 not in _listed(owner_client, {"from": "2026-11-02", "to": "2026-11-02", "responded_by": b})
    assert _listed(owner_client, {"responded_by": "me", "sla_met": "false"}) == []  # the owner is never late
    # Without a range: every wait, whenever it started (I3's answer in October; I16's and I17's around the range).
    assert set(_listed(owner_client, {"responded_by": b, "responded": "true"})) == {shop["i"][2].id, shop["i"][3].id}
    assert {shop["i"][16].id, shop["i"][17].id} <= set(_listed(owner_client, {"responded_by": a}))
    assert shop["i"][17].id in _listed(owner_client, {"sla_met": "false"})  # its wait started on the 10th
    # Contradictions list nothing, and are no error.
    assert _listed(owner_client, {**RANGE, "sla_pending": "true", "sla_met": "true"}) == []
    assert _listed(owner_client, {**RANGE, "auto_reply": "true", "responded": "false"}) == []


def test_drill_down_combines_with_the_other_filters(owner_client, shop, frozen):
    i = shop["i"]
    missed = {"sla_met": "false", "auto_reply": "false", **RANGE}
    assert set(_listed(owner_client, {**missed, "marketplace": "ozon"})) == {i[15].id}
    assert set(_listed(owner_client, {**missed, "kind": "chat", "needs_response": "true"})) == {i[3].id, i[15].id}
    assert set(_listed(owner_client, {**missed, "status": "closed"})) == {i[2].id, i[4].id, i[7].id}


def test_drill_down_pages_through_each_interaction_once(owner_client, shop, frozen):
    params = {**RANGE, "auto_reply": "false", "limit": 2}
    seen, cursor = [], None
    for _ in range(20):
        body = owner_client.get(URL, {**params, **({"cursor": cursor} if cursor else {})}).json()
        seen += [row["id"] for row in body["results"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 13


@pytest.mark.parametrize("page_size", [2, 20])
def test_drill_down_is_one_query_whatever_the_page_size(
    owner_client, owner, connection, page_size, django_assert_num_queries
):
    for n in range(25):
        interaction = InteractionFactory(connection=connection, kind="chat", needs_response=False)
        answered(interaction, at(2, 10) + timedelta(minutes=n), 7200, by=owner)
        answered(interaction, at(3, 10) + timedelta(minutes=n), 7200, by=owner)
    params = {**RANGE, "sla_met": "false", "sla_target_met": "false", "responded_by": owner.id, "auto_reply": "false"}
    with freeze_time(NOW), django_assert_num_queries(1):
        response = owner_client.get(URL, {**params, "responded": "true", "sla_pending": "false", "limit": page_size})
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("extra_members", [0, 6])
def test_stats_are_ten_queries_whatever_the_data(owner_client, shop, owner, extra_members, django_assert_num_queries):
    """Open counts, volume, the cycles, the running waits, the response times, the members, the replies; the
    quality report's three (per day, per marketplace and kind, per member)."""
    for _ in range(extra_members):
        member = UserFactory(seller=owner.seller, role="agent")
        answered(InteractionFactory(connection__seller=owner.seller, kind="chat"), at(2, 9), 60, by=member)
    with freeze_time(NOW), django_assert_num_queries(10):
        report = owner_client.get("/api/stats", RANGE).json()["sla_report"]
    assert len(report["by_member"]) == 3 + extra_members


def test_other_shops_waits_are_never_counted_or_listed(other_client, owner_client, shop, frozen):
    report = other_client.get("/api/stats", RANGE).json()["sla_report"]
    assert report["team"]["started"] == {"waits": 2, "interactions": 2}  # its own answered and running waits
    assert report["auto_replies"]["responded"]["waits"] == 1
    assert [row["member"]["id"] for row in report["by_member"]] == [shop["other"].id]
    assert _listed(other_client, {**RANGE, "responded_by": shop["a"].id}) == []
    assert len(_listed(other_client, {**RANGE})) == 2
    assert _listed(owner_client, {**RANGE, "responded_by": shop["other"].id}) == []


def test_range_edges_are_days_in_the_shops_timezone(owner_client, owner, connection):
    owner.seller.timezone = "Asia/Yekaterinburg"  # UTC+5: its 1 November starts at 22:00 Moscow time
    owner.seller.save()
    local = ZoneInfo("Asia/Yekaterinburg")
    inside, outside = [], []
    for started, bucket in (
        (datetime(2026, 10, 31, 23, 59, 59, tzinfo=local), outside),
        (datetime(2026, 11, 1, 0, 0, tzinfo=local), inside),
        (datetime(2026, 11, 1, 23, 59, 59, tzinfo=local), inside),
        (datetime(2026, 11, 2, 0, 0, tzinfo=local), outside),
    ):
        interaction = InteractionFactory(connection=connection, needs_response=False)
        answered(interaction, started, 600, by=owner)
        bucket.append(interaction.id)
    day = {"from": "2026-11-01", "to": "2026-11-01"}
    with freeze_time(NOW):
        report = owner_client.get("/api/stats", day).json()["sla_report"]
        assert report["team"]["started"] == {"waits": 2, "interactions": 2}
        assert sorted(_listed(owner_client, {**day, "auto_reply": "false"})) == sorted(inside)


def test_report_of_an_empty_range(owner_client, shop, frozen):
    report = owner_client.get("/api/stats", {"from": "2025-01-01", "to": "2025-01-31"}).json()["sla_report"]
    assert without_filter(report["team"]) == figures(ZERO, (None, None), (None, None))
    assert report["by_member"] == []
    assert [row["team"]["started"]["waits"] for row in report["by_kind"]] == [0, 0, 0]


def test_waits_written_by_the_services_are_counted_and_listed_alike(owner_client, owner, connection):
    """No factory-made cycles: an import, a reply, the buyer writing again, an auto-reply and a close, as the
    services write them, and every figure's drill-down still lists exactly its interactions."""
    from interactions.models import Interaction, ResponseCycle
    from interactions.records import CustomerRecord, InteractionRecord, MessageRecord
    from interactions.services import upsert_records
    from tests.factories import SLARuleFactory

    SLARuleFactory(seller=owner.seller, target_minutes=30, deadline_minutes=60, follows_calendar=False)
    buyer = CustomerRecord(external_id="client-1", name="Иван")

    def message(ext, minutes_ago, *, author="buyer"):
        direction = "in" if author == "buyer" else "out"
        created = NOW - timedelta(minutes=minutes_ago)
        return MessageRecord(
            external_id=ext, direction=direction, author=author, text="Когда придёт?", created_at=created
        )

    def record(kind, ext, messages, **kw):
        return InteractionRecord(
            kind=kind, external_id=ext, created_at=messages[0].created_at, messages=messages, customer=buyer, **kw
        )

    first = [message("c1", 100)]
    with freeze_time(NOW - timedelta(minutes=99)):
        upsert_records(
            connection=connection,
            records=[
                record("chat", "chat-1", first, reply_context={"reply_sign": "s"}),
                record("review", "review-1", [message("r1", 99), message("r2", 98, author="auto_reply")], rating=5),
                record("question", "question-1", [message("q1", 99)]),
            ],
        )
    chat = Interaction.objects.get(kind="chat")
    question = Interaction.objects.get(kind="question")
    with freeze_time(NOW - timedelta(minutes=70)):  # 29 minutes after it was asked: closed in time
        response = owner_client.patch(f"/api/interactions/{question.id}", {"status": "closed"}, format="json")
        assert response.status_code == 200
    with freeze_time(NOW - timedelta(minutes=20)):  # 80 minutes after the buyer wrote: late
        response = owner_client.post(
            f"/api/interactions/{chat.id}/reply", {"text": "Здравствуйте! Завтра привезут."}, format="json"
        )
        assert response.status_code == 201
    with freeze_time(NOW - timedelta(minutes=10)):  # the buyer writes again: a second wait, pending at NOW
        again = [*first, message("c2", 20, author="seller"), message("c3", 10)]
        upsert_records(
            connection=connection, records=[record("chat", "chat-1", again, reply_context={"reply_sign": "s"})]
        )

    assert ResponseCycle.objects.filter(seller=owner.seller).count() == 3
    with freeze_time(NOW):
        day = {"from": "2026-11-10", "to": "2026-11-10"}
        report = owner_client.get("/api/stats", day).json()["sla_report"]
        team = report["team"]
        assert team["started"] == {"waits": 3, "interactions": 2}  # the chat twice, the question
        assert team["missed_deadline"] == {"waits": 1, "interactions": 1}  # the chat's first wait
        assert team["pending"] == {"waits": 1, "interactions": 1}  # its second
        assert team["judged"]["waits"] == 1 and team["deadline_pct"] == 0.0  # the question closed in time: not judged
        assert team["median_seconds"] == 80 * 60
        assert report["auto_replies"]["met_deadline"] == {"waits": 1, "interactions": 1}
        assert report["by_member"][0]["member"]["id"] == owner.id
        for label, block in _blocks(report):
            for figure, extra in report["figure_filters"].items():
                listed = _listed(owner_client, {**block["filter"], **extra})
                assert len(listed) == block[figure]["interactions"], (label, figure)
