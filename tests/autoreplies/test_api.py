"""`/api/auto-reply-rules`, `/api/auto-reply-settings` and the approval queue `/api/approvals`: roles, tenancy,
validation, and approving in bulk through the reply path's own checks."""

from __future__ import annotations

import pytest

from autoreplies.models import AutoReply, AutoReplyRule
from interactions.models import Interaction, InteractionEvent, Message
from tests.factories import AutoReplyFactory, AutoReplyRuleFactory, ReplyTemplateFactory

pytestmark = pytest.mark.django_db

RULE = {
    "name": "Спасибо за 5★",
    "kind": "review",
    "rating_min": 5,
    "rating_max": 5,
    "intents": ["gratitude"],
    "has_text": None,
    "action": "send",
}


# --- rules --------------------------------------------------------------------------------------------------


def test_the_owner_creates_a_rule_off_by_default(owner_client, seller):
    response = owner_client.post("/api/auto-reply-rules", RULE, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["is_enabled"] is False and body["source"] == "ai_draft" and body["daily_cap"] == 50
    assert body["conditions"] == "отзыв; 5★; благодарность" and body["sent_today"] == 0
    assert AutoReplyRule.objects.get(pk=body["id"]).seller == seller


def test_agents_read_but_do_not_write(agent_client, seller):
    rule = AutoReplyRuleFactory(seller=seller)
    assert agent_client.get("/api/auto-reply-rules").json()[0]["id"] == rule.pk
    assert agent_client.get(f"/api/auto-reply-rules/{rule.pk}").status_code == 200
    assert agent_client.post("/api/auto-reply-rules", RULE, format="json").status_code == 403
    assert (
        agent_client.patch(f"/api/auto-reply-rules/{rule.pk}", {"is_enabled": False}, format="json").status_code == 403
    )
    assert agent_client.delete(f"/api/auto-reply-rules/{rule.pk}").status_code == 403
    assert agent_client.patch("/api/auto-reply-settings", {"enabled": True}, format="json").status_code == 403


def test_another_shops_rule_is_a_404(owner_client, other_owner):
    theirs = AutoReplyRuleFactory(seller=other_owner.seller)
    assert owner_client.get("/api/auto-reply-rules").json() == []
    for method in ("get", "patch", "delete"):
        assert getattr(owner_client, method)(f"/api/auto-reply-rules/{theirs.pk}", {}, format="json").status_code == 404
    assert AutoReplyRule.objects.filter(pk=theirs.pk).exists()


def test_a_template_rule_needs_a_template_of_the_shop(owner_client, seller, other_owner):
    mine = ReplyTemplateFactory(seller=seller)
    theirs = ReplyTemplateFactory(seller=other_owner.seller)
    data = {**RULE, "source": "template"}
    assert owner_client.post("/api/auto-reply-rules", data, format="json").json()["errors"] == {
        "template": ["Выберите шаблон ответа."]
    }
    response = owner_client.post("/api/auto-reply-rules", {**data, "template": theirs.pk}, format="json")
    assert response.status_code == 400 and response.json()["errors"] == {"template": ["Шаблон не найден."]}
    response = owner_client.post("/api/auto-reply-rules", {**data, "template": mine.pk}, format="json")
    assert response.status_code == 201 and response.json()["template"] == mine.pk


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "chat"}, "kind"),  # a rating on a rule for chats
        ({"rating_min": 5, "rating_max": 4}, "rating_min"),
        ({"rating_min": 6}, "rating_min"),
        ({"intents": ["nonsense"]}, "intents"),
        ({"action": "publish"}, "action"),
        ({"daily_cap": -1}, "daily_cap"),
    ],
)
def test_bad_rules_are_400_per_field(owner_client, change, field):
    response = owner_client.post("/api/auto-reply-rules", {**RULE, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_patch_and_delete(owner_client, seller):
    rule = AutoReplyRuleFactory(seller=seller, is_enabled=False)
    response = owner_client.patch(
        f"/api/auto-reply-rules/{rule.pk}", {"is_enabled": True, "daily_cap": 5}, format="json"
    )
    assert response.status_code == 200 and response.json()["is_enabled"] and response.json()["daily_cap"] == 5
    assert owner_client.delete(f"/api/auto-reply-rules/{rule.pk}").status_code == 204
    assert not AutoReplyRule.objects.exists()


def test_the_shops_switch(owner_client, agent_client, settings):
    assert agent_client.get("/api/auto-reply-settings").json() == {
        "enabled": False,
        "daily_cap": 100,
        "sent_today": 0,
        "globally_enabled": True,
        "waiting_approvals": 0,
    }
    response = owner_client.patch("/api/auto-reply-settings", {"enabled": True, "daily_cap": 20}, format="json")
    assert response.status_code == 200
    assert (response.json()["enabled"], response.json()["daily_cap"]) == (True, 20)


def test_anonymous_and_staff_are_refused(anon_client, staff_client):
    assert anon_client.get("/api/auto-reply-rules").status_code == 401
    assert staff_client.get("/api/approvals").status_code == 403


# --- the approval queue -------------------------------------------------------------------------------------


def waiting(arrive, seller, n=1, **kw):
    items = []
    for interaction in arrive(*({"text": f"Отличное платье {i}, спасибо!"} for i in range(n))):
        items.append(AutoReplyFactory(interaction=interaction, text=interaction.draft_text, **kw))
    return items


def test_the_queue_lists_the_waiting_drafts(arrive, agent_client, seller, other_owner):
    first, second = waiting(arrive, seller, n=2)
    AutoReplyFactory(state="rejected", interaction=arrive({"text": "Класс"})[0])
    AutoReplyFactory()  # another shop's
    body = agent_client.get("/api/approvals").json()
    assert [row["id"] for row in body] == [second.pk, first.pk]
    assert body[0]["interaction"]["id"] == second.interaction_id and body[0]["current"] is True
    assert body[0]["rule"] == {"id": second.rule_id, "name": second.rule.name}
    assert agent_client.get("/api/auto-reply-settings").json()["waiting_approvals"] == 2


def test_approve_in_bulk_sends_each_through_the_reply_path(arrive, agent_client, agent, seller):
    items = waiting(arrive, seller, n=3)
    response = agent_client.post("/api/approvals/approve", {"ids": [i.pk for i in items]}, format="json")
    assert response.status_code == 200
    assert response.json()["sent"] == 3
    for item in items:
        item.refresh_from_db()
        assert (item.state, item.decided_by) == ("approved", agent)
        reply = item.message
        assert (reply.author, reply.author_user, reply.text) == ("seller", agent, item.text)
        queued = InteractionEvent.objects.get(interaction=item.interaction, kind="reply_queued")
        assert queued.data["auto_reply_id"] == item.pk and queued.data["approved"] is True
    assert agent_client.get("/api/approvals").json() == []


def test_a_guardrail_block_keeps_the_draft_in_the_queue_with_the_reason(arrive, owner_client, seller):
    [good, bad] = waiting(arrive, seller, n=2)
    AutoReply.objects.filter(pk=bad.pk).update(text="Спасибо! Пишите нам в телеграм, там скидки.")
    response = owner_client.post("/api/approvals/approve", {"ids": [good.pk, bad.pk]}, format="json")
    results = {r["id"]: r for r in response.json()["results"]}
    assert results[good.pk]["status"] == "sent"
    assert results[bad.pk]["status"] == "kept" and results[bad.pk]["code"] == "guardrail_blocked"
    assert results[bad.pk]["violations"][0]["category"] == "outside_contacts"
    bad.refresh_from_db()
    assert bad.state == "waiting" and "нельзя" in bad.last_error
    assert not Message.objects.filter(interaction=bad.interaction, direction="out").exists()
    assert [row["id"] for row in owner_client.get("/api/approvals").json()] == [bad.pk]


def test_a_draft_the_buyer_wrote_past_is_outdated(arrive, owner_client, seller):
    [item] = waiting(arrive, seller)
    Interaction.objects.filter(pk=item.interaction_id).update(ai_input_hash="newer")
    result = owner_client.post("/api/approvals/approve", {"ids": [item.pk]}, format="json").json()["results"][0]
    assert result["status"] == "outdated"
    item.refresh_from_db()
    assert item.state == "outdated" and not Message.objects.filter(direction="out").exists()


def test_reject_dismisses_and_the_interaction_waits_for_a_person(arrive, agent_client, agent, seller):
    [item, other] = waiting(arrive, seller, n=2)
    response = agent_client.post("/api/approvals/reject", {"ids": [item.pk]}, format="json")
    assert response.json() == {"rejected": 1}
    item.refresh_from_db()
    assert (item.state, item.decided_by) == ("rejected", agent)
    assert Interaction.objects.get(pk=item.interaction_id).needs_response
    assert InteractionEvent.objects.filter(interaction=item.interaction, kind="auto_reply_rejected").exists()
    assert [row["id"] for row in agent_client.get("/api/approvals").json()] == [other.pk]


def test_another_shops_drafts_cannot_be_approved_or_rejected(other_client, arrive, seller):
    [item] = waiting(arrive, seller)
    result = other_client.post("/api/approvals/approve", {"ids": [item.pk]}, format="json").json()["results"][0]
    assert result["status"] == "not_found"
    assert other_client.post("/api/approvals/reject", {"ids": [item.pk]}, format="json").json() == {"rejected": 0}
    item.refresh_from_db()
    assert item.state == "waiting"


def test_bad_bulk_input_is_400(owner_client):
    for body in ({}, {"ids": []}, {"ids": ["x"]}, {"ids": list(range(1, 202))}):
        assert owner_client.post("/api/approvals/approve", body, format="json").status_code == 400
