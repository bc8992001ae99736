"""The sandbox's moderation of answers over HTTP: a configurable share waits in review, some end rejected with
a reason, WB answers stop being editable after the edit window, the control API sets it and acts on answers as
the marketplace would, and moderated responses still match the marketplaces' own specs."""

from __future__ import annotations

import pytest
import requests

from sandbox.management.commands.sandbox_marketplace import Command
from sandbox.moderation import REASONS, Moderation, ModerationConfigError
from sandbox.state import SandboxState
from tests.sandbox.test_spec import OZON_HOST, WB_FEEDBACKS_HOST, _validate, ozon_spec, wb_spec  # noqa: F401


def _wb(shop) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = shop.wb_token
    return session


def _ozon(shop) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Client-Id": shop.ozon_client_id, "Api-Key": shop.ozon_api_key})
    return session


def _moderation(sandbox, **body) -> requests.Response:
    return requests.post(sandbox.url + "/sandbox/moderation", json=body, timeout=10)


def _feedback(shop, session, feedback_id) -> dict:
    response = session.get(shop.url + "/api/v1/feedback", params={"id": feedback_id}, timeout=10)
    assert response.status_code == 200
    return response.json()["data"]


def test_moderation_is_off_by_default_and_configured_over_http(sandbox):
    assert requests.get(sandbox.url + "/sandbox/moderation", timeout=10).json()["share"] == 0.0
    response = _moderation(sandbox, share=0.5, seconds=30, rejected=0.1, seed=3)
    assert response.status_code == 200
    assert response.json() == {"share": 0.5, "seconds": 30.0, "rejected": 0.1, "edit_window_s": 5184000.0, "seed": 3}
    assert _moderation(sandbox, share=0.1, rejected=0.5).status_code == 400
    assert _moderation(sandbox, shares=1).json()["detail"] == "unknown fields: shares"
    sandbox.state.reset()
    assert sandbox.state.moderation_settings()["share"] == 0.0


def test_the_command_defaults_suit_make_run():
    parser = Command().create_parser("manage.py", "sandbox_marketplace")
    options = parser.parse_args([])
    assert (options.moderation_share, options.moderation_seconds, options.rejection_share) == (0.3, 60, 0.05)
    state = SandboxState(moderation={"share": 0.3, "seconds": 60, "rejected": 0.05})
    state.reset()
    assert state.moderation_settings()["share"] == 0.3  # reset returns to the started settings


def test_shares_of_answers_in_review_and_rejected_follow_the_settings():
    moderation = Moderation.build(share=0.3, seconds=60, rejected=0.05, seed=1)
    verdicts = [moderation.draw(1000.0) for _ in range(4000)]
    in_review = [v for v in verdicts if v.review_until is not None]
    rejected = [v for v in verdicts if v.outcome == "rejected"]
    assert 0.27 < len(in_review) / 4000 < 0.33
    assert 0.035 < len(rejected) / 4000 < 0.065
    assert all(v.reason in REASONS and v.review_until == 1060.0 for v in rejected)
    assert {v.state(1059.0) for v in in_review} == {"in_review"}
    assert {v.state(1060.0) for v in rejected} == {"rejected"}
    with pytest.raises(ModerationConfigError):
        Moderation.build(share=2)


def test_wb_feedback_answer_in_review_then_rejected_matches_the_spec(sandbox, moderated_shop, wb_spec):  # noqa: F811
    sandbox.state.configure(rate_limits=False)
    sandbox.state.configure_moderation(share=1.0, rejected=1.0, seconds=3600)
    session = _wb(moderated_shop)
    feedback_id = moderated_shop.add_traffic(reviews=1, marketplace="wb")["wb_feedbacks"][0]
    sent = session.post(
        moderated_shop.url + "/api/v1/feedbacks/answer", json={"id": feedback_id, "text": "Спасибо!"}, timeout=10
    )
    assert sent.status_code == 204
    assert _feedback(moderated_shop, session, feedback_id)["answer"]["state"] == "reviewRequired"
    truth = next(f for f in moderated_shop.truth()["wb"]["feedbacks"] if f["id"] == feedback_id)
    assert truth["answer_moderation"]["moderation"] == "in_review" and truth["answer_moderation"]["reason"]

    sandbox.state.answer_action(moderated_shop.shop_no, kind="wb_feedback", target=feedback_id, action="reject")
    listed = session.get(
        moderated_shop.url + "/api/v1/feedbacks", params={"isAnswered": "false", "take": 100, "skip": 0}, timeout=10
    )
    _validate(wb_spec, WB_FEEDBACKS_HOST, listed.request, listed)
    rejected = next(f for f in listed.json()["data"]["feedbacks"] if f["id"] == feedback_id)
    assert rejected["answer"]["state"] == "rejected" and rejected["state"] == "none"
    # After a rejection the seller may answer again.
    again = session.post(
        moderated_shop.url + "/api/v1/feedbacks/answer",
        json={"id": feedback_id, "text": "Спасибо за отзыв!"},
        timeout=10,
    )
    assert again.status_code == 204


def test_wb_answers_stop_being_editable_after_the_window(sandbox, moderated_shop):
    sandbox.state.configure(rate_limits=False)
    session = _wb(moderated_shop)
    feedback_id = moderated_shop.add_traffic(reviews=1, marketplace="wb")["wb_feedbacks"][0]
    session.post(
        moderated_shop.url + "/api/v1/feedbacks/answer", json={"id": feedback_id, "text": "Спасибо!"}, timeout=10
    )
    assert _feedback(moderated_shop, session, feedback_id)["answer"]["editable"] is True
    sandbox.state.configure_moderation(edit_window_s=0)
    assert _feedback(moderated_shop, session, feedback_id)["answer"]["editable"] is False
    refused = session.patch(
        moderated_shop.url + "/api/v1/feedbacks/answer", json={"id": feedback_id, "text": "Исправлено"}, timeout=10
    )
    assert refused.status_code == 400


def test_ozon_lists_only_moderated_comments_and_answers(sandbox, moderated_shop, ozon_spec):  # noqa: F811
    sandbox.state.configure(rate_limits=False)
    sandbox.state.configure_moderation(share=1.0, seconds=3600)
    session = _ozon(moderated_shop)
    created = moderated_shop.add_traffic(reviews=1, questions=1, marketplace="ozon")
    review_id, question_id = created["ozon_reviews"][0], created["ozon_questions"][0]
    comment_id = session.post(
        moderated_shop.url + "/v1/review/comment/create", json={"review_id": review_id, "text": "Спасибо!"}, timeout=10
    ).json()["comment_id"]
    question = next(q for q in moderated_shop.truth()["ozon"]["questions"] if q["id"] == question_id)
    answer_id = session.post(
        moderated_shop.url + "/v1/question/answer/create",
        json={"question_id": question_id, "sku": question["sku"], "text": "Здравствуйте! Подойдёт."},
        timeout=10,
    ).json()["answer_id"]

    def comments() -> list[str]:
        listed = session.post(
            moderated_shop.url + "/v1/review/comment/list", json={"review_id": review_id, "limit": 20}, timeout=10
        )
        _validate(ozon_spec, OZON_HOST, listed.request, listed)
        return [c["id"] for c in listed.json()["comments"]]

    def answers() -> list[str]:
        listed = session.post(
            moderated_shop.url + "/v1/question/answer/list",
            json={"question_id": question_id, "sku": question["sku"]},
            timeout=10,
        )
        return [a["id"] for a in listed.json()["answers"]]

    assert comment_id not in comments() and answer_id not in answers()
    info = session.post(moderated_shop.url + "/v1/review/info", json={"review_id": review_id}, timeout=10).json()
    assert info["comments_amount"] == 0
    truth = next(r for r in moderated_shop.truth()["ozon"]["reviews"] if r["id"] == review_id)
    assert truth["moderation"][comment_id]["moderation"] == "in_review"

    response = requests.post(
        f"{sandbox.url}/sandbox/shops/{moderated_shop.shop_no}/answers",
        json={"kind": "ozon_review", "target": comment_id, "action": "publish"},
        timeout=10,
    )
    assert response.status_code == 200 and response.json()["moderation"] == "published"
    sandbox.state.answer_action(moderated_shop.shop_no, kind="ozon_question", target=answer_id, action="publish")
    assert comment_id in comments() and answer_id in answers()


def test_the_answers_control_refuses_what_it_cannot_do(sandbox, moderated_shop):
    url = f"{sandbox.url}/sandbox/shops/{moderated_shop.shop_no}/answers"
    feedback_id = moderated_shop.add_traffic(reviews=1, marketplace="wb")["wb_feedbacks"][0]
    for body in (
        {"kind": "wb_feedback", "target": feedback_id, "action": "delete"},  # not answered
        {"kind": "wb_feedback", "target": feedback_id, "action": "explode"},
        {"kind": "nope", "target": "x", "action": "delete"},
        {"kind": "wb_feedback", "target": feedback_id, "action": "delete", "extra": 1},
    ):
        response = requests.post(url, json=body, timeout=10)
        assert response.status_code == 400, body
