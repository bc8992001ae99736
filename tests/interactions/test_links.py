"""Links between a buyer's chats, reviews and questions: scoring, the detail's `links`, seller decisions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from interactions.linking import SUGGEST_MIN_SCORE, LinkSide, names_similar, normalize_name, suggest
from interactions.models import InteractionEvent, InteractionLink
from interactions.selectors import links as links_selector
from tests.factories import ConnectionFactory, CustomerFactory, InteractionFactory, MessageFactory

NOW = timezone.now().replace(microsecond=0)


def side(id_: int, *, name: str = "", days_ago: float = 0, text: str = "", **kw) -> LinkSide:
    values = {
        "id": id_,
        "marketplace": "wb",
        "product_id": "555",
        "product_name": "Платье летнее",
        "started_at": NOW - timedelta(days=days_ago),
        "last_buyer_at": None,
        "name": name,
        "buyer_text": text,
        "customer_id": None,
        **kw,
    }
    return LinkSide(**values)


# --- scoring (pure) ------------------------------------------------------------------------------


def test_same_product_similar_name_near_in_time_and_shared_words_is_a_strong_suggestion():
    review = side(1, name="Сергей", text="Платье маломерит, рукава короткие")
    chat = side(2, name="Серёжа", days_ago=3, text="Подскажите, платье не маломерит? Рукава длинные?")

    suggestion = suggest(review, chat)

    assert suggestion.reasons == [
        "тот же товар",
        "похожее имя: Сергей / Серёжа",
        "3 дня между сообщениями",
        "общие слова: маломерит, рукава",
    ]
    assert 0.8 <= suggestion.score <= 1.0


def test_score_ranks_the_hints():
    review = side(1, name="Анна")
    same_name = suggest(review, side(2, name="анна", days_ago=1)).score
    short_form = suggest(review, side(3, name="Аня", days_ago=1)).score
    no_name = suggest(review, side(4, days_ago=1)).score
    later = suggest(review, side(5, name="Анна", days_ago=40)).score
    other_name = suggest(review, side(6, name="Ольга", days_ago=1))

    assert same_name > short_form > no_name > other_name.score
    assert same_name > later
    assert "разные имена: Анна / Ольга" in other_name.reasons
    # The same product the same day is not enough to suggest: a name or shared words must hint too.
    assert other_name.score < no_name < SUGGEST_MIN_SCORE <= short_form


@pytest.mark.parametrize(
    ("other", "why"),
    [
        (side(2, name="Сергей", product_id="777"), "another product"),
        (side(2, name="Сергей", marketplace="ozon"), "another marketplace"),
        (side(2, name="Сергей", product_id=""), "no product"),
        (side(2, name="Сергей", days_ago=46), "more than 45 days apart"),
        (side(2, name="Сергей", customer_id=8), "two different buyer ids"),
        (side(1, name="Сергей"), "itself"),
    ],
)
def test_no_suggestion_without_the_required_part(other, why):
    assert suggest(side(1, name="Сергей", customer_id=7), other) is None, why


def test_window_counts_from_the_buyers_last_message():
    old_chat = side(2, name="Сергей", days_ago=60, last_buyer_at=NOW - timedelta(days=40))
    suggestion = suggest(side(1, name="Сергей"), old_chat)
    assert suggestion is not None and "40 дней между сообщениями" in suggestion.reasons


def test_names_are_normalized_and_placeholders_are_no_names():
    assert normalize_name("  Алёна  П.") == "алена"
    assert normalize_name("Пользователь OZON") == "" and normalize_name("") == ""
    assert names_similar("наталья", "наталия") and names_similar("сергей", "серега")
    assert names_similar("александр", "саша") and not names_similar("сергей", "анна")


# --- the detail's links --------------------------------------------------------------------------


@pytest.fixture
def wb(seller):
    return ConnectionFactory(seller=seller, marketplace="wb")


def interaction(connection, *, days_ago: float = 0, text: str = "", **kw):
    created = NOW - timedelta(days=days_ago)
    kw.setdefault("product_id", "555")
    kw.setdefault("product_name", "Платье летнее")
    row = InteractionFactory(
        connection=connection, created_at=created, last_buyer_message_at=created, last_message_at=created, **kw
    )
    if text:
        MessageFactory(interaction=row, text=text, created_at=created)
    return row


@pytest.mark.django_db
def test_detail_shows_strong_and_suggested_links_apart(owner_client, wb, other_owner):
    buyer = CustomerFactory(seller=wb.seller, marketplace="wb", external_id="186132", name="Сергей")
    review = interaction(wb, kind="review", rating=1, author_name="Сергей", customer=None, text="Платье маломерит")
    chat = interaction(wb, kind="chat", days_ago=3, author_name="Серёжа", text="Платье маломерит?")
    same_buyer = interaction(wb, kind="chat", days_ago=2, author_name="Сергей", customer=buyer, product_id="900")
    interaction(wb, kind="review", author_name="Ольга", text="Платье маломерит")  # another buyer
    interaction(wb, kind="review", author_name="Сергей", product_id="777")  # another product
    interaction(wb, kind="review", author_name="Сергей", days_ago=50)  # too long ago
    foreign = ConnectionFactory(seller=other_owner.seller, marketplace="wb")
    interaction(foreign, kind="review", author_name="Сергей", text="Платье маломерит")  # another shop

    links = owner_client.get(f"/api/interactions/{chat.pk}").json()["links"]

    assert [(s["interaction"]["id"], s["interaction"]["author_name"]) for s in links["suggested"]] == [
        (review.pk, "Сергей")
    ]
    assert links["suggested"][0]["reasons"] == [
        "тот же товар",
        "похожее имя: Серёжа / Сергей",
        "3 дня между сообщениями",
        "общие слова: маломерит",
    ]
    assert 0.5 <= links["suggested"][0]["score"] <= 1
    assert links["strong"] == []

    # The chat of a customer with a stable id: its other chats are strong links, whatever the product.
    review.customer = buyer
    review.save()
    body = owner_client.get(f"/api/interactions/{same_buyer.pk}").json()["links"]
    assert [(s["interaction"]["id"], s["basis"]) for s in body["strong"]] == [(review.pk, "buyer_id")]
    assert body["strong"][0]["reasons"] == ["тот же ID покупателя: 186132"]


@pytest.mark.django_db
def test_links_cost_the_detail_the_same_queries_whatever_the_candidates(
    owner_client, wb, django_assert_num_queries, django_assert_max_num_queries
):
    chat = interaction(wb, kind="chat", author_name="Сергей", text="Платье маломерит?")
    interaction(wb, kind="review", author_name="Сергей", days_ago=1, text="маломерит")
    with django_assert_max_num_queries(7) as few:
        owner_client.get(f"/api/interactions/{chat.pk}")
    for day in range(30):
        interaction(wb, kind="review", author_name="Сергей", days_ago=day, text="маломерит")
    with django_assert_num_queries(len(few.captured_queries)):
        body = owner_client.get(f"/api/interactions/{chat.pk}").json()
    assert len(body["links"]["suggested"]) == 5


@pytest.mark.django_db
def test_other_buyer_ids_never_use_up_the_scored_candidates(owner_client, wb, monkeypatch):
    # Another stable buyer id is another person (never suggested): such rows, however near in time, must
    # not push a real suggestion out of the candidates the detail scores.
    monkeypatch.setattr(links_selector, "CANDIDATES_LIMIT", 4)
    buyer = CustomerFactory(seller=wb.seller, marketplace="wb", external_id="186132", name="Сергей")
    chat = interaction(wb, kind="chat", author_name="Сергей", customer=buyer, text="Платье маломерит?")
    for n in range(5):
        someone = CustomerFactory(seller=wb.seller, marketplace="wb", external_id=f"other-{n}", name="Сергей")
        interaction(wb, kind="chat", author_name="Сергей", customer=someone, days_ago=n / 10, text="маломерит")
    review = interaction(wb, kind="review", author_name="Сергей", customer=None, days_ago=5, text="маломерит")

    links = owner_client.get(f"/api/interactions/{chat.pk}").json()["links"]

    assert [s["interaction"]["id"] for s in links["suggested"]] == [review.pk]
    assert links["strong"] == []


# --- confirming and rejecting --------------------------------------------------------------------


@pytest.fixture
def pair(wb):
    review = interaction(wb, kind="review", rating=2, author_name="Сергей", text="Платье маломерит")
    chat = interaction(wb, kind="chat", days_ago=3, author_name="Серёжа", text="Платье маломерит?")
    return review, chat


def decide(client, a, b, decision):
    return client.post(f"/api/interactions/{a.pk}/links/{b.pk}", {"decision": decision}, format="json")


@pytest.mark.django_db
def test_confirmed_link_is_kept_shown_as_strong_on_both_sides_with_events(agent_client, agent, pair):
    review, chat = pair

    response = decide(agent_client, chat, review, "confirmed")

    assert response.status_code == 200
    body = response.json()
    assert (body["interaction_id"], body["other_id"], body["decision"]) == (chat.pk, review.pk, "confirmed")
    assert body["decided_by"]["email"] == agent.email and "похожее имя: Серёжа / Сергей" in body["reasons"]
    link = InteractionLink.objects.get()
    assert (link.a_id, link.b_id, link.decision, link.decided_by_id) == (review.pk, chat.pk, "confirmed", agent.pk)
    events = InteractionEvent.objects.filter(kind="link_confirmed").order_by("interaction_id")
    assert [(e.interaction_id, e.data["other_id"], e.actor_id) for e in events] == [
        (review.pk, chat.pk, agent.pk),
        (chat.pk, review.pk, agent.pk),
    ]
    for this, other in ((review, chat), (chat, review)):
        links = agent_client.get(f"/api/interactions/{this.pk}").json()["links"]
        assert links["suggested"] == []
        assert [(s["interaction"]["id"], s["basis"]) for s in links["strong"]] == [(other.pk, "confirmed")]
        assert links["strong"][0]["reasons"][0] == "подтверждено продавцом"
        assert links["strong"][0]["decided_at"] is not None


@pytest.mark.django_db
def test_rejected_link_is_never_suggested_again(owner_client, pair):
    review, chat = pair
    assert owner_client.get(f"/api/interactions/{review.pk}").json()["links"]["suggested"]

    assert decide(owner_client, review, chat, "rejected").status_code == 200

    for this in pair:
        links = owner_client.get(f"/api/interactions/{this.pk}").json()["links"]
        assert links == {"strong": [], "suggested": []}
    assert InteractionEvent.objects.filter(kind="link_rejected").count() == 2


@pytest.mark.django_db
def test_a_seller_may_change_their_mind_and_a_repeat_changes_nothing(owner_client, owner, pair):
    review, chat = pair
    decide(owner_client, review, chat, "confirmed")
    decide(owner_client, review, chat, "confirmed")
    assert InteractionEvent.objects.filter(kind="link_confirmed").count() == 2

    response = decide(owner_client, chat, review, "rejected")

    assert response.status_code == 200 and response.json()["decision"] == "rejected"
    assert InteractionLink.objects.get().decision == "rejected"
    rejected = InteractionEvent.objects.filter(kind="link_rejected")
    assert rejected.count() == 2 and {e.data["previous"] for e in rejected} == {"confirmed"}
    assert owner_client.get(f"/api/interactions/{review.pk}").json()["links"] == {"strong": [], "suggested": []}


@pytest.mark.django_db
def test_another_shops_interaction_is_a_404_and_nothing_is_stored(owner_client, other_client, other_owner, pair):
    review, chat = pair
    theirs = interaction(ConnectionFactory(seller=other_owner.seller), kind="review", author_name="Сергей")

    assert decide(owner_client, review, theirs, "confirmed").status_code == 404
    assert decide(owner_client, theirs, review, "confirmed").status_code == 404
    response = decide(other_client, review, chat, "rejected")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not InteractionLink.objects.exists()
    assert not InteractionEvent.objects.filter(kind__startswith="link_").exists()


@pytest.mark.django_db
def test_bad_decisions_are_refused(owner_client, wb, pair):
    review, chat = pair
    buyer = CustomerFactory(seller=wb.seller)
    one = interaction(wb, kind="chat", customer=buyer)
    two = interaction(wb, kind="chat", customer=buyer)
    elsewhere = interaction(wb, kind="review", author_name="Сергей", product_id="777")

    response = decide(owner_client, review, chat, "maybe")
    assert response.status_code == 400 and "decision" in response.json()["errors"]
    assert owner_client.post(f"/api/interactions/{review.pk}/links/{chat.pk}", {}, format="json").status_code == 400
    response = decide(owner_client, review, review, "confirmed")
    assert response.status_code == 400 and response.json()["code"] == "link_self"
    response = decide(owner_client, one, two, "rejected")
    assert response.status_code == 409 and response.json()["code"] == "link_strong"
    response = decide(owner_client, review, elsewhere, "confirmed")
    assert response.status_code == 400 and response.json()["code"] == "link_not_suggested"
    assert not InteractionLink.objects.exists()


@pytest.mark.django_db
def test_only_shop_members_decide(anon_client, staff_client, pair):
    review, chat = pair
    assert decide(anon_client, review, chat, "confirmed").status_code == 401
    assert decide(staff_client, review, chat, "confirmed").status_code == 403
    assert not InteractionLink.objects.exists()
