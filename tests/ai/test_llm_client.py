"""The LLM client over real HTTP against the local fake API: answers, retries, waits, deadlines, failures."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from ai.llm import client as llm_client
from ai.llm.client import chat_json, retry_after_seconds
from ai.llm.errors import LLMRejected, LLMUnavailable
from tests.ai.fake_llm import TEST_API_KEY, Reply, answer, error

MESSAGES = [{"role": "system", "content": "Верни JSON."}, {"role": "user", "content": "Привет"}]


def test_a_well_formed_answer_with_usage(fake_llm):
    fake_llm.script(answer({"ok": True}, prompt_tokens=1200, completion_tokens=80, cached_tokens=1000))

    result = chat_json(MESSAGES, max_tokens=100)

    assert result.content == '{"ok": true}'
    assert result.finish_reason == "stop"
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.cached_prompt_tokens) == (
        1200,
        80,
        1000,
    )
    assert result.attempts == 1
    assert result.model == "deepseek-chat"
    [request] = fake_llm.requests
    assert request.path == "/chat/completions"
    assert request.headers["authorization"] == f"Bearer {TEST_API_KEY}"
    assert request.body["model"] == "deepseek-chat"
    assert request.body["response_format"] == {"type": "json_object"}
    assert request.body["max_tokens"] == 100
    assert request.body["messages"] == MESSAGES
    assert request.headers["x-stainless-retry-count"] == "0"  # the SDK's own retries are off


def test_deepseek_cache_fields_count_as_cached_prompt_tokens(fake_llm):
    fake_llm.script(answer({}, prompt_tokens=1000, deepseek_cache=(640, 360)))

    assert chat_json(MESSAGES, max_tokens=10).usage.cached_prompt_tokens == 640


def test_an_answer_without_usage_is_counted_from_its_characters(fake_llm):
    reply = answer({"ok": 1})
    del reply.body["usage"]
    fake_llm.script(reply)

    usage = chat_json(MESSAGES, max_tokens=10).usage

    assert usage.estimated and usage.prompt_tokens > 0 and usage.completion_tokens > 0


def test_a_v1_base_url_posts_to_v1(fake_llm, settings):
    settings.AI_BASE_URL = fake_llm.url + "/v1"
    fake_llm.script(answer({}))

    chat_json(MESSAGES, max_tokens=10)

    assert fake_llm.requests[0].path == "/v1/chat/completions"


def test_429_waits_what_retry_after_says_then_succeeds(fake_llm):
    fake_llm.script(error(429, retry_after="1"), answer({"ok": True}))

    result = chat_json(MESSAGES, max_tokens=10)

    first, second = fake_llm.requests
    assert second.at - first.at >= 1.0
    assert second.at - first.at < 1.6  # 1 s and at most 10 % jitter, plus the request itself
    assert result.attempts == 2


def test_500_then_ok_retries_after_a_short_backoff(fake_llm):
    fake_llm.script(error(500), error(503), answer({"ok": True}))

    result = chat_json(MESSAGES, max_tokens=10)

    assert result.attempts == 3
    assert len(fake_llm.requests) == 3
    gaps = [b.at - a.at for a, b in zip(fake_llm.requests, fake_llm.requests[1:], strict=False)]
    assert 0.25 <= gaps[0] <= 0.8 and 0.5 <= gaps[1] <= 1.3  # 0.25–0.5 s, then 0.5–1 s


def test_500_forever_gives_up_within_the_deadline(fake_llm, settings):
    settings.AI_MAX_ATTEMPTS = 10
    settings.AI_DEADLINE_SECONDS = 1.5
    fake_llm.always(error(500))
    started = time.monotonic()

    with pytest.raises(LLMUnavailable) as caught:
        chat_json(MESSAGES, max_tokens=10)

    assert time.monotonic() - started < 1.5
    assert caught.value.code == "server_error"
    assert caught.value.status == 500
    assert 2 <= len(fake_llm.requests) < 10
    assert caught.value.attempts == len(fake_llm.requests)


def test_attempts_are_bounded(fake_llm, settings):
    settings.AI_MAX_ATTEMPTS = 2
    fake_llm.always(error(502))

    with pytest.raises(LLMUnavailable):
        chat_json(MESSAGES, max_tokens=10)

    assert len(fake_llm.requests) == 2


def test_a_retry_after_beyond_the_deadline_is_not_waited_for(fake_llm, settings):
    settings.AI_DEADLINE_SECONDS = 3
    fake_llm.always(error(429, retry_after="30"))
    started = time.monotonic()

    with pytest.raises(LLMUnavailable) as caught:
        chat_json(MESSAGES, max_tokens=10)

    assert time.monotonic() - started < 1
    assert caught.value.code == "rate_limited"
    assert len(fake_llm.requests) == 1


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "bad_request"),
        (401, "auth_failed"),
        (402, "payment_required"),
        (403, "auth_failed"),
        (404, "not_found"),
        (422, "bad_request"),
        (409, "rejected"),
    ],
)
def test_other_4xx_fail_at_once(fake_llm, status, code):
    fake_llm.always(error(status, message=f"secret detail {TEST_API_KEY}"))

    with pytest.raises(LLMRejected) as caught:
        chat_json(MESSAGES, max_tokens=10)

    assert len(fake_llm.requests) == 1
    assert caught.value.code == code
    assert caught.value.status == status
    assert TEST_API_KEY not in str(caught.value)
    assert "secret detail" not in str(caught.value)


def test_a_timeout_is_retried_and_then_reported(fake_llm, settings):
    settings.AI_TIMEOUT_SECONDS = 0.3
    settings.AI_MAX_ATTEMPTS = 2
    fake_llm.always(answer({"ok": True}, delay_seconds=1.0))
    started = time.monotonic()

    with pytest.raises(LLMUnavailable) as caught:
        chat_json(MESSAGES, max_tokens=10)

    assert caught.value.code == "timeout"
    assert len(fake_llm.requests) == 2
    assert time.monotonic() - started < 1.5  # two 0.3 s timeouts and one short backoff


def test_a_timeout_then_an_answer_succeeds(fake_llm, settings):
    settings.AI_TIMEOUT_SECONDS = 0.3
    fake_llm.script(answer({"late": True}, delay_seconds=1.0), answer({"ok": True}))

    assert chat_json(MESSAGES, max_tokens=10).content == '{"ok": true}'


def test_a_slow_answer_within_the_timeout_is_taken(fake_llm, settings):
    settings.AI_TIMEOUT_SECONDS = 1.5
    fake_llm.script(answer({"slow": True}, delay_seconds=0.6))

    result = chat_json(MESSAGES, max_tokens=10)

    assert result.content == '{"slow": true}'
    assert result.attempts == 1
    assert result.latency_ms >= 600


def test_a_request_is_never_given_more_time_than_the_deadline_leaves(fake_llm, settings):
    settings.AI_TIMEOUT_SECONDS = 5
    settings.AI_DEADLINE_SECONDS = 0.5
    fake_llm.always(answer({}, delay_seconds=2))
    started = time.monotonic()

    with pytest.raises(LLMUnavailable) as caught:
        chat_json(MESSAGES, max_tokens=10)

    assert time.monotonic() - started < 1.0
    assert caught.value.code == "timeout"


def test_connection_refused_is_retried_then_unavailable(fake_llm, settings):
    fake_llm.stop()  # nothing listens on the port any more
    settings.AI_MAX_ATTEMPTS = 2

    with pytest.raises(LLMUnavailable) as caught:
        chat_json(MESSAGES, max_tokens=10)

    assert caught.value.code == "connection_error"
    assert caught.value.attempts == 2


def test_a_2xx_that_is_not_a_completion_is_a_bad_response_and_not_resent(fake_llm):
    fake_llm.script(Reply(body="<html>шлюз</html>"))

    with pytest.raises(LLMUnavailable) as caught:
        chat_json(MESSAGES, max_tokens=10)

    assert caught.value.code == "bad_response"
    assert len(fake_llm.requests) == 1


def test_a_completion_without_choices_is_a_bad_response(fake_llm):
    fake_llm.script(Reply(body={"id": "x", "object": "chat.completion", "choices": []}))

    with pytest.raises(LLMUnavailable) as caught:
        chat_json(MESSAGES, max_tokens=10)

    assert caught.value.code == "bad_response"


def test_no_key_or_body_reaches_the_logs(fake_llm, caplog, settings):
    settings.AI_MAX_ATTEMPTS = 2
    fake_llm.script(error(500, message=f"upstream echoed {TEST_API_KEY}"), error(401, message="bad key sk-..."))
    caplog.set_level(logging.DEBUG)

    with pytest.raises(LLMRejected):
        chat_json(MESSAGES, max_tokens=10)

    assert TEST_API_KEY not in caplog.text
    assert "upstream echoed" not in caplog.text
    assert "Привет" not in caplog.text  # nor the prompt


def test_one_client_per_process_shared_by_threads(fake_llm):
    fake_llm.always(answer({"ok": True}, delay_seconds=0.2))
    results: list[str | None] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            results.append(chat_json(MESSAGES, max_tokens=10).content)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(12)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert results == ['{"ok": true}'] * 12
    assert time.monotonic() - started < 1.5  # concurrent, not one after another (12 × 0.2 s)
    assert len(llm_client._clients) == 1
    assert llm_client.get_client() is llm_client.get_client()


def test_a_new_endpoint_gets_a_new_client(fake_llm, settings):
    first = llm_client.get_client()
    settings.AI_BASE_URL = fake_llm.url + "/v1"
    assert llm_client.get_client() is not first


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # a date in the past: at once
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_parsing(headers, expected):
    assert retry_after_seconds(headers) == expected
