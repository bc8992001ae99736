"""Reads of the inbox tables: tenant-scoped, shaped for the API."""

from interactions.selectors.answers import (
    SentAnswer,
    WatchedAnswer,
    answers_for_reconciliation,
    answers_waiting,
    answers_watched,
)
from interactions.selectors.customers import customer_get, customer_list
from interactions.selectors.detail import interaction_detail
from interactions.selectors.inbox import (
    ORDERINGS,
    InboxPage,
    inbox_list,
    interaction_get,
    interactions_for_bulk,
    product_get,
    product_names_known,
    replies_due,
)
from interactions.selectors.keyset import CursorError
from interactions.selectors.links import interaction_links, link_pair
from interactions.selectors.stats import stats_for
from interactions.selectors.waits import NO_MEMBER

__all__ = [
    "NO_MEMBER",
    "ORDERINGS",
    "CursorError",
    "InboxPage",
    "SentAnswer",
    "WatchedAnswer",
    "answers_for_reconciliation",
    "answers_waiting",
    "answers_watched",
    "customer_get",
    "customer_list",
    "inbox_list",
    "interaction_detail",
    "interaction_get",
    "interaction_links",
    "interactions_for_bulk",
    "link_pair",
    "product_get",
    "product_names_known",
    "replies_due",
    "stats_for",
]
