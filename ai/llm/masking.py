"""Personal data out of buyer text before it leaves for the LLM: phones, e-mails, cards, passports, SNILS,
messenger handles become placeholders («[телефон]», «[email]», «[карта]», «[паспорт]», «[снилс]», «[контакт]»).

Pure functions, no Django. Order matters: cards (13–19 digits, Luhn-checked) before phones, so a card's
digits are not half taken for a phone; e-mails before handles, so «ivan@mail.ru» is not read as «@mail».
Look-alike digits (fullwidth, Arabic-Indic) are read as digits and zero-width characters dropped first, so
«８９１２…» or a phone split by U+200B is masked too. Over-masking is the safe side: a 10-digit number
starting with 9 is masked as a phone even when it was an order number.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

PHONE = "[телефон]"
EMAIL = "[email]"
CARD = "[карта]"
PASSPORT = "[паспорт]"
SNILS = "[снилс]"
HANDLE = "[контакт]"
PLACEHOLDERS = (PHONE, EMAIL, CARD, PASSPORT, SNILS, HANDLE)

# Zero-width and bidi control characters: invisible, and able to split a number or a word.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Between two digits of one number: spaces, dashes, dots, brackets (at most three: «8 (912) 345 - 67 - 89»).
_S = r"[ \t\u00a0\u2009\u202f\-‐‑‒–—.()]{0,3}"
_D = r"\d"

_CARD = re.compile(r"(?<![\d+])\d(?:[ \-]{0,2}\d){12,18}(?!\d)")
# +7 / 7 / 8 and ten digits whose first is a Russian area or mobile code (3, 4, 8, 9).
_PHONE_RU = re.compile(rf"(?<![\d+])(?:\+[ ]?7|7|8){_S}\(?[3489](?:{_S}{_D}){{9}}(?!\d)")
# Ten digits of a mobile without the country prefix: «912 345 67 89», «(912) 345-67-89».
_PHONE_RU_MOBILE = re.compile(rf"(?<![\d+])\(?9(?:{_S}{_D}){{9}}(?!\d)")
# A city number with its code in brackets: «(812) 123-45-67», «(495)1234567».
_PHONE_RU_CITY = re.compile(rf"\([ ]?[3489]\d{{2}}[ ]?\)(?:{_S}{_D}){{7}}(?!\d)")
# A local number written the usual way: «123-45-67».
_PHONE_LOCAL = re.compile(r"(?<![\d\-])\d{3}-\d{2}-\d{2}(?![\d\-])")
# Any other international number: + and 10–15 digits.
_PHONE_INTL = re.compile(rf"\+[ ]?[1-9](?:{_S}{_D}){{9,14}}(?!\d)")
_AT = r"(?:@|\s?\((?:at|собака)\)\s?|\s?\[(?:at|собака)\]\s?|\s(?:at|собака)\s)"
_DOT = r"(?:\.|\s?\((?:dot|точка)\)\s?|\s?\[(?:dot|точка)\]\s?|\s(?:dot|точка)\s)"
_EMAIL = re.compile(
    rf"[\w.+\-]{{0,64}}\w{_AT}[\w\-]{{1,63}}(?:{_DOT}[\w\-]{{1,63}}){{0,4}}{_DOT}[^\W\d_]{{2,24}}\b",
    re.IGNORECASE,
)
_PASSPORT = re.compile(
    r"(?P<cue>паспорт\w*|серия)(?P<gap>[^\d\n]{0,25})(?P<number>\d{2}[ ]?\d{2}(?:[ ]?(?:№|N|номер)?[ ]?)\d{6})(?!\d)",
    re.IGNORECASE,
)
_SNILS = re.compile(r"(?<!\d)\d{3}[- ]\d{3}[- ]\d{3}[- ]\d{2}(?!\d)")
# A messenger handle: «@ivan_petrov», «t.me/ivan», «tg: @shop». After e-mails, so «a@b.ru» is gone by then.
_HANDLE = re.compile(
    r"(?:(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b|\b(?:t|telegram)\.me/[A-Za-z0-9_]{3,32})", re.IGNORECASE
)


@dataclass(frozen=True)
class Masked:
    text: str
    found: dict[str, int]  # placeholder → how many were replaced


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize(text: str) -> str:
    """Drop invisible characters and read every Unicode decimal digit as its ASCII digit."""
    text = _INVISIBLE.sub("", text)
    return "".join(str(unicodedata.digit(char)) if char.isdecimal() and not char.isascii() else char for char in text)


def mask_personal_data(text: str) -> str:
    return mask(text).text


def mask(text: str) -> Masked:
    counts: Counter[str] = Counter()
    text = normalize(text)

    def card(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        if luhn_valid(digits):
            counts[CARD] += 1
            return CARD
        return match.group()

    def replace_with(placeholder: str):
        def replace(match: re.Match[str]) -> str:
            counts[placeholder] += 1
            return placeholder

        return replace

    def passport(match: re.Match[str]) -> str:
        counts[PASSPORT] += 1
        return f"{match.group('cue')}{match.group('gap')}{PASSPORT}"

    text = _EMAIL.sub(replace_with(EMAIL), text)
    text = _PASSPORT.sub(passport, text)
    text = _SNILS.sub(replace_with(SNILS), text)
    text = _CARD.sub(card, text)
    for pattern in (_PHONE_RU, _PHONE_INTL, _PHONE_RU_CITY, _PHONE_RU_MOBILE, _PHONE_LOCAL):
        text = pattern.sub(replace_with(PHONE), text)
    text = _HANDLE.sub(replace_with(HANDLE), text)
    return Masked(text=text, found=dict(counts))


# --- contacts in our own drafts --------------------------------------------------------------------------

_LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w\-]+(?:\.[\w\-]+)*\.(?:ru|рф|com|net|org|su|info|shop|store|online|site|me|io|by|kz|ua)\b",
    re.IGNORECASE,
)


def contact_kinds(text: str) -> set[str]:
    """What kinds of outside contact a text carries: phone, email, card, handle, link, placeholder (an echo
    of our own masking). A reply must carry none (docs/product-rules.md, «outside contacts»)."""
    masked = mask(text)
    kinds = {
        {PHONE: "phone", EMAIL: "email", CARD: "card", PASSPORT: "passport", SNILS: "snils", HANDLE: "handle"}[key]
        for key in masked.found
    }
    if _LINK.search(masked.text):
        kinds.add("link")
    if any(placeholder in text for placeholder in PLACEHOLDERS):
        kinds.add("placeholder")
    return kinds
