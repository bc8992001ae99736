"""A WB feedbacks or questions pass interrupted at any page: the next complete sync still brings every item.

A pass reads the unanswered list, then the answered one. The sync is stopped after page N of a pass (its
cursor saved exactly there), the marketplace moves on for a while (new items, answers written in the
seller's cabinet, one of them on an item we never saw unanswered), and one complete sync must then leave
the inbox equal to the sandbox's ground truth, for every N.
"""

from __future__ import annotations

import time

import pytest

from integrations.models import SyncRun
from integrations.sync.engine import sync_connection
from integrations.sync.truth_audit import audit_connection
from integrations.wildberries import streams as wb_streams
from interactions.models import Kind
from sandbox.records import Answer
from tests.factories import sandbox_connection

pytestmark = pytest.mark.django_db

KIND_BY_STREAM = {"wb_feedbacks": Kind.REVIEW, "wb_questions": Kind.QUESTION}
# Longer than the reader's overlap, so a gap in the marketplace's time cannot hide behind it.
GAP_SECONDS = wb_streams.OVERLAP_SECONDS + 5 * 60


class Interrupted(Exception):
    """Stands for whatever stops a pass after a page (a fault past its retries, a lost lock)."""


class Marketplace:
    """The sandbox shop seen from the seller's side: its clock, new buyer items, answers in the cabinet."""

    def __init__(self, sandbox, shop, monkeypatch, stream: str):
        self.state, self.shop_no, self.stream = sandbox.state, shop.shop_no, stream
        self.offset = 0.0
        monkeypatch.setattr(self.state, "clock", lambda: time.time() + self.offset)

    def _items(self) -> list:
        shop = self.state.shop(self.shop_no)
        return shop.feedbacks if self.stream == "wb_feedbacks" else shop.questions

    def unanswered(self) -> list:
        with self.state.lock:
            if self.stream == "wb_feedbacks":
                return [f for f in self._items() if f.answer is None]
            return [q for q in self._items() if not q.answered]

    def answer_in_cabinet(self, item) -> None:
        with self.state.lock:
            item.answer = Answer("Ответ из кабинета продавца", self.state.clock())
            item.was_viewed = True
            if self.stream == "wb_questions":
                item.state = "wbRu"

    def add(self, count: int) -> list:
        kind = "reviews" if self.stream == "wb_feedbacks" else "questions"
        created = self.state.add_traffic(self.shop_no, **{kind: count}, marketplace="wb")
        by_id = {item.id: item for item in self._items()}
        return [by_id[item_id] for item_id in created[self.stream]]

    def later(self, seconds: float) -> None:
        self.offset += seconds


def audit_stream(connection, shop, stream: str):
    kind = KIND_BY_STREAM[stream]
    audit = audit_connection(connection=connection, truth=shop.truth())
    return {
        "missing_interactions": [key for key in audit.missing_interactions if key[0] == kind],
        "missing_messages": [entry for entry in audit.missing_messages if entry[0][0] == kind],
        "extra_interactions": [key for key in audit.extra_interactions if key[0] == kind],
        "extra_messages": [entry for entry in audit.extra_messages if entry[0][0] == kind],
    }


def clean(audit: dict) -> bool:
    return not any(audit.values())


def stop_after(pages: int):
    seen = {"pages": 0, "stopped": False}

    def on_page(stream, page):
        seen["pages"] += 1
        if seen["pages"] == pages and not page.done:
            seen["stopped"], seen["phase"] = True, page.cursor.get("phase")
            raise Interrupted(f"stopped after page {pages}")

    return on_page, seen


def interrupt_then_sync(sandbox, shop, monkeypatch, stream: str, *, page: int) -> tuple[dict, str] | None:
    """Stop a pass after `page` pages, let the shop live on, sync once: the audit and the phase the pass was
    stopped in (None: the pass was shorter)."""
    market = Marketplace(sandbox, shop, monkeypatch, stream)
    for item in market.add(4):  # both lists a few pages long, whatever the shop generated
        market.answer_in_cabinet(item)
    connection = sandbox_connection(shop)
    assert sync_connection(connection_id=connection.pk, streams=[stream]).status == SyncRun.Status.OK
    market.add(3)
    on_page, seen = stop_after(page)
    interrupted = sync_connection(connection_id=connection.pk, streams=[stream], on_page=on_page)
    if not seen["stopped"]:
        return None
    assert interrupted.status == SyncRun.Status.FAILED

    # While nobody reads, the shop lives on: old and just-read items are answered in the cabinet, new ones
    # arrive, one of them is answered before any sync could see it unanswered.
    market.later(GAP_SECONDS)
    waiting = market.unanswered()
    for item in {id(i): i for i in (waiting[0], waiting[-1])}.values():
        market.answer_in_cabinet(item)
    fresh = market.add(3)
    market.answer_in_cabinet(fresh[0])
    market.later(GAP_SECONDS)
    market.answer_in_cabinet(market.add(1)[0])
    gap_items = fresh[1:]

    def answer_between_passes(stream_name, page):
        # The moment a resumed pass has ended and the next one has not read the unanswered list yet.
        starts_a_pass = page.cursor.get("phase") == "open" and "open_now" not in page.cursor
        if starts_a_pass and not page.done and gap_items:
            market.answer_in_cabinet(gap_items.pop())

    run = sync_connection(connection_id=connection.pk, streams=[stream], on_page=answer_between_passes)
    assert run.status == SyncRun.Status.OK
    return audit_stream(connection, shop, stream), seen["phase"]


@pytest.mark.parametrize("stream", ["wb_feedbacks", "wb_questions"])
def test_a_pass_interrupted_after_any_page_loses_nothing_at_the_next_complete_sync(
    sandbox, sandbox_shop_factory, settings, monkeypatch, stream
):
    sandbox.state.configure(rate_limits=False)
    monkeypatch.setattr(wb_streams, "PAGE_SIZE", 4)  # a pass of several pages in each phase
    settings.SYNC_FLUSH_RECORDS = 1  # every page with news is written, with its cursor, at once
    failures, phases = {}, set()
    for page in range(1, 30):
        result = interrupt_then_sync(sandbox, sandbox_shop_factory(), monkeypatch, stream, page=page)
        if result is None:
            break  # the pass ended at or before that page: every boundary was tried
        audit, phase = result
        phases.add(phase)
        if not clean(audit):
            failures[page] = audit
    assert phases == {"open", "answered"}, "the pass was not stopped in both phases"
    assert not failures, failures
