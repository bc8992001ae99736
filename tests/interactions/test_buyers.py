"""A buyer is one buyer: marketplace payloads → upsert → what the seller sees in the inbox and customers API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrations.ozon.normalize import chat_message, normalize_chat
from integrations.ozon.normalize import normalize_question as normalize_ozon_question
from integrations.wildberries.normalize import normalize_chat_events, normalize_feedback
from interactions.models import Customer, Interaction
from interactions.services import upsert_records
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def wb_feedback(feedback_id: str, user_name: str) -> dict:
    raw = load("wb/feedbacks_answered.json")["data"]["feedbacks"][0]
    return {**raw, "id": feedback_id, "userName": user_name, "parentFeedbackId": None, "childFeedbackId": None}


def test_two_wb_reviewers_with_one_first_name_stay_two_buyers(owner_client, owner):
    connection = ConnectionFactory(seller=owner.seller, marketplace="wb")
    upsert_records(
        connection=connection,
        records=[normalize_feedback(wb_feedback("f1", "Сергей")), normalize_feedback(wb_feedback("f2", "Сергей"))],
    )

    rows = owner_client.get("/api/interactions").json()["results"]
    assert sorted((r["external_id"], r["author_name"], r["customer"]) for r in rows) == [
        ("f1", "Сергей", None),
        ("f2", "Сергей", None),
    ]
    detail = owner_client.get(f"/api/interactions/{rows[0]['id']}").json()
    assert detail["author_name"] == "Сергей" and detail["customer_summary"] is None
    assert owner_client.get("/api/customers").json()["results"] == []


def test_wb_chat_buyer_is_keyed_by_client_id_not_by_name(owner_client, owner):
    connection = ConnectionFactory(seller=owner.seller, marketplace="wb")
    event = load("wb/events.json")["result"]["events"][0]
    with_id = {**event, "chatID": "1:chat-a", "eventID": "ev-a", "clientID": "186132", "clientName": "Алёна"}
    same_buyer = {**with_id, "chatID": "1:chat-b", "eventID": "ev-b"}
    name_only = {**with_id, "chatID": "1:chat-c", "eventID": "ev-c", "clientID": ""}
    upsert_records(connection=connection, records=normalize_chat_events([with_id, same_buyer, name_only]).records)

    customer = Customer.objects.get()
    assert (customer.external_id, customer.name, customer.chats_count) == ("186132", "Алёна", 2)
    by_chat = {i.external_id: i for i in Interaction.objects.all()}
    assert by_chat["1:chat-a"].customer_id == by_chat["1:chat-b"].customer_id == customer.pk
    assert by_chat["1:chat-c"].customer_id is None and by_chat["1:chat-c"].author_name == "Алёна"
    body = owner_client.get(f"/api/customers/{customer.pk}").json()
    assert sorted(i["id"] for i in body["interactions"]) == sorted([by_chat["1:chat-a"].pk, by_chat["1:chat-b"].pk])


def test_ozon_shows_the_name_its_api_gives(owner_client, owner):
    connection = ConnectionFactory(seller=owner.seller, marketplace="ozon")
    question = load("ozon/question_list.json")["questions"][0]
    named = {**question, "id": "q-named", "author_name": "Мария"}
    anonymous = {**question, "id": "q-anon"}  # "Пользователь OZON": Ozon's placeholder, not a name
    history = load("ozon/chat_history.json")["messages"][:3]
    chat = normalize_chat(load("ozon/chat_list.json")["chats"][1], [chat_message(m) for m in history], history)
    upsert_records(
        connection=connection,
        records=[normalize_ozon_question(named), normalize_ozon_question(anonymous), chat],
    )

    rows = {r["external_id"]: r for r in owner_client.get("/api/interactions").json()["results"]}
    assert rows["q-named"]["author_name"] == "Мария" and rows["q-named"]["customer"] is None
    assert rows["q-anon"]["author_name"] == "" and rows["q-anon"]["customer"] is None
    # The chat's buyer has a stable Ozon id (and no name in Ozon's chat API): a customer.
    chat_row = rows["18b8e1f9-4ae7-461c-84ea-8e1f54d1a45e"]
    assert chat_row["customer"]["external_id"] == "115568" and chat_row["customer"]["marketplace"] == "ozon"
