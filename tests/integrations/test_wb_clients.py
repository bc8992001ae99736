"""WB feedbacks, questions and chat clients against the sandbox marketplace over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.errors import AuthFailed, BadResponse, PermanentError, RateLimited, TransientError
from integrations.wildberries import chats, feedbacks, questions
from integrations.wildberries.client import wb_auth
from integrations.wildberries.tokens import wb_token_info


@pytest.fixture
def auth(sandbox_shop):
    return wb_auth(sandbox_shop.wb_token)


def test_feedback_lists_split_answered_and_unanswered_oldest_first(auth, sandbox_shop):
    truth = sandbox_shop.truth()["wb"]["feedbacks"]
    unanswered = feedbacks.list_feedbacks(auth, is_answered=False)
    answered = feedbacks.list_feedbacks(auth, is_answered=True)
    assert {f["id"] for f in unanswered.feedbacks} == {f["id"] for f in truth if not f["answered"]}
    assert {f["id"] for f in answered.feedbacks} == {f["id"] for f in truth if f["answered"]}
    assert unanswered.count_unanswered == sum(1 for f in truth if not f["answered"])
    stamps = [f["createdDate"] for f in unanswered.feedbacks]
    assert [datetime.fromisoformat(s) for s in stamps] == sorted(datetime.fromisoformat(s) for s in stamps)
    assert feedbacks.count_unanswered(auth)["count_unanswered"] == unanswered.count_unanswered


def test_feedback_list_paging_by_date_and_offset(auth, sandbox_shop):
    truth = sorted(sandbox_shop.truth()["wb"]["feedbacks"], key=lambda f: f["created_ts"])
    unanswered = [f for f in truth if not f["answered"]]
    middle = unanswered[len(unanswered) // 2]["created_ts"]
    later = feedbacks.list_feedbacks(auth, is_answered=False, date_from=middle)
    assert {f["id"] for f in later.feedbacks} == {f["id"] for f in unanswered if f["created_ts"] >= middle}
    page = feedbacks.list_feedbacks(auth, is_answered=False, take=2, skip=1)
    assert [f["id"] for f in page.feedbacks] == [f["id"] for f in unanswered[1:3]]


def test_answer_then_edit_once_then_refused(auth, sandbox_shop):
    target = next(f for f in sandbox_shop.truth()["wb"]["feedbacks"] if not f["answered"])
    feedbacks.answer_feedback(auth, feedback_id=target["id"], text="Спасибо за отзыв!")
    item = feedbacks.get_feedback(auth, feedback_id=target["id"])
    assert item["answer"]["text"] == "Спасибо за отзыв!"
    feedbacks.edit_answer(auth, feedback_id=target["id"], text="Спасибо за подробный отзыв!")
    with pytest.raises(PermanentError):
        feedbacks.edit_answer(auth, feedback_id=target["id"], text="Третья попытка")
    after = next(f for f in sandbox_shop.truth()["wb"]["feedbacks"] if f["id"] == target["id"])
    assert after["answer"]["text"] == "Спасибо за подробный отзыв!"
    assert after["answer"]["editable"] is False


def test_unknown_feedback_is_permanent_error(auth):
    with pytest.raises(PermanentError) as info:
        feedbacks.get_feedback(auth, feedback_id="nonexistent000000000")
    assert info.value.status == 422


def test_questions_list_answer_and_mark_viewed(auth, sandbox_shop):
    truth = sandbox_shop.truth()["wb"]["questions"]
    open_ids = {q["id"] for q in questions.list_questions(auth, is_answered=False).questions}
    assert open_ids == {q["id"] for q in truth if not q["answered"]}
    target = next(q for q in truth if not q["answered"])
    questions.mark_viewed(auth, question_id=target["id"])
    questions.answer_question(auth, question_id=target["id"], text="Да, размер соответствует.")
    item = questions.get_question(auth, question_id=target["id"])
    assert item["answer"]["text"] == "Да, размер соответствует."
    after = next(q for q in sandbox_shop.truth()["wb"]["questions"] if q["id"] == target["id"])
    assert after["was_viewed"] is True and after["answered"] is True
    assert after["replies"][0]["count"] == 1
    assert target["id"] not in {q["id"] for q in questions.list_questions(auth, is_answered=False).questions}
    with pytest.raises(PermanentError):
        questions.answer_question(auth, question_id="nonexistent000000000", text="Ответ на пустоту")


def test_chat_events_page_with_next_until_it_stops_advancing(auth, sandbox_shop):
    sandbox_shop.add_traffic(chats=20, chat_messages=30, marketplace="wb")
    truth = sandbox_shop.truth()["wb"]["chats"]
    seen: list[str] = []
    page = chats.list_events(auth)
    pages = 1
    while page.events:
        seen += [e["eventID"] for e in page.events]
        previous = page.next
        page = chats.list_events(auth, next_ms=page.next)
        pages += 1
    assert page.next == previous and page.total_events == 0
    assert pages >= 3  # pages of 50
    assert sorted(seen) == sorted(e["event_id"] for c in truth for e in c["events"])
    listed = chats.list_chats(auth)
    assert {c["chatID"] for c in listed} == {c["chat_id"] for c in truth}
    assert all(c["replySign"] for c in listed)


def test_send_chat_message_reaches_the_buyer_once(auth, sandbox_shop):
    chat = sandbox_shop.truth()["wb"]["chats"][0]
    sent = chats.send_message(auth, reply_sign=chat["reply_sign"], text="Здравствуйте! Отправим завтра.")
    assert sent.chat_id == chat["chat_id"] and sent.add_time_ms
    after = next(c for c in sandbox_shop.truth()["wb"]["chats"] if c["chat_id"] == chat["chat_id"])
    assert after["replies"] == [{**after["replies"][0], "text": "Здравствуйте! Отправим завтра.", "count": 1}]
    with pytest.raises(PermanentError) as info:
        chats.send_message(auth, reply_sign="1:bad:sign", text="Не дойдёт")
    assert "Invalid signature" in info.value.message


def test_token_without_chat_category_or_read_only_is_refused(sandbox_shop):
    feedback_only = wb_auth(sandbox_shop.mint_wb_token(categories=("feedbacks",)))
    assert feedbacks.count_unanswered(feedback_only)["count_unanswered"] >= 0
    with pytest.raises(AuthFailed):
        chats.list_chats(feedback_only)
    read_only = wb_auth(sandbox_shop.mint_wb_token(read_only=True))
    target = next(f for f in sandbox_shop.truth()["wb"]["feedbacks"] if not f["answered"])
    with pytest.raises(AuthFailed):
        feedbacks.answer_feedback(read_only, feedback_id=target["id"], text="Спасибо!")
    expired = wb_auth(sandbox_shop.mint_wb_token(expires_at=datetime.now(UTC) - timedelta(days=1)))
    with pytest.raises(AuthFailed):
        feedbacks.list_feedbacks(expired, is_answered=False)


def test_token_info_reads_the_jwt_payload(sandbox_shop):
    expires = datetime(2027, 5, 1, tzinfo=UTC)
    info = wb_token_info(sandbox_shop.mint_wb_token(categories=("feedbacks",), read_only=True, expires_at=expires))
    assert info.expires_at == expires
    assert info.categories == frozenset({"feedbacks"})
    assert info.read_only is True
    full = wb_token_info("Bearer " + sandbox_shop.wb_token)
    assert full.categories == frozenset({"feedbacks", "chat"}) and full.read_only is False
    assert full.seller_uuid == info.seller_uuid != ""
    for bad in ("", "not-a-jwt", "a.b.c"):
        with pytest.raises(ValueError):
            wb_token_info(bad)


def test_missing_or_unreadable_token_is_auth_failed_before_any_request():
    class Row:
        wb_token = "gAAAAABnotdecryptable"

    with pytest.raises(AuthFailed) as info:
        wb_auth(Row())
    assert info.value.code == "credentials_unreadable"
    with pytest.raises(AuthFailed):
        wb_auth("")


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("rate_limit", RateLimited),
        ("server_error", TransientError),
        ("malformed", BadResponse),
        ("bad_token", AuthFailed),
    ],
)
def test_injected_faults_map_to_typed_errors(auth, sandbox, kind, error):
    sandbox.state.set_faults(rate=1.0, kinds=[kind], seed=1)
    with pytest.raises(error) as info:
        feedbacks.list_feedbacks(auth, is_answered=False)
    if kind == "rate_limit":
        assert info.value.retry_after >= 1  # X-Ratelimit-Retry


def test_timeout_after_the_write_is_ambiguous(auth, sandbox, sandbox_shop, settings):
    settings.MARKETPLACE_TIMEOUT_SECONDS = 0.5
    target = next(f for f in sandbox_shop.truth()["wb"]["feedbacks"] if not f["answered"])
    sandbox.state.set_faults(rate=1.0, kinds=["timeout_after_write"], timeout_s=1.5, seed=1)
    with pytest.raises(TransientError) as info:
        feedbacks.answer_feedback(auth, feedback_id=target["id"], text="Спасибо, что выбрали нас!")
    assert info.value.ambiguous is True
    sandbox.state.clear_faults()
    after = next(f for f in sandbox_shop.truth()["wb"]["feedbacks"] if f["id"] == target["id"])
    assert after["replies"][0]["count"] == 1  # sent once, never resent by the seam


def test_check_connection_proves_every_wb_stream(db, sandbox_shop):
    from integrations.probe import check_connection
    from tests.factories import ConnectionFactory

    expires = datetime(2027, 1, 2, tzinfo=UTC)
    connection = ConnectionFactory(marketplace="wb", wb_token=sandbox_shop.mint_wb_token(expires_at=expires))
    result = check_connection(connection)
    assert result["streams"] == {"wb_feedbacks": "ok", "wb_questions": "ok", "wb_chats": "ok"}
    assert result["token_expires_at"] == expires.isoformat()
    truth = sandbox_shop.truth()["wb"]
    assert result["unanswered_feedbacks"] == sum(1 for f in truth["feedbacks"] if not f["answered"])

    connection.wb_token = sandbox_shop.mint_wb_token(categories=("feedbacks",))
    with pytest.raises(AuthFailed):
        check_connection(connection)  # no chat rights: the seller must issue a token with both categories
    connection.wb_token = "not-a-jwt"
    with pytest.raises(AuthFailed):
        check_connection(connection)


def test_counters(auth, sandbox_shop):
    truth = sandbox_shop.truth()["wb"]
    assert feedbacks.count_feedbacks(auth, is_answered=True) == sum(1 for f in truth["feedbacks"] if f["answered"])
    assert feedbacks.count_feedbacks(auth, is_answered=False) == sum(1 for f in truth["feedbacks"] if not f["answered"])
    assert questions.count_questions(auth, is_answered=False) == sum(1 for q in truth["questions"] if not q["answered"])
    news = feedbacks.has_new(auth)
    assert set(news) == {"feedbacks", "questions"}
