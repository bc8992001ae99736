"""Russian nouns after a number: one (1, 21, 101), few (2–4, 22–24) and many (0, 5–20, 11–14, 25, 111)."""

from __future__ import annotations

import pytest

from agentiq.plural import count_label, plural_index, ru_plural

RULE = ("правило SLA", "правила SLA", "правил SLA")
BREACHED = ("просроченное обращение", "просроченных обращения", "просроченных обращений")


@pytest.mark.parametrize(
    ("n", "form"),
    [
        (0, "правил"),
        (1, "правило"),
        (2, "правила"),
        (4, "правила"),
        (5, "правил"),
        (11, "правил"),
        (12, "правил"),
        (14, "правил"),
        (21, "правило"),
        (22, "правила"),
        (25, "правил"),
        (101, "правило"),
        (111, "правил"),
        (112, "правил"),
        (1_000_001, "правило"),
    ],
)
def test_the_form_follows_the_last_digits(n, form):
    assert ru_plural(n, "правило", "правила", "правил") == form


@pytest.mark.parametrize(
    ("n", "label"),
    [
        (0, "0 правил SLA"),
        (1, "1 правило SLA"),
        (2, "2 правила SLA"),
        (6, "6 правил SLA"),
        (21, "21 правило SLA"),
        (111, "111 правил SLA"),
    ],
)
def test_count_label_puts_the_number_before_its_form(n, label):
    assert count_label(n, RULE) == label


def test_adjectives_come_with_their_noun():
    assert [count_label(n, BREACHED) for n in (1, 2, 5, 22)] == [
        "1 просроченное обращение",
        "2 просроченных обращения",
        "5 просроченных обращений",
        "22 просроченных обращения",
    ]


def test_a_negative_number_takes_the_form_of_its_magnitude():
    assert [plural_index(n) for n in (-1, -3, -11)] == [0, 1, 2]
