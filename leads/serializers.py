"""What the lead form sends, checked and normalized; shared by the JSON API and the plain form post."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from rest_framework import serializers

from leads.services import LeadData

# The same codes as an interaction's marketplace (one enum in the schema: SPECTACULAR_SETTINGS).
MARKETPLACE_CHOICES = [("wb", "Wildberries"), ("ozon", "Ozon")]
CONTACT_FIELDS = ("phone", "email", "telegram")

PHONE_INVALID = "Проверьте номер телефона: например, +7 912 345-67-89 или 8 912 345-67-89."
TELEGRAM_INVALID = "Ник в Telegram — от 5 до 32 латинских букв, цифр и «_», начинается с буквы: например, @my_shop."
CONTACT_REQUIRED = "Оставьте хотя бы один способ связи: телефон, эл. почту или Telegram."
CONSENT_REQUIRED = "Без согласия на обработку персональных данных мы не можем принять заявку."
MARKETPLACE_INVALID = "Выберите Wildberries или Ozon."

TELEGRAM_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?(?:t\.me/|telegram\.me/)|^@", re.IGNORECASE)
TELEGRAM_HANDLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,30}[A-Za-z0-9]$")

# Captured by the page, never typed by the visitor: cut to the column, never refused.
CAPTURED_LIMITS = {"utm_source": 200, "utm_medium": 200, "utm_campaign": 200, "referrer": 500}


def _text(max_length: int | None = None) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, default="", max_length=max_length)


class LeadInput(serializers.Serializer):
    name = _text(100)
    phone = _text(40)
    email = serializers.EmailField(
        required=False,
        allow_blank=True,
        default="",
        max_length=254,
        error_messages={"invalid": "Проверьте адрес эл. почты: например, name@example.ru."},
    )
    telegram = _text(64)
    shop_name = _text(200)
    marketplaces = serializers.ListField(
        child=serializers.ChoiceField(
            choices=MARKETPLACE_CHOICES, error_messages={"invalid_choice": MARKETPLACE_INVALID}
        ),
        required=False,
        default=list,
        max_length=2,
    )
    comment = _text(2000)
    consent = serializers.BooleanField(default=False)
    utm_source = _text()
    utm_medium = _text()
    utm_campaign = _text()
    referrer = _text()
    # Spam defence (leads/spam.py, HONEYPOT_FIELD): judged before this serializer runs; listed for the schema.
    form_token = _text(500)
    website = serializers.CharField(required=False, allow_blank=True, default="", help_text="Honeypot: leave empty.")

    def validate_phone(self, value: str) -> str:
        if not value:
            return ""
        try:
            number = phonenumbers.parse(value, "RU")
        except phonenumbers.NumberParseException:
            raise serializers.ValidationError(PHONE_INVALID) from None
        if not phonenumbers.is_valid_number(number):
            raise serializers.ValidationError(PHONE_INVALID)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def validate_email(self, value: str) -> str:
        return value.lower()

    def validate_telegram(self, value: str) -> str:
        handle = TELEGRAM_PREFIX.sub("", value.strip()).rstrip("/")
        if not handle:
            return ""
        if not TELEGRAM_HANDLE.match(handle):
            raise serializers.ValidationError(TELEGRAM_INVALID)
        return handle.lower()

    def validate_consent(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError(CONSENT_REQUIRED)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any(attrs.get(field) for field in CONTACT_FIELDS):
            raise serializers.ValidationError({"contact": [CONTACT_REQUIRED]})
        for field, limit in CAPTURED_LIMITS.items():
            attrs[field] = attrs.get(field, "")[:limit]
        return attrs

    def lead_data(self) -> LeadData:
        data = self.validated_data
        return LeadData(
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            telegram=data["telegram"],
            shop_name=data["shop_name"],
            marketplaces=tuple(dict.fromkeys(data["marketplaces"])),
            comment=data["comment"],
            utm_source=data["utm_source"],
            utm_medium=data["utm_medium"],
            utm_campaign=data["utm_campaign"],
            referrer=data["referrer"],
        )
