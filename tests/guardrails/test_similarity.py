"""most_similar: the repeated-answer guard's measure, on normalized text."""

from __future__ import annotations

from guardrails.similarity import most_similar, similarity_key

EARLIER = [
    (1, "Анна, спасибо за отзыв! Рады, что платье подошло."),
    (2, "Спасибо за отзыв! Рады, что платье подошло по размеру, носите с удовольствием."),
    (3, "Здравствуйте! Доставка занимает 3–5 дней, трек появится в личном кабинете."),
    (4, "Состав: 95% хлопок, 5% эластан."),
]


def test_the_same_answer_with_another_name_scores_high_and_comes_first():
    found = most_similar("Мария, спасибо за отзыв! Рады, что платье подошло.", EARLIER)

    assert [candidate for _, candidate in found] == [1, 2, 3]
    assert found[0][0] >= 85
    assert found[0][0] > found[1][0] > found[2][0]


def test_case_punctuation_and_yo_do_not_make_a_difference():
    assert similarity_key("Ещё РАЗ, спасибо!!!") == similarity_key("еще раз спасибо")
    assert most_similar("СОСТАВ — 95 % хлопок; 5 % эластан", EARLIER, limit=1) == [(100.0, 4)]


def test_a_different_answer_scores_low_and_the_cutoff_drops_it():
    text = "Подскажите, пожалуйста, номер заказа: проверим, где посылка."

    assert all(score < 60 for score, _ in most_similar(text, EARLIER))
    assert most_similar(text, EARLIER, score_cutoff=90) == []


def test_nothing_to_compare():
    assert most_similar("Спасибо!", []) == []
    assert most_similar("  !!! ", EARLIER) == []


def test_prepared_candidates_are_compared_as_given():
    prepared = [(cid, similarity_key(text)) for cid, text in EARLIER]

    assert most_similar(EARLIER[3][1], prepared, prepared=True, limit=1) == [(100.0, 4)]
