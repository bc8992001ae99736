"""The CSV of leads for staff. Made for Excel with Russian settings, which is what sales open it in:
UTF-8 with a byte-order mark (without it Excel reads the bytes as cp1251 and the Cyrillic turns to
mojibake), `;` between fields (the list separator of the Russian locale; with `,` every row lands in one
column), CRLF line ends. A `sep=;` first line would make Excel ignore the BOM, so there is none. A visitor's
text that starts like a formula (=, +, -, @) is prefixed with an apostrophe so Excel shows it, never runs it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

import phonenumbers
from django.utils.formats import date_format
from django.utils.timezone import localtime

from leads.models import Lead

BOM = "\ufeff"
DELIMITER = ";"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER = [
    "Номер",
    "Создана",
    "Статус",
    "Имя",
    "Телефон",
    "Эл. почта",
    "Telegram",
    "Магазин",
    "Маркетплейсы",
    "Комментарий",
    "Заметка",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "Откуда пришёл",
    "Повторных заявок",
    "Последняя отправка",
    "Статус изменён",
    "Кто изменил статус",
]
MARKETPLACES = {"wb": "Wildberries", "ozon": "Ozon"}


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def phone_for_excel(e164: str) -> str:
    """«8 (912) 345-67-89» for Russian numbers (text to Excel, and how sales dial them), else international."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 7 and phonenumbers.region_code_for_number(number) == "RU":
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _when(value: datetime | None) -> str:
    return date_format(localtime(value), "d.m.Y H:i") if value else ""


def lead_row(lead: Lead) -> list[str]:
    changed_by = lead.status_changed_by
    return [
        str(lead.pk),
        _when(lead.created_at),
        lead.get_status_display(),
        safe_cell(lead.name),
        safe_cell(phone_for_excel(lead.phone)),
        safe_cell(lead.email),
        "@" + lead.telegram if lead.telegram else "",
        safe_cell(lead.shop_name),
        ", ".join(MARKETPLACES[code] for code in lead.marketplaces),
        safe_cell(lead.comment),
        safe_cell(lead.note),
        safe_cell(lead.utm_source),
        safe_cell(lead.utm_medium),
        safe_cell(lead.utm_campaign),
        safe_cell(lead.referrer),
        str(lead.repeat_count),
        _when(lead.last_submitted_at),
        _when(lead.status_changed_at),
        changed_by.email if changed_by else "",
    ]


def leads_csv(leads: Iterable[Lead]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    writer.writerows(lead_row(lead) for lead in leads)
    return (BOM + out.getvalue()).encode("utf-8")
