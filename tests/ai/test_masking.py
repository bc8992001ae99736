"""Personal data is masked before buyer text leaves for the LLM; ordinary numbers stay."""

from __future__ import annotations

import pytest

from ai.llm.masking import (
    CARD,
    EMAIL,
    HANDLE,
    PASSPORT,
    PHONE,
    SNILS,
    contact_kinds,
    luhn_valid,
    mask,
    mask_personal_data,
)

PHONES = [
    "+79123456789",
    "+7 912 345 67 89",
    "+7 (912) 345-67-89",
    "+7(912)345-67-89",
    "+7-912-345-67-89",
    "+ 7 912 345 67 89",
    "89123456789",
    "8 912 345 67 89",
    "8 (912) 345-67-89",
    "8-912-345-67-89",
    "8.912.345.67.89",
    "8 9 1 2 3 4 5 6 7 8 9",  # one digit at a time
    "8 - 9 1 2 - 3 4 5 - 6 7 - 8 9",
    "79123456789",
    "7 912 345-67-89",
    "9123456789",
    "912 345 67 89",
    "912-345-67-89",
    "(912) 345-67-89",
    "8 (495) 123-45-67",
    "+7 495 123 45 67",
    "(812) 123-45-67",
    "(495)1234567",
    "123-45-67",
    "8 800 555 35 35",
    "+375 29 123-45-67",
    "+380 67 123 4567",
    "+998 90 123 45 67",
    "８９１２３４５６７８９",  # fullwidth digits
    "8912\u200b345\u200c6789",  # split by zero-width characters
    "8\u00a0912\u00a0345\u00a067\u00a089",  # non-breaking spaces
]


@pytest.mark.parametrize("phone", PHONES)
def test_phones_are_masked(phone):
    masked = mask(f"Позвоните мне: {phone}, пожалуйста")

    assert masked.text == f"Позвоните мне: {PHONE}, пожалуйста"
    assert masked.found == {PHONE: 1}


@pytest.mark.parametrize(
    "email",
    [
        "ivan@mail.ru",
        "Ivan.Petrov+shop@gmail.com",
        "ivan_petrov-1985@yandex.ru",
        "a.b.c@sub.domain.co.uk",
        "иван@почта.рф",
        "IVAN@MAIL.RU",
        "ivan (at) mail.ru",
        "ivan [at] mail [dot] ru",
        "ivan собака mail точка ru",
        "ivan(собака)mail.ru",
    ],
)
def test_emails_are_masked(email):
    assert mask_personal_data(f"Пишите на {email} в любое время") == f"Пишите на {EMAIL} в любое время"


@pytest.mark.parametrize(
    "card",
    [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
        "5500 0000 0000 0004",
        "2200 1234 5678 9019",  # Мир
        "3782 822463 10005",  # Amex, 15 digits
        "4222222222222",  # 13 digits
        "6011 0009 9013 9424",
        "4111 1111 1111 1111 003",  # 19 digits
    ],
)
def test_luhn_valid_cards_are_masked(card):
    digits = "".join(ch for ch in card if ch.isdigit())
    assert luhn_valid(digits)

    assert mask_personal_data(f"Верните на карту {card}.") == f"Верните на карту {CARD}."


def test_a_luhn_invalid_long_number_is_not_a_card():
    assert not luhn_valid("4111111111111112")

    assert CARD not in mask_personal_data("Номер 4111 1111 1111 1112 не карта")


@pytest.mark.parametrize(
    "text",
    [
        "паспорт 45 06 123456",
        "Паспорт: 4506 123456",
        "паспортные данные 4506123456",
        "серия 4506 номер 123456",
        "серия 45 06 № 123456",
    ],
)
def test_passports_are_masked_when_named(text):
    masked = mask(text)

    assert PASSPORT in masked.text
    assert not any(ch.isdigit() for ch in masked.text)


def test_snils_and_handles_are_masked():
    assert mask_personal_data("СНИЛС 123-456-789 01") == f"СНИЛС {SNILS}"
    assert mask_personal_data("мой телеграм @ivan_petrov и t.me/shop_bot") == f"мой телеграм {HANDLE} и {HANDLE}"


def test_several_kinds_in_one_text_are_counted():
    masked = mask("Иван, 8 912 345-67-89, ivan@mail.ru, карта 4111 1111 1111 1111, ещё +7 912 000 11 22")

    assert masked.text == f"Иван, {PHONE}, {EMAIL}, карта {CARD}, ещё {PHONE}"
    assert masked.found == {PHONE: 2, EMAIL: 1, CARD: 1}


@pytest.mark.parametrize(
    "text",
    [
        "Заказ 123456789 пришёл без пакета",
        "Артикул 12345678, размер 42-44, рост 170",
        "Цена 1 999 руб, скидка 30%",
        "Доставили 12.03.2024 в 15:30",
        "Купила 2 шт по 990 ₽",
        "Размеры: 42 44 46 48",
        "Номер отправления 0123456789-0001-1",
        "Обхват груди 92 см, талии 74, бёдер 100",
        "ок",
        "",
        "Спасибо!!! 5+ 👍",
    ],
)
def test_ordinary_numbers_and_texts_stay(text):
    assert mask(text).found == {}
    assert mask_personal_data(text) == text


def test_masking_is_idempotent():
    once = mask_personal_data("8 912 345 67 89 и ivan@mail.ru, карта 4111111111111111")

    assert mask_personal_data(once) == once


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Здравствуйте! Спасибо за отзыв.", set()),
        ("Пишите нам на shop@mail.ru", {"email"}),
        ("Звоните 8 800 555 35 35", {"phone"}),
        ("Загляните на наш сайт shop.ru", {"link"}),
        ("Подробнее: https://example.com/x", {"link"}),
        ("Подробнее: www.example.org", {"link"}),
        ("Наш телеграм @shop_official", {"handle"}),
        ("Ваш номер [телефон] записан", {"placeholder"}),
    ],
)
def test_contact_kinds_in_a_reply(text, kinds):
    assert contact_kinds(text) == kinds
