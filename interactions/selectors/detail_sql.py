"""The interaction detail in one statement on PostgreSQL (the ORM reader, for any database, is in `detail`).

Every section — the interaction with its buyer and assignee, its messages, its last events, the buyer's
other interactions, the links' decisions and candidates, the product card — is a column of one SELECT:
the interaction's row, and one JSON array per section built by a correlated subquery. That is one round
trip instead of seven and no query for the ORM to build and compile per request (≈ 0.3–2 ms each: the
links' candidates query alone cost 2 ms of Python), and it is prepared once per database connection
(`agentiq.db.PreparedStatement`: planning it costs 0.8 ms, running it 0.25 ms). The statement is generated once per process from the
section column lists of `detail` and `links` and the models' column names, so both readers read the same
columns; each subquery repeats its ORM twin's filters, order and limit, and the values are turned back
into the ORM's types (datetimes from JSON's ISO strings, Decimal from text, JSON by `json.loads` as
Django's JSONField does), so `assemble` builds the same dict from either reader (tests compare them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection, models

from agentiq.db import PreparedStatement
from integrations.models import ProductCard  # read-only use of the card cache
from interactions.linking import LINK_WINDOW
from interactions.models import (
    Author,
    Customer,
    Direction,
    Interaction,
    InteractionEvent,
    InteractionLink,
    Message,
    ReplyQuality,
)
from interactions.selectors import detail, links
from sellers.models import User

Convert = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Columns:
    """Some model columns as SQL expressions, the keys they are read into, and how to restore each value."""

    sql: list[str]
    keys: list[str]
    converts: list[Convert]

    def __add__(self, other: _Columns) -> _Columns:
        return _Columns(self.sql + other.sql, self.keys + other.keys, self.converts + other.converts)

    def row(self, values: Sequence[Any]) -> dict[str, Any]:
        return {
            key: value if value is None or convert is None else convert(value)
            for key, convert, value in zip(self.keys, self.converts, values, strict=True)
        }


def _columns(model: type[models.Model], alias: str, names: Sequence[str], *, prefix: str = "") -> _Columns:
    """`names` (field names or attnames) of `model` under the table alias `alias`, read as JSON would carry
    them: datetimes as ISO strings (restored by `fromisoformat`), decimals as text (not floats)."""
    sql, converts = [], []
    for name in names:
        field = model._meta.get_field(name)
        column = f'{alias}."{field.column}"'
        convert: Convert = None
        if isinstance(field, models.DateTimeField):
            convert = datetime.fromisoformat
        elif isinstance(field, models.DecimalField):
            column, convert = f"{column}::text", Decimal
        sql.append(column)
        converts.append(convert)
    return _Columns(sql, [f"{prefix}{name}" for name in names], converts)


def _table(model: type[models.Model]) -> str:
    return f'"{model._meta.db_table}"'


@dataclass(frozen=True)
class _Statement:
    prepared: PreparedStatement
    row: _Columns
    message: _Columns
    event: _Columns
    other: _Columns
    card: _Columns
    candidate: _Columns


@cache
def _statement() -> _Statement:
    """The detail's SELECT. `i` is the interaction; every section's subquery is correlated to it."""
    interaction, customer, user, message, event, link = (
        _table(m) for m in (Interaction, Customer, User, Message, InteractionEvent, InteractionLink)
    )
    row = (
        _columns(Interaction, "i", detail._INTERACTION_FIELDS)
        + _columns(Customer, "c", detail._CUSTOMER_FIELDS, prefix="customer__")
        + _columns(User, "u", detail._USER_FIELDS, prefix="assigned_to__")
    )
    message_columns = (
        _columns(Message, "m", detail._MESSAGE_FIELDS)
        + _columns(User, "mu", detail._USER_FIELDS, prefix="author_user__")
        + _columns(ReplyQuality, "mq", detail._QUALITY_FIELDS, prefix="quality__")
    )
    event_columns = _columns(InteractionEvent, "e", detail._EVENT_FIELDS) + _columns(
        User, "eu", detail._USER_FIELDS, prefix="actor__"
    )
    other_columns = _columns(Interaction, "o", detail._BRIEF_INTERACTION_FIELDS)
    card_columns = _columns(ProductCard, "p", detail._CARD_FIELDS)
    candidate_columns = _columns(Interaction, "x", links.BRIEF_COLUMNS)
    candidate_columns = _Columns(
        [*candidate_columns.sql, "x.buyer_text_"],
        [*candidate_columns.keys, "buyer_text"],
        [*candidate_columns.converts, None],
    )
    # The seller's decisions on this interaction's links: (the other id, decision, decided_at).
    decided = f"""
        SELECT CASE WHEN l.a_id = i.id THEN l.b_id ELSE l.a_id END AS other_id, l.decision, l.decided_at
        FROM {link} l WHERE (l.a_id = i.id OR l.b_id = i.id) AND l.seller_id = %(seller)s"""  # noqa: S608 (our tables and columns, no input)
    window = "make_interval(secs => %(window_s)s)"
    link_end = "GREATEST(i.created_at, COALESCE(i.last_buyer_message_at, i.created_at))"
    nearby = f"""i.product_id <> '' AND y.seller_id = %(seller)s AND y.marketplace = i.marketplace
        AND y.product_id = i.product_id AND y.created_at <= {link_end} + {window}
        AND COALESCE(y.last_buyer_message_at, y.created_at) >= i.created_at - {window}"""
    # As links.link_candidates: this interaction, its buyer's, those decided with it, and those about its
    # product active within the window that no other buyer id rules out (each branch one index lookup).
    candidate_ids = f"""
        SELECT i.id
        UNION ALL SELECT y.id FROM {interaction} y WHERE y.customer_id = i.customer_id
        UNION ALL SELECT d.other_id FROM ({decided}) d
        UNION ALL SELECT y.id FROM {interaction} y WHERE i.customer_id IS NULL AND {nearby}
        UNION ALL SELECT y.id FROM {interaction} y WHERE i.customer_id IS NOT NULL AND y.customer_id IS NULL AND {nearby}"""  # noqa: S608 (our tables and columns, no input)
    first_buyer_text = f"""
        SELECT LEFT(t.text, %(text_chars)s) FROM {message} t
        WHERE t.interaction_id = x.id AND t.direction = %(direction_in)s AND t.author = %(author_buyer)s
        ORDER BY t.created_at, t.id LIMIT 1"""  # noqa: S608 (our tables and columns, no input)
    sql = f"""
SELECT json_build_array(
    {", ".join(row.sql)},
    (SELECT COALESCE(json_agg(json_build_array({", ".join(message_columns.sql)}) ORDER BY m.created_at, m.id), '[]')
       FROM {message} m LEFT JOIN {user} mu ON mu.id = m.author_user_id
       LEFT JOIN {_table(ReplyQuality)} mq ON mq.message_id = m.id
      WHERE m.interaction_id = i.id AND m.superseded_at IS NULL),
    (SELECT COALESCE(json_agg(json_build_array({", ".join(event_columns.sql)}) ORDER BY e.created_at, e.id), '[]')
       FROM (SELECT * FROM {event} e WHERE e.interaction_id = i.id
              ORDER BY e.created_at DESC, e.id DESC LIMIT %(events_limit)s) e
       LEFT JOIN {user} eu ON eu.id = e.actor_id),
    (SELECT COALESCE(json_agg(json_build_array({", ".join(other_columns.sql)}) ORDER BY o.created_at DESC, o.id DESC), '[]')
       FROM (SELECT * FROM {interaction} o
              WHERE o.seller_id = %(seller)s AND o.customer_id = i.customer_id AND NOT (o.id = i.id)
              ORDER BY o.created_at DESC, o.id DESC LIMIT %(others_limit)s) o),
    (SELECT json_build_array({", ".join(card_columns.sql)}) FROM {_table(ProductCard)} p
      WHERE p.marketplace = i.marketplace AND NOT p.is_missing
        AND p.nm_id = CASE WHEN i.product_id ~ '^[0-9]{{1,{detail.CARD_NM_ID_DIGITS}}}$' THEN i.product_id::bigint END
      LIMIT 1),
    (SELECT COALESCE(json_agg(json_build_array(d.other_id, d.decision, d.decided_at)), '[]') FROM ({decided}) d),
    (SELECT COALESCE(json_agg(json_build_array({", ".join(candidate_columns.sql)})
                              ORDER BY x.rank_, x.distance_, x.id DESC), '[]')
       FROM (SELECT x.*,
                    CASE WHEN x.id = i.id THEN 0
                         WHEN x.customer_id = i.customer_id OR x.id IN (SELECT d.other_id FROM ({decided}) d) THEN 1
                         ELSE 2 END AS rank_,
                    CASE WHEN x.created_at >= i.created_at THEN x.created_at - i.created_at
                         ELSE i.created_at - x.created_at END AS distance_,
                    CASE WHEN x.id <> i.id AND x.customer_id = i.customer_id THEN NULL
                         ELSE ({first_buyer_text}) END AS buyer_text_
               FROM {interaction} x
              WHERE x.seller_id = %(seller)s AND x.id IN ({candidate_ids})
              ORDER BY rank_, distance_, x.id DESC LIMIT %(candidates_limit)s) x)
)::text
FROM {interaction} i
LEFT JOIN {customer} c ON c.id = i.customer_id
LEFT JOIN {user} u ON u.id = i.assigned_to_id
WHERE i.id = %(id)s AND i.seller_id = %(seller)s"""  # noqa: S608 (our tables and columns, no input)
    return _Statement(
        prepared=PreparedStatement(STATEMENT_NAME, sql, PARAMETERS),
        row=row,
        message=message_columns,
        event=event_columns,
        other=other_columns,
        card=card_columns,
        candidate=candidate_columns,
    )


# The statement's parameters, in the order of its prepared form, with their types.
PARAMETERS = (
    ("id", "bigint"),
    ("seller", "bigint"),
    ("window_s", "double precision"),
    ("events_limit", "integer"),
    ("others_limit", "integer"),
    ("candidates_limit", "integer"),
    ("text_chars", "integer"),
    ("direction_in", "text"),
    ("author_buyer", "text"),
)
STATEMENT_NAME = "agentiq_interaction_detail"


def read_parts(*, seller_id: int, interaction_id: int) -> detail.DetailParts | None:
    """The detail's sections in one statement (PostgreSQL), as `detail.read_parts` returns them."""
    statement = _statement()
    values = {
        "id": interaction_id,
        "seller": seller_id,
        "window_s": LINK_WINDOW.total_seconds(),
        "events_limit": detail.DETAIL_EVENTS_LIMIT,
        "others_limit": detail.SUMMARY_OTHER_LIMIT,
        "candidates_limit": links.CANDIDATES_LIMIT,
        "text_chars": links.TEXT_CHARS,
        "direction_in": Direction.IN.value,
        "author_buyer": Author.BUYER.value,
    }
    with connection.cursor() as cursor:
        statement.prepared.execute(cursor, values)
        found = cursor.fetchone()
    if found is None:
        return None
    (document,) = found
    # JSON as Django's JSONField reads it (the standard library: integers of any size stay integers).
    *columns, messages, events, others, card, decisions, candidates = json.loads(document)
    row = statement.row.row(columns)
    linked = links.can_link(detail.link_side_row(row))  # as the ORM reader, which then reads no links
    return detail.DetailParts(
        row=row,
        messages=[detail.take_quality(_nest(statement.message.row(m), "author_user")) for m in messages],
        events=[_nest(statement.event.row(e), "actor") for e in events],
        other_interactions=[statement.other.row(o) for o in others],
        product_card=None if card is None else statement.card.row(card),
        decisions={
            other_id: (decision, None if decided_at is None else datetime.fromisoformat(decided_at))
            for other_id, decision, decided_at in decisions
        }
        if linked
        else {},
        candidates=[statement.candidate.row(c) for c in candidates] if linked else [],
    )


def _nest(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    row[prefix] = detail._take(row, prefix, detail._USER_FIELDS)
    return row
