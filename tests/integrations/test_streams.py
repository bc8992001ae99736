"""fetch_page against the sandbox over real HTTP: every item read, nothing skipped while the marketplace
changes between pages, cheap re-syncs, quarantine of items that do not parse, resume after failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrations.errors import RateLimited, TransientError
from integrations.ozon import streams as ozon_streams
from integrations.sync import streams
from integrations.sync.streams import STREAMS_BY_MARKETPLACE, fetch_page
from integrations.wildberries import feedbacks as wb_feedbacks
from integrations.wildberries import streams as wb_streams
from integrations.wildberries.client import wb_auth
from interactions.models import Direction
from tests.factories import ConnectionFactory
from tests.integrations.test_http import ScriptedServer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def wb_connection(db, sandbox_shop):
    return ConnectionFactory(marketplace="wb", wb_token=sandbox_shop.wb_token)


@pytest.fixture
def ozon_connection(db, sandbox_shop):
    return ConnectionFactory(
        marketplace="ozon",
        wb_token=None,
        ozon_client_id=sandbox_shop.ozon_client_id,
        ozon_api_key=sandbox_shop.ozon_api_key,
    )


class Reader:
    """Plays the sync engine: fetch pages from the saved cursor until done; keep what was read."""

    def __init__(self, connection, stream: str):
        self.connection = connection
        self.stream = stream
        self.cursor: dict = {}
        self.interactions: dict[str, dict] = {}  # external_id -> {message id -> MessageRecord}
        self.reply_contexts: dict[str, dict] = {}
        self.quarantined: list = []

    def sync(self, *, between_pages=None, retry_failures: bool = False, max_pages: int = 500) -> dict:
        records = requests = pages = 0
        for _ in range(max_pages):
            try:
                page = fetch_page(self.connection, stream=self.stream, cursor=self.cursor)
            except (TransientError, RateLimited):
                if not retry_failures:
                    raise
                continue  # the engine retries from the saved cursor
            pages += 1
            requests += page.requests
            records += len(page.records)
            for record in page.records:
                messages = self.interactions.setdefault(record.external_id, {})
                for message in record.messages:
                    messages[message.external_id] = message
                self.reply_contexts.setdefault(record.external_id, {}).update(record.reply_context)
            self.quarantined += page.quarantined
            json.dumps(page.cursor)  # the cursor must be storable in a JSONField
            self.cursor = page.cursor
            if page.done:
                return {"records": records, "requests": requests, "pages": pages}
            if between_pages:
                between_pages(pages)
        raise AssertionError("the stream never finished")

    def message_ids(self) -> set[str]:
        return {mid for messages in self.interactions.values() for mid in messages}


def wb_feedback_truth(truth: dict) -> tuple[set[str], set[str]]:
    by_id = {f["id"]: f for f in truth["wb"]["feedbacks"]}

    def root(fid: str) -> str:
        while by_id[fid]["parent_feedback_id"]:
            fid = by_id[fid]["parent_feedback_id"]
        return fid

    interactions = {root(fid) for fid in by_id}
    messages = set(by_id) | {f"{fid}:answer" for fid, f in by_id.items() if f["answer"]}
    return interactions, messages


def test_stream_table_matches_design():
    assert STREAMS_BY_MARKETPLACE == {
        "wb": ["wb_feedbacks", "wb_questions", "wb_chats"],
        "ozon": ["ozon_chats", "ozon_reviews", "ozon_questions"],
    }
    with pytest.raises(ValueError):
        fetch_page(None, stream="nope", cursor={})


def test_wb_feedbacks_read_everything_then_resync_costs_two_requests_and_no_records(wb_connection, sandbox_shop):
    reader = Reader(wb_connection, streams.WB_FEEDBACKS)
    first = reader.sync()
    interactions, messages = wb_feedback_truth(sandbox_shop.truth())
    assert set(reader.interactions) == interactions
    assert reader.message_ids() == messages
    assert first["records"] >= len(interactions)

    again = reader.sync()
    assert again == {"records": 0, "requests": 2, "pages": 2}


def test_wb_feedbacks_never_skip_while_items_arrive_and_get_answered_between_pages(
    wb_connection, sandbox_shop, monkeypatch
):
    monkeypatch.setattr(wb_streams, "PAGE_SIZE", 3)  # many pages, so the list moves under us
    auth = wb_auth(sandbox_shop.wb_token)
    reader = Reader(wb_connection, streams.WB_FEEDBACKS)

    def churn(page_no: int) -> None:
        if page_no > 6:
            return
        sandbox_shop.add_traffic(reviews=2, marketplace="wb")
        unanswered = [f for f in sandbox_shop.truth()["wb"]["feedbacks"] if not f["answer"]]
        if unanswered:  # answered in WB's own cabinet: moves to isAnswered=true
            wb_feedbacks.answer_feedback(auth, feedback_id=unanswered[0]["id"], text=f"Ответ из кабинета {page_no}")

    reader.sync(between_pages=churn)
    reader.sync()  # the next sync picks up what arrived during the last page
    interactions, messages = wb_feedback_truth(sandbox_shop.truth())
    assert set(reader.interactions) == interactions
    assert reader.message_ids() == messages
    answers = [m for ms in reader.interactions.values() for m in ms.values() if m.direction == Direction.OUT]
    assert any(m.text.startswith("Ответ из кабинета") for m in answers)


def test_wb_feedback_answered_elsewhere_after_a_sync_arrives_as_seller_message(wb_connection, sandbox_shop):
    reader = Reader(wb_connection, streams.WB_FEEDBACKS)
    reader.sync()
    target = next(f for f in sandbox_shop.truth()["wb"]["feedbacks"] if not f["answer"])
    wb_feedbacks.answer_feedback(wb_auth(sandbox_shop.wb_token), feedback_id=target["id"], text="Спасибо за отзыв!")
    result = reader.sync()
    assert result["records"] == 1
    answer = next(m for ms in reader.interactions.values() for mid, m in ms.items() if mid == f"{target['id']}:answer")
    assert answer.author == "seller" and answer.text == "Спасибо за отзыв!"


def test_wb_questions_read_everything_and_follow_new_ones(wb_connection, sandbox_shop, monkeypatch):
    monkeypatch.setattr(wb_streams, "PAGE_SIZE", 2)
    reader = Reader(wb_connection, streams.WB_QUESTIONS)
    reader.sync(between_pages=lambda n: n <= 4 and sandbox_shop.add_traffic(questions=1, marketplace="wb"))
    reader.sync()
    truth = sandbox_shop.truth()["wb"]["questions"]
    assert set(reader.interactions) == {q["id"] for q in truth}
    expected = {q["id"] for q in truth} | {f"{q['id']}:answer" for q in truth if q["answer"]}
    assert reader.message_ids() == expected
    assert reader.sync()["records"] == 0


def test_wb_chats_read_every_event_with_reply_signs(wb_connection, sandbox_shop):
    reader = Reader(wb_connection, streams.WB_CHATS)
    reader.sync(between_pages=lambda n: n <= 4 and sandbox_shop.add_traffic(chat_messages=3, chats=1, marketplace="wb"))
    reader.sync()
    truth = sandbox_shop.truth()["wb"]["chats"]
    assert set(reader.interactions) == {c["chat_id"] for c in truth}
    assert reader.message_ids() == {e["event_id"] for c in truth for e in c["events"]}
    for chat in truth:
        assert reader.reply_contexts[chat["chat_id"]]["reply_sign"] == chat["reply_sign"]
    again = reader.sync()
    assert again["records"] == 0 and again["requests"] == 1


def test_wb_chat_cursor_survives_a_crash_between_pages(wb_connection, sandbox_shop):
    sandbox_shop.add_traffic(chats=30, chat_messages=40, marketplace="wb")  # several pages of 50 events
    reader = Reader(wb_connection, streams.WB_CHATS)
    page = fetch_page(wb_connection, stream=streams.WB_CHATS, cursor={})
    assert not page.done
    # The engine saved page 1's cursor, then crashed before page 2: a new run starts from that cursor.
    reader.cursor = page.cursor
    reader.sync()
    seen = reader.message_ids() | {m.external_id for r in page.records for m in r.messages}
    truth = sandbox_shop.truth()["wb"]["chats"]
    assert seen == {e["event_id"] for c in truth for e in c["events"]}


def test_ozon_chats_read_buyer_chats_only_with_exact_uint64_ids(ozon_connection, sandbox_shop):
    reader = Reader(ozon_connection, streams.OZON_CHATS)
    reader.sync()
    truth = sandbox_shop.truth()["ozon"]["chats"]
    buyer = [c for c in truth if c["chat_type"] == "Buyer_Seller"]
    assert set(reader.interactions) == {c["chat_id"] for c in buyer}
    assert reader.message_ids() == {m["message_id"] for c in buyer for m in c["messages"]}
    assert all(isinstance(mid, str) and int(mid) > 2**53 for mid in reader.message_ids())
    assert all(ctx == {"chat_id": cid} for cid, ctx in reader.reply_contexts.items())

    again = reader.sync()
    assert again == {"records": 0, "requests": 1, "pages": 1}

    sandbox_shop.add_traffic(chat_messages=4, chats=1, marketplace="ozon")
    result = reader.sync()
    truth = sandbox_shop.truth()["ozon"]["chats"]
    buyer = [c for c in truth if c["chat_type"] == "Buyer_Seller"]
    assert reader.message_ids() == {m["message_id"] for c in buyer for m in c["messages"]}
    assert 1 <= result["records"] <= 5


def test_ozon_chat_history_pages_forward(ozon_connection, sandbox_shop, monkeypatch):
    reader = Reader(ozon_connection, streams.OZON_CHATS)
    reader.sync()
    monkeypatch.setattr(ozon_streams, "HISTORY_LIMIT", 2)
    sandbox_shop.add_traffic(chat_messages=9, marketplace="ozon")
    reader.sync()
    buyer = [c for c in sandbox_shop.truth()["ozon"]["chats"] if c["chat_type"] == "Buyer_Seller"]
    assert reader.message_ids() == {m["message_id"] for c in buyer for m in c["messages"]}


def test_ozon_reviews_and_questions_read_everything_with_answers(ozon_connection, sandbox_shop):
    truth = sandbox_shop.truth()["ozon"]
    reviews = Reader(ozon_connection, streams.OZON_REVIEWS)
    reviews.sync()
    assert set(reviews.interactions) == {r["id"] for r in truth["reviews"]}
    assert reviews.message_ids() == {r["id"] for r in truth["reviews"]} | {
        c["id"] for r in truth["reviews"] for c in r["comments"]
    }
    questions = Reader(ozon_connection, streams.OZON_QUESTIONS)
    questions.sync()
    assert set(questions.interactions) == {q["id"] for q in truth["questions"]}
    assert questions.message_ids() == {q["id"] for q in truth["questions"]} | {
        a["id"] for q in truth["questions"] for a in q["answers"]
    }
    for question in truth["questions"]:
        assert questions.reply_contexts[question["id"]] == {"sku": str(question["sku"])}

    assert reviews.sync()["records"] == 0
    assert questions.sync()["records"] == 0
    sandbox_shop.add_traffic(reviews=3, questions=2, marketplace="ozon")
    assert reviews.sync()["records"] == 3
    assert questions.sync()["records"] == 2


def test_streams_converge_under_injected_faults(wb_connection, ozon_connection, sandbox, sandbox_shop):
    sandbox.state.set_faults(rate=0.3, kinds=["rate_limit", "server_error", "malformed"], seed=7)
    readers = {
        stream: Reader(wb_connection if stream.startswith("wb") else ozon_connection, stream)
        for stream in [*STREAMS_BY_MARKETPLACE["wb"], *STREAMS_BY_MARKETPLACE["ozon"]]
    }
    for reader in readers.values():
        reader.sync(retry_failures=True)
    sandbox.state.clear_faults()
    truth = sandbox_shop.truth()
    assert readers["wb_feedbacks"].message_ids() == wb_feedback_truth(truth)[1]
    assert readers["wb_chats"].message_ids() == {e["event_id"] for c in truth["wb"]["chats"] for e in c["events"]}
    assert set(readers["ozon_reviews"].interactions) == {r["id"] for r in truth["ozon"]["reviews"]}
    assert set(readers["ozon_questions"].interactions) == {q["id"] for q in truth["ozon"]["questions"]}
    buyer = [c for c in truth["ozon"]["chats"] if c["chat_type"] == "Buyer_Seller"]
    assert readers["ozon_chats"].message_ids() == {m["message_id"] for c in buyer for m in c["messages"]}


def test_an_item_that_does_not_parse_is_quarantined_and_the_page_goes_on(db, settings):
    server = ScriptedServer()
    try:
        settings.WB_FEEDBACKS_BASE_URL = server.url
        page_body = json.loads((FIXTURES / "wb/feedbacks_unanswered_mixed.json").read_text(encoding="utf-8"))
        server.route("/api/v1/feedbacks", body=page_body)
        connection = ConnectionFactory(marketplace="wb", wb_token="local-test-token")
        page = fetch_page(connection, stream=streams.WB_FEEDBACKS, cursor={})
        assert [q.external_id for q in page.quarantined] == ["broken-no-date-00001"]
        assert "Где дата?" in page.quarantined[0].raw and page.quarantined[0].error
        assert {r.external_id for r in page.records} == {
            "aaaaaaaaaaaaaaaaaaa1",
            "YX52RZEBhH9mrcYdEJuD",
            "cccccccccccccccccc03",
        }
        assert page.product_ids == [14917842, 287700029, 987654321]
        # A quarantined item is not quarantined again on the next pass.
        page = fetch_page(connection, stream=streams.WB_FEEDBACKS, cursor=page.cursor)  # answered list: same body
        assert page.done
        again = fetch_page(connection, stream=streams.WB_FEEDBACKS, cursor=page.cursor)
        assert again.quarantined == [] and again.records == []
    finally:
        server.stop()


def test_backfill_since_a_date_reads_only_newer_items(wb_connection, ozon_connection, sandbox_shop):
    truth = sandbox_shop.truth()
    events = sorted(e["add_timestamp"] for c in truth["wb"]["chats"] for e in c["events"])
    cut = events[len(events) // 2] // 1000 + 1
    chats = Reader(wb_connection, streams.WB_CHATS)
    chats.cursor = {"since": cut}
    chats.sync()
    assert chats.message_ids() == {
        e["event_id"] for c in truth["wb"]["chats"] for e in c["events"] if e["add_timestamp"] >= cut * 1000
    }

    from integrations.parsing import parse_datetime

    stamps = sorted(parse_datetime(q["published_at"]).timestamp() for q in truth["ozon"]["questions"])
    cut = int(stamps[len(stamps) // 2]) + 1
    questions = Reader(ozon_connection, streams.OZON_QUESTIONS)
    questions.cursor = {"since": cut}
    questions.sync()
    expected = {q["id"] for q in truth["ozon"]["questions"] if parse_datetime(q["published_at"]).timestamp() >= cut}
    assert set(questions.interactions) == expected and expected

    stamps = sorted(parse_datetime(r["published_at"]).timestamp() for r in truth["ozon"]["reviews"])
    cut = int(stamps[len(stamps) // 2]) + 1
    reviews = Reader(ozon_connection, streams.OZON_REVIEWS)
    reviews.cursor = {"since": cut}
    reviews.sync()
    expected = {r["id"] for r in truth["ozon"]["reviews"] if parse_datetime(r["published_at"]).timestamp() >= cut}
    assert set(reviews.interactions) == expected and expected


def test_ozon_answers_written_in_the_cabinet_arrive_on_the_next_sync(ozon_connection, sandbox_shop):
    from integrations.ozon import questions as ozon_questions
    from integrations.ozon import reviews as ozon_reviews
    from integrations.ozon.client import ozon_auth

    reviews, questions = Reader(ozon_connection, streams.OZON_REVIEWS), Reader(ozon_connection, streams.OZON_QUESTIONS)
    reviews.sync()
    questions.sync()
    assert reviews.sync() == {"records": 0, "requests": 2, "pages": 2}
    again = questions.sync()  # no has_next on questions: the scan ends on an empty page
    assert again["records"] == 0 and again["requests"] <= 3

    truth = sandbox_shop.truth()["ozon"]
    review = next(r for r in truth["reviews"] if r["status"] == "UNPROCESSED")
    question = next(q for q in truth["questions"] if q["status"] != "PROCESSED")
    auth = ozon_auth(ozon_connection)  # the seller answers in Ozon's own cabinet, not through AgentIQ
    comment_id = ozon_reviews.create_comment(auth, review_id=review["id"], text="Спасибо, ответили в кабинете")
    answer_id = ozon_questions.create_answer(auth, question_id=question["id"], sku=question["sku"], text="Ответ из ЛК")

    assert reviews.sync()["records"] == 1
    assert questions.sync()["records"] == 1
    comment = reviews.interactions[review["id"]][comment_id]
    assert comment.author == "seller" and comment.direction == Direction.OUT
    assert questions.interactions[question["id"]][answer_id].text == "Ответ из ЛК"
    assert reviews.sync()["records"] == 0 and questions.sync()["records"] == 0
