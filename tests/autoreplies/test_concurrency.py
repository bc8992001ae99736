"""Two workers at once, on PostgreSQL: the caps stay exact and an interaction is answered once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from autoreplies.models import AutoReply
from autoreplies.services import auto_reply_run
from interactions.models import Message
from tests.factories import AutoReplyRuleFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL"),
]


def in_two_threads(*batches: list[int]) -> None:
    barrier = threading.Barrier(len(batches))
    errors: list[BaseException] = []

    def work(ids: list[int]) -> None:
        try:
            barrier.wait()
            auto_reply_run(interaction_ids=ids)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors


def test_the_rule_cap_is_exact_with_two_workers(arrive, shop, seller):
    AutoReplyRuleFactory(seller=seller, daily_cap=3)
    reviews = arrive(*({"text": f"Отличное платье номер {n}, спасибо!", "name": f"Имя{n}"} for n in range(8)))
    ids = [r.pk for r in reviews]
    in_two_threads(ids[::2], ids[1::2])
    assert Message.objects.filter(direction="out", author="auto_reply").count() == 3


def test_the_shop_cap_is_exact_with_two_workers(arrive, shop, seller):
    shop.daily_cap = 2
    shop.save()
    AutoReplyRuleFactory(seller=seller, rating_min=5, daily_cap=100)
    AutoReplyRuleFactory(seller=seller, rating_min=4, rating_max=4, daily_cap=100)
    reviews = arrive(
        *({"text": f"Хорошее платье номер {n}, спасибо!", "rating": 4 + n % 2, "name": f"Имя{n}"} for n in range(6))
    )
    ids = [r.pk for r in reviews]
    in_two_threads(ids[::2], ids[1::2])
    assert Message.objects.filter(direction="out", author="auto_reply").count() == 2


def test_one_interaction_two_workers_one_reply(arrive, rule):
    reviews = arrive(*({"text": f"Отличное платье номер {n}, спасибо!", "name": f"Имя{n}"} for n in range(4)))
    ids = [r.pk for r in reviews]
    in_two_threads(ids, list(reversed(ids)))
    assert Message.objects.filter(direction="out", author="auto_reply").count() == 4
    assert AutoReply.objects.count() == 4
    for review in reviews:
        assert Message.objects.filter(interaction=review, direction="out").count() == 1
