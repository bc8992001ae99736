"""The SLA benchmark's data set: open interactions across ~1,000 shops with running response clocks, quiet
chats for auto-close and some closed history, loaded with COPY while the secondary indexes are dropped, then
rebuilt and analysed.

Every clock is computed by the service code itself (`sla_rule_for`, `rule_time`, `WorkingTime.add`,
`escalation_at`, `sla_state_at`) as the sweep would have left it at `as_of` (= `now` − `lag`): the rule, the
due times, the escalation steps already taken (with the reassign step's raised priority and new assignee,
the rule then re-picked for the raised priority), the next step, the state. So the first sweep at `now`
moves what became due during the lag, and `recompute_sla(now=as_of)` finds nothing to change.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from typing import Any

from inbox_load import BUYER_TEXTS, NAMES, PRODUCTS, RATINGS, REPLIES, drop_secondary_indexes

META_TABLE = "bench_sla_meta"
# Bump when the generator changes: a data set of another version is reloaded.
VERSION = 1
INDEXED_TABLES = ("interactions_interaction", "interactions_message", "interactions_interactionevent")
BIG_SHARE = 0.10  # one big shop, as in the inbox bench: a shop-scoped recompute is measured on it
QUIET_SHARE = 0.12  # open rows that are answered chats (status waiting): auto-close's candidates
CALENDAR_SHARE = 0.15  # shops with working hours; the rest run round the clock
SHOP_RULE_SHARE = 0.03  # shops with a rule of their own
ZONES = ["Europe/Moscow"] * 16 + ["Asia/Yekaterinburg", "Asia/Novosibirsk", "Europe/Kaliningrad", "Asia/Vladivostok"]
# Working weeks (weekday → periods): a plain office week, split shifts with a short Saturday, every day.
WEEKS = [
    ({str(d): [["09:00", "18:00"]] for d in range(5)}, True),
    ({**{str(d): [["09:00", "13:00"], ["14:00", "18:00"]] for d in range(5)}, "5": [["10:00", "15:00"]]}, True),
    ({str(d): [["10:00", "14:00"], ["15:00", "20:00"]] for d in range(7)}, False),
]


def read_meta(dsn: str) -> dict[str, Any] | None:
    import psycopg

    with psycopg.connect(dsn) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", [META_TABLE]).fetchone()[0]
        if exists is None:
            return None
        row = conn.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'meta'").fetchone()  # noqa: S608
        return json.loads(row[0]) if row else None


def matches(meta: dict[str, Any] | None, *, rows: int, shops: int, closed: int, lag_minutes: int) -> bool:
    return (
        meta is not None
        and meta.get("complete") is True
        and meta.get("version") == VERSION
        and (
            meta.get("rows"),
            meta.get("shops"),
            meta.get("closed"),
            meta.get("lag_minutes"),
        )
        == (rows, shops, closed, lag_minutes)
    )


def _write_meta(cursor: Any, meta: dict[str, Any]) -> None:
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value text NOT NULL)")
    cursor.execute(
        f"INSERT INTO {META_TABLE} (key, value) VALUES ('meta', %s) "  # noqa: S608
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [json.dumps(meta)],
    )


def _shops(rng: random.Random, shops: int, *, today: date) -> dict[str, Any]:
    """Sellers, their members, connections, calendars (some with own days) and a few shop rules."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from integrations.models import Connection
    from interactions.models import CalendarDay, SLARule, WorkingCalendar
    from sellers.models import Seller, User

    password = make_password("bench-password-1")
    with transaction.atomic():
        sellers = Seller.objects.bulk_create(
            [Seller(name=f"slabench-{n:04d}", timezone=rng.choice(ZONES)) for n in range(shops)]
        )
        users = [User(email=f"staff{n}@slabench.example", role="", is_staff=True, password=password) for n in range(3)]
        for n, seller in enumerate(sellers):
            for k in range(2 if rng.random() < 0.1 else 1):
                users.append(
                    User(email=f"owner{n}-{k}@slabench.example", seller=seller, role="owner", password=password)
                )
            for k in range(rng.choice([0, 0, 1, 2, 3])):
                users.append(
                    User(
                        email=f"agent{n}-{k}@slabench.example",
                        seller=seller,
                        role="agent",
                        password=password,
                        is_active=rng.random() > 0.05,  # a few left the shop: their items go to the owners
                    )
                )
        users = User.objects.bulk_create(users)
        connections = Connection.objects.bulk_create(
            [Connection(seller=s, marketplace=m, name=f"{m}-{s.pk}") for s in sellers for m in ("wb", "ozon")]
        )
        calendars = []
        for seller in sellers[1:]:  # the big shop runs round the clock
            if rng.random() < CALENDAR_SHARE:
                week, production = rng.choice(WEEKS)
                calendars.append(WorkingCalendar(seller=seller, week=week, follows_production_calendar=production))
        calendars = WorkingCalendar.objects.bulk_create(calendars)
        days = []
        for calendar in calendars:
            offsets = rng.sample(range(-60, 30), 4)
            for offset in offsets[:3]:
                days.append(CalendarDay(calendar=calendar, date=today + timedelta(days=offset), note="выходной"))
            extra = today + timedelta(days=offsets[3])
            days.append(
                CalendarDay(calendar=calendar, date=extra, is_working=True, periods=[["10:00", "16:00"]], note="акция")
            )
        CalendarDay.objects.bulk_create(days)
        members: dict[int, list[Any]] = {}
        for user in users:
            if user.seller_id is not None:
                members.setdefault(user.seller_id, []).append(user)
        rules = []
        for seller in sellers[1:]:
            if rng.random() < SHOP_RULE_SHARE:
                agents = [u for u in members[seller.pk] if u.role == "agent" and u.is_active]
                rules.append(
                    SLARule(
                        name=f"Отзывы 1–3★ магазина {seller.pk}",
                        seller=seller,
                        kind="review",
                        rating_max=3,
                        target_minutes=90,
                        deadline_minutes=240,
                        follows_calendar=True,
                        escalate_to=agents[0] if agents else None,
                        escalation_steps=[
                            {"after_minutes": 60, "action": "notify_assignee"},
                            {"after_minutes": 240, "action": "notify_owner"},
                            {"after_minutes": 300, "action": "reassign"},
                        ],
                    )
                )
        SLARule.objects.bulk_create(rules)
    owners = {s.pk: sorted(u.pk for u in members[s.pk] if u.role == "owner" and u.is_active) for s in sellers}
    return {
        "sellers": sellers,
        "members": members,
        "owners": owners,
        "connections": {(c.seller_id, c.marketplace): c.pk for c in connections},
        "calendars": len(calendars),
        "calendar_days": len(days),
        "shop_rules": len(rules),
        "users": len(users),
    }


def _per_shop(rows: int, shops: int) -> list[int]:
    big = int(rows * BIG_SHARE) if shops > 1 else rows
    per = [big] + [0] * (shops - 1)
    rest = rows - big
    for n in range(1, shops):
        per[n] = rest // (shops - 1) + (1 if n <= rest % (shops - 1) else 0)
    return per


def _wait_age(rng: random.Random) -> timedelta:
    """How long an open wait has run: a live day's arrivals, the week's backlog, a long tail of old reviews."""
    roll = rng.random()
    if roll < 0.15:
        return timedelta(hours=24 * rng.random())
    if roll < 0.40:
        return timedelta(days=1 + 6 * rng.random())
    return timedelta(days=7 + 53 * rng.random() ** 1.5)


RAISED = {"low": "normal", "normal": "high", "high": "urgent"}
CLOSED_STATUS_CARD = [0, 0, 1, 2, 3, 4, 12]  # WB goodCard statusID: 0/12 before a purchase, the rest after


def load(*, rows: int, shops: int, closed: int, lag_minutes: int, auto_close_days: int = 10) -> dict[str, Any]:
    import psycopg
    from django.db import connection
    from django.utils import timezone

    from interactions.models import SLARule
    from interactions.services.sla import SLAFacts, chat_phase_of, rule_time, sla_rule_for, sla_state_at
    from interactions.services.upsert import default_priority
    from interactions.services.working_time import working_times_for

    rng = random.Random(42)
    timings: dict[str, Any] = {}
    started = time.perf_counter()
    now = timezone.now().replace(second=0, microsecond=0)
    as_of = now - timedelta(minutes=lag_minutes)
    world = _shops(rng, shops, today=now.date())
    sellers, members, owners, conns = world["sellers"], world["members"], world["owners"], world["connections"]
    all_rules = list(SLARule.objects.filter(is_active=True).select_related("escalate_to"))
    global_rules = [r for r in all_rules if r.seller_id is None]
    rules_of = {s.pk: [r for r in all_rules if r.seller_id == s.pk] + global_rules for s in sellers}
    times = working_times_for([s.pk for s in sellers], cached=False)

    def clock(seller_id: int, facts: SLAFacts, start: datetime) -> tuple[Any, ...]:
        rule = sla_rule_for(rules=rules_of[seller_id], facts=facts)
        clock_time = rule_time(rule, times[seller_id])
        steps = [(clock_time.add(start, s["after_minutes"]), s["action"]) for s in rule.escalation_steps or []]
        return rule, clock_time.add(start, rule.target_minutes), clock_time.add(start, rule.deadline_minutes), steps

    definitions = drop_secondary_indexes(INDEXED_TABLES)
    interaction_cols = (
        "id, seller_id, connection_id, marketplace, kind, external_id, product_id, product_name, rating, status, "
        "needs_response, priority, intent, sentiment, ai_summary, draft_text, first_response_due_at, "
        "first_responded_at, sla_state, escalated_at, sla_rule_id, sla_started_at, sla_due_soon_at, "
        "sla_escalation_step, sla_next_escalation_at, assigned_to_id, is_read, created_at, last_message_at, "
        "last_buyer_message_at, closed_at, reply_context, raw, search_text, inserted_at, updated_at, author_name"
    )
    message_cols = (
        "id, interaction_id, seller_id, direction, author, author_user_id, text, attachments, external_id, created_at, "
        "delivery_state, attempts, last_error, next_attempt_at, sent_at"
    )
    event_cols = "interaction_id, kind, actor_id, data, created_at"
    counts = dict.fromkeys(
        ("waits", "quiet_chats", "quiet_eligible", "quiet_blocked_by_reply", "quiet_buyer_last", "closed"), 0
    )
    by_state: dict[str, int] = {}
    interaction_id = message_id = 0
    t0 = time.perf_counter()
    dsn = os.environ["DATABASE_URL"]
    sessions = [psycopg.connect(dsn, autocommit=True) for _ in range(3)]
    for session in sessions:
        session.execute("SET session_replication_role = replica")  # no FK triggers during the bulk load
    with (
        sessions[0].cursor().copy(f"COPY interactions_interaction ({interaction_cols}) FROM STDIN") as interactions,
        sessions[1].cursor().copy(f"COPY interactions_message ({message_cols}) FROM STDIN") as messages,
        sessions[2].cursor().copy(f"COPY interactions_interactionevent ({event_cols}) FROM STDIN") as events,
    ):

        def message(iid: int, seller_id: int, direction: str, at: datetime, *, state: str = "sent", user=None) -> None:
            nonlocal message_id
            message_id += 1
            out = direction == "out"
            messages.write_row(
                (
                    message_id,
                    iid,
                    seller_id,
                    direction,
                    "seller" if out else "buyer",
                    user,
                    rng.choice(REPLIES) if out else rng.choice(BUYER_TEXTS),
                    "[]",
                    f"m{message_id}" if state == "sent" or not out else None,
                    at,
                    state if out else "",
                    {"sent": 1, "pending": 0, "failed": 5}[state] if out else 0,
                    "HTTP 503 от маркетплейса" if state == "failed" else "",
                    at + timedelta(minutes=5) if state == "pending" else None,
                    at if out and state == "sent" else None,
                )
            )

        open_per_shop = _per_shop(rows, shops)
        closed_per_shop = _per_shop(closed, shops)
        for shop_index, seller in enumerate(sellers):
            sid = seller.pk
            staff_of_shop = [u.pk for u in members[sid] if u.is_active]
            plan = ["open"] * open_per_shop[shop_index] + ["closed"] * closed_per_shop[shop_index]
            for what in plan:
                interaction_id += 1
                iid = interaction_id
                marketplace = "wb" if rng.random() < 0.6 else "ozon"
                quiet = what == "open" and rng.random() < QUIET_SHARE
                if quiet:
                    kind = "chat"
                else:
                    roll = rng.random()
                    kind = "review" if roll < 0.55 else "question" if roll < 0.75 else "chat"
                rating = rng.choice(RATINGS) if kind == "review" else None
                priority = default_priority(kind=kind, rating=rating)
                reply_context: dict[str, Any] = {}
                if kind == "chat" and marketplace == "wb" and rng.random() < 0.4:
                    reply_context = {"good_card": {"statusID": rng.choice(CLOSED_STATUS_CARD)}}
                product_no = rng.randrange(200)
                product_name = f"{PRODUCTS[product_no % len(PRODUCTS)]} {product_no}"
                author = f"{rng.choice(NAMES)} {rng.randint(1, 999)}"
                phase = chat_phase_of(kind=kind, marketplace=marketplace, reply_context=reply_context)
                facts = SLAFacts(
                    seller_id=sid,
                    marketplace=marketplace,
                    kind=kind,
                    priority=priority,
                    rating=rating,
                    chat_phase=phase,
                )
                assigned = rng.choice(members[sid]).pk if members[sid] and rng.random() < 0.2 else None
                escalated_at = closed_at = responded = None
                step = 0
                next_at = None
                if what == "open" and not quiet:
                    # A running wait.
                    counts["waits"] += 1
                    start = (now - _wait_age(rng)).replace(microsecond=rng.randrange(1_000_000))
                    created = start - (
                        timedelta(days=rng.uniform(1, 30)) if kind == "chat" and rng.random() < 0.3 else timedelta()
                    )
                    rule, due_soon, due, steps = clock(sid, facts, start)
                    taken = [s for s in steps if s[0] <= as_of]
                    if any(action == "reassign" for _, action in taken):
                        # The sweep took the reassign step: new assignee, raised priority; the wait is then
                        # clocked by the rule of the raised priority (what recompute would re-pick).
                        fallback = rule.escalate_to
                        target = (
                            fallback.pk
                            if fallback is not None and fallback.is_active and fallback.seller_id == sid
                            else (owners[sid][0] if owners[sid] else None)
                        )
                        assigned = target if target is not None else assigned
                        priority = RAISED.get(priority, priority)
                        facts = SLAFacts(
                            seller_id=sid,
                            marketplace=marketplace,
                            kind=kind,
                            priority=priority,
                            rating=rating,
                            chat_phase=phase,
                        )
                        rule, due_soon, due, steps = clock(sid, facts, start)
                        taken = [s for s in steps if s[0] <= as_of]
                    step = len(taken)
                    next_at = steps[step][0] if step < len(steps) else None
                    escalated_at = taken[-1][0] if taken else None
                    state = sla_state_at(due_soon_at=due_soon, due_at=due, now=as_of)
                    by_state[state] = by_state.get(state, 0) + 1
                    status = "new" if rng.random() < 0.4 else "open"
                    needs = True
                    last_message = last_buyer = start
                    message(iid, sid, "in", start)
                elif what == "open":
                    # An answered chat: our reply was the last word, or the buyer's "спасибо" needed none.
                    counts["quiet_chats"] += 1
                    days = auto_close_days
                    roll = rng.random()
                    if roll < 0.03:
                        age = timedelta(days=days + 1 + 50 * rng.random())  # long stuck behind a failed reply
                    else:
                        age = timedelta(days=(days + 1) * rng.random())
                    last_message = (now - age).replace(microsecond=rng.randrange(1_000_000))
                    start = last_message - timedelta(minutes=rng.lognormvariate(4, 1.2))
                    created = start - timedelta(days=rng.uniform(0, 5))
                    rule, due_soon, due, _ = clock(sid, facts, start)
                    responded = last_message
                    needs = False
                    status = "waiting"
                    state = "ok"
                    message(iid, sid, "in", start)
                    buyer_last = rng.random() < 0.04
                    blocked = roll < 0.03 or rng.random() < 0.12
                    if buyer_last:
                        message(iid, sid, "out", start + (last_message - start) / 2, user=assigned)
                        message(iid, sid, "in", last_message)
                        last_buyer = last_message
                        counts["quiet_buyer_last"] += 1
                    else:
                        state_of_reply = "sent"
                        if blocked:
                            message(iid, sid, "out", start + (last_message - start) / 2, user=assigned)
                            state_of_reply = "failed" if rng.random() < 0.8 else "pending"
                            counts["quiet_blocked_by_reply"] += 1
                        message(iid, sid, "out", last_message, state=state_of_reply, user=assigned)
                        last_buyer = start
                        if not blocked and now - last_message > timedelta(days=days):
                            counts["quiet_eligible"] += 1
                else:
                    # History: answered and closed.
                    counts["closed"] += 1
                    start = now - timedelta(days=90 * rng.random() ** 2, minutes=rng.randrange(60))
                    created = start
                    rule, due_soon, due, _ = clock(sid, facts, start)
                    responded = start + timedelta(minutes=rng.lognormvariate(4, 1.2))
                    closed_at = last_message = responded
                    last_buyer = start
                    needs = False
                    status = "closed"
                    state = "ok"
                    message(iid, sid, "in", start)
                    message(iid, sid, "out", responded, user=rng.choice(staff_of_shop) if staff_of_shop else None)
                text = rng.choice(BUYER_TEXTS)
                interactions.write_row(
                    (
                        iid,
                        sid,
                        conns[(sid, marketplace)],
                        marketplace,
                        kind,
                        f"x{iid}",
                        str(100_000 + shop_index * 1000 + product_no),
                        product_name,
                        rating,
                        status,
                        needs,
                        priority,
                        "",
                        "",
                        "",
                        "",
                        due,
                        responded,
                        state,
                        escalated_at,
                        rule.pk,
                        start,
                        due_soon,
                        step,
                        next_at,
                        assigned,
                        not needs or rng.random() < 0.3,
                        created,
                        last_message,
                        last_buyer,
                        closed_at,
                        json.dumps(reply_context),
                        "{}",
                        f"{product_name} {author} {text}",
                        created,
                        last_message,
                        author,
                    )
                )
                events.write_row((iid, "created", None, "{}", created))
            if shop_index % 100 == 0:
                print(f"  shop {shop_index}/{shops}: {interaction_id} interactions", file=sys.stderr, flush=True)
    for session in sessions:
        session.close()
    timings["copy_s"] = round(time.perf_counter() - t0, 1)
    with connection.cursor() as cursor:
        t1 = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for definition in definitions:
            cursor.execute(definition)
        timings["index_s"] = round(time.perf_counter() - t1, 1)
        for table in INDEXED_TABLES:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
        t2 = time.perf_counter()
        cursor.execute("VACUUM (ANALYZE)")
        timings["vacuum_s"] = round(time.perf_counter() - t2, 1)
        meta = {
            "version": VERSION,
            "complete": True,
            "rows": rows,
            "shops": shops,
            "closed": closed,
            "lag_minutes": lag_minutes,
            "now": now.isoformat(),
            "as_of": as_of.isoformat(),
            "auto_close_days": auto_close_days,
            "big_seller_id": sellers[0].pk,
            "calendars": world["calendars"],
            "calendar_days": world["calendar_days"],
            "shop_rules": world["shop_rules"],
            "users": world["users"],
            "messages": message_id,
            "states_at_as_of": by_state,
            **counts,
        }
        _write_meta(cursor, meta)
    timings["load_s"] = round(time.perf_counter() - started, 1)
    return {**timings, "meta": meta}
