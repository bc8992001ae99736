"""Leads from the landing form: who asked to be contacted, how, and what staff did about it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.timezone import now


class LeadStatus(models.TextChoices):
    NEW = "new", "новая"
    CONTACTED = "contacted", "связались"
    QUALIFIED = "qualified", "подходит"
    CONVERTED = "converted", "стал клиентом"
    SPAM = "spam", "спам"


class Lead(models.Model):
    """One visitor's request. A repeat with the same phone, e-mail or Telegram within 24 h is merged into it
    (`repeat_count`, `last_submitted_at`), so staff call once. The visitor's IP is kept only as a salted hash."""

    Status = LeadStatus

    name = models.CharField("имя", max_length=100, blank=True)
    phone = models.CharField("телефон", max_length=20, blank=True, db_index=True, help_text="В формате E.164: +7…")
    email = models.EmailField("эл. почта", blank=True, db_index=True)
    telegram = models.CharField(
        "ник в Telegram", max_length=32, blank=True, db_index=True, help_text="Без @, строчными буквами."
    )
    shop_name = models.CharField("магазин", max_length=200, blank=True)
    sells_on_wb = models.BooleanField("продаёт на Wildberries", default=False)
    sells_on_ozon = models.BooleanField("продаёт на Ozon", default=False)
    comment = models.TextField("комментарий посетителя", blank=True)
    consent_at = models.DateTimeField(
        "согласие на обработку данных", help_text="Когда посетитель дал согласие (152-ФЗ)."
    )

    utm_source = models.CharField("метка utm_source", max_length=200, blank=True, db_index=True)
    utm_medium = models.CharField("метка utm_medium", max_length=200, blank=True)
    utm_campaign = models.CharField("метка utm_campaign", max_length=200, blank=True)
    referrer = models.CharField("откуда пришёл", max_length=500, blank=True)
    ip_hash = models.CharField("хеш IP-адреса", max_length=64, blank=True, help_text="Сам адрес не хранится.")

    status = models.CharField("статус", max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    status_changed_at = models.DateTimeField("статус изменён", null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="кто изменил статус",
    )
    note = models.TextField("заметка", blank=True, help_text="Для сотрудников; посетитель её не видит.")

    repeat_count = models.PositiveIntegerField(
        "повторных заявок", default=0, help_text="Сколько раз посетитель отправил форму ещё раз в течение суток."
    )
    created_at = models.DateTimeField("создана", default=now, db_index=True)
    last_submitted_at = models.DateTimeField("последняя отправка", default=now)
    sales_emailed_at = models.DateTimeField("письмо отделу продаж", null=True, blank=True)

    class Meta:
        verbose_name = "заявка"
        verbose_name_plural = "заявки"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="lead_status_created")]

    def __str__(self) -> str:
        return f"{self.name or 'Без имени'} — {self.contact_summary or 'без контакта'}"

    @property
    def marketplaces(self) -> list[str]:
        return [code for code, on in (("wb", self.sells_on_wb), ("ozon", self.sells_on_ozon)) if on]

    @property
    def contact_summary(self) -> str:
        return ", ".join(value for value in (self.phone, self.email, self.telegram and "@" + self.telegram) if value)


class LeadStatusChange(models.Model):
    """Who moved a lead to which status, and when (append-only)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="status_changes", verbose_name="заявка")
    from_status = models.CharField("был статус", max_length=16, choices=LeadStatus.choices)
    to_status = models.CharField("стал статус", max_length=16, choices=LeadStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="кто изменил",
    )
    changed_at = models.DateTimeField("когда", default=now)

    class Meta:
        verbose_name = "смена статуса заявки"
        verbose_name_plural = "смены статусов заявок"
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"
