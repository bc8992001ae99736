"""Response-time rules, the shop's working calendar, and the measurements the SLA reports read."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from interactions.models.core import Interaction, Kind, Marketplace, Priority


class ChatPhase(models.TextChoices):
    # A WB chat whose goodCard is not an order the buyer placed: the buyer is on the product card now.
    PRE_PURCHASE = "pre_purchase", "до покупки"
    POST_PURCHASE = "post_purchase", "после покупки"


class EscalationAction(models.TextChoices):
    NOTIFY_ASSIGNEE = "notify_assignee", "уведомить исполнителя"
    NOTIFY_OWNER = "notify_owner", "уведомить владельца"
    REASSIGN = "reassign", "передать владельцу (или запасному сотруднику) и поднять приоритет"
    NOTIFY_STAFF = "notify_staff", "уведомить операторов AgentIQ"


def validate_escalation_steps(value: Any) -> None:
    """A list of {"after_minutes": int ≥ 0, "action": EscalationAction}, in non-decreasing time."""
    if not isinstance(value, list):
        raise ValidationError("Шаги эскалации — список объектов {after_minutes, action}.")
    previous = -1
    for number, step in enumerate(value, start=1):
        if not isinstance(step, dict) or set(step) != {"after_minutes", "action"}:
            raise ValidationError(f"Шаг {number}: нужны ровно два поля, after_minutes и action.")
        minutes, action = step["after_minutes"], step["action"]
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 <= minutes <= 525_600:
            raise ValidationError(f"Шаг {number}: after_minutes — целое число минут от 0 до 525600.")
        if action not in EscalationAction.values:
            raise ValidationError(
                f"Шаг {number}: неизвестное действие «{action}». Возможны: {', '.join(EscalationAction.values)}."
            )
        if minutes < previous:
            raise ValidationError(f"Шаг {number}: шаги идут по времени, этот раньше предыдущего.")
        previous = minutes


class SLARule(models.Model):
    """First-response targets. The most specific active rule wins (interactions.services.sla); seller-less
    rules are the global defaults. Every match field left empty means "any"."""

    name = models.CharField("название", max_length=200)
    seller = models.ForeignKey(
        "sellers.Seller",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_rules",
        verbose_name="продавец",
        help_text="Пусто — правило для всех магазинов.",
    )
    marketplace = models.CharField(
        "маркетплейс", max_length=8, choices=Marketplace.choices, blank=True, help_text="Пусто — любой."
    )
    kind = models.CharField(
        "тип обращения", max_length=16, choices=Kind.choices, blank=True, help_text="Пусто — любой."
    )
    priority = models.CharField(
        "приоритет", max_length=16, choices=Priority.choices, blank=True, help_text="Пусто — любой."
    )
    rating_min = models.PositiveSmallIntegerField(
        "оценка от", null=True, blank=True, help_text="Только отзывы с оценкой не ниже; пусто — любая."
    )
    rating_max = models.PositiveSmallIntegerField(
        "оценка до", null=True, blank=True, help_text="Только отзывы с оценкой не выше; пусто — любая."
    )
    chat_phase = models.CharField(
        "чат до или после покупки",
        max_length=16,
        choices=ChatPhase.choices,
        blank=True,
        help_text="Чат WB о товаре, который покупатель ещё не заказал, — «до покупки». Пусто — любой.",
    )
    target_minutes = models.PositiveIntegerField("«скоро срок», мин", help_text="«Скоро срок» после этого времени.")
    deadline_minutes = models.PositiveIntegerField("срок ответа, мин", help_text="Нарушение после этого времени.")
    follows_calendar = models.BooleanField(
        "по рабочему времени",
        default=True,
        db_default=True,
        help_text="Считать минуты только в рабочие часы магазина; выключено — круглосуточно.",
    )
    escalation_steps = models.JSONField(
        "шаги эскалации",
        default=list,
        blank=True,
        validators=[validate_escalation_steps],
        help_text='Список вида [{"after_minutes": 15, "action": "notify_assignee"}]: минуты от начала ожидания '
        "(в том же времени, что и срок). Действия: notify_assignee, notify_owner, reassign, notify_staff.",
    )
    escalate_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="передавать сотруднику",
        help_text="Кому передать обращение на шаге reassign; пусто — владельцу магазина.",
    )
    is_active = models.BooleanField("действует", default=True)
    updated_at = models.DateTimeField("изменено", auto_now=True, null=True)

    class Meta:
        verbose_name = "правило SLA"
        verbose_name_plural = "правила SLA"
        constraints = [
            models.CheckConstraint(
                condition=Q(rating_min__isnull=True)
                | Q(rating_max__isnull=True)
                | Q(rating_min__lte=models.F("rating_max")),
                name="sla_rule_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(target_minutes__lte=models.F("deadline_minutes")), name="sla_rule_target_first"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for field in ("rating_min", "rating_max"):
            value = getattr(self, field)
            if value is not None and not 1 <= value <= 5:
                errors.setdefault(field, []).append("Оценка — от 1 до 5.")
        if self.rating_min is not None and self.rating_max is not None and self.rating_min > self.rating_max:
            errors.setdefault("rating_max", []).append("«Оценка до» не может быть меньше «оценки от».")
        if (self.rating_min is not None or self.rating_max is not None) and self.kind not in ("", Kind.REVIEW):
            errors.setdefault("kind", []).append("Оценка есть только у отзывов.")
        if self.chat_phase and self.kind not in ("", Kind.CHAT):
            errors.setdefault("chat_phase", []).append("«До или после покупки» бывает только у чатов.")
        target, deadline = self.target_minutes, self.deadline_minutes
        if target is not None and deadline is not None and target > deadline:
            errors.setdefault("target_minutes", []).append("«Скоро срок» наступает не позже срока ответа.")
        if self.escalate_to_id is not None and self.escalate_to.seller_id != self.seller_id:
            errors.setdefault("escalate_to", []).append("Передавать можно только сотруднику магазина этого правила.")
        if errors:
            raise ValidationError(errors)


def validate_week(value: Any) -> None:
    """{"0": [["09:00", "13:00"], ["14:00", "18:00"]], ..., "6": []}: weekday (Monday 0) → periods."""
    from interactions.services.working_time import parse_periods

    if not isinstance(value, dict):
        raise ValidationError("Рабочие часы — объект «день недели → список периодов».")
    for day, periods in value.items():
        if day not in {str(n) for n in range(7)}:
            raise ValidationError(f"«{day}» — не день недели: ключи от 0 (понедельник) до 6 (воскресенье).")
        parse_periods(periods)


class WorkingCalendar(models.Model):
    """A shop's working hours in its timezone. Without one (or with no hours at all), clocks run round the
    clock. The Russian production calendar (public holidays, transferred working days) comes from the
    `holidays` package; CalendarDay rows add the shop's own days off and working days on top."""

    seller = models.OneToOneField(
        "sellers.Seller", on_delete=models.CASCADE, related_name="working_calendar", verbose_name="продавец"
    )
    week = models.JSONField(
        "рабочие часы по дням недели",
        default=dict,
        blank=True,
        validators=[validate_week],
        help_text='Например {"0": [["09:00", "13:00"], ["14:00", "18:00"]], "5": []}: 0 — понедельник, '
        "6 — воскресенье; дня нет или список пуст — выходной.",
    )
    follows_production_calendar = models.BooleanField(
        "производственный календарь РФ",
        default=True,
        help_text="Государственные праздники — выходные, перенесённые рабочие субботы — рабочие.",
    )
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "рабочий календарь"
        verbose_name_plural = "рабочие календари"

    def __str__(self) -> str:
        return f"Календарь: {self.seller}"


class CalendarDay(models.Model):
    """One date that differs from the week: a day off, or a working day (with its own hours or the
    shop's usual ones)."""

    calendar = models.ForeignKey(
        WorkingCalendar, on_delete=models.CASCADE, related_name="days", verbose_name="календарь"
    )
    date = models.DateField("дата")
    is_working = models.BooleanField("рабочий день", default=False)
    periods = models.JSONField(
        "часы",
        default=list,
        blank=True,
        help_text='Для рабочего дня, например [["10:00", "16:00"]]; пусто — обычные часы магазина.',
    )
    note = models.CharField("примечание", max_length=200, blank=True)

    class Meta:
        verbose_name = "особый день"
        verbose_name_plural = "особые дни"
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique_date")]
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y}: {'рабочий' if self.is_working else 'выходной'}"

    def clean(self) -> None:
        from interactions.services.working_time import parse_periods

        if self.periods and not self.is_working:
            raise ValidationError({"periods": ["Часы задаются только рабочему дню."]})
        try:
            parse_periods(self.periods)
        except ValidationError as error:
            raise ValidationError({"periods": error.messages}) from error


class BreachedInteraction(Interaction):
    """Staff's page of interactions past their deadline and still waiting for an answer (the rows are
    Interaction's; the filter is the admin's)."""

    class Meta:
        proxy = True
        verbose_name = "просроченное обращение"
        verbose_name_plural = "просроченные обращения"


class CycleOutcome(models.TextChoices):
    RESPONDED = "responded", "ответили"
    CLOSED = "closed", "закрыто без ответа"
    ANSWERED_ELSEWHERE = "answered_elsewhere", "отвечено, время неизвестно"


class ResponseCycle(models.Model):
    """One finished wait of a buyer for an answer: the unit of the SLA reports. A reopened interaction
    starts a new one. The running wait lives on the Interaction (sla_* fields) until it ends here."""

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="+", verbose_name="продавец")
    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="response_cycles", verbose_name="обращение"
    )
    # Copied so the reports group and filter without a join.
    marketplace = models.CharField("маркетплейс", max_length=8, choices=Marketplace.choices)
    kind = models.CharField("тип", max_length=16, choices=Kind.choices)
    rule = models.ForeignKey(
        SLARule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="правило"
    )
    started_at = models.DateTimeField("ждал ответа с")
    due_soon_at = models.DateTimeField("«скоро срок» с", null=True, blank=True)
    due_at = models.DateTimeField("срок", null=True, blank=True)
    ended_at = models.DateTimeField("закончилось")
    outcome = models.CharField("итог", max_length=24, choices=CycleOutcome.choices)
    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="кто ответил",
        help_text="Пусто — ответ из кабинета маркетплейса или автоответ.",
    )
    is_auto_reply = models.BooleanField("автоответ", default=False)
    # Working seconds from started_at to ended_at, in the rule's time (the calendar or round the clock).
    response_seconds = models.PositiveIntegerField("время ответа, с", null=True, blank=True)
    met_target = models.BooleanField("до «скоро срок»", null=True)
    met_deadline = models.BooleanField("в срок", null=True)

    class Meta:
        verbose_name = "замер времени ответа"
        verbose_name_plural = "замеры времени ответа"
        indexes = [
            models.Index(fields=["seller", "started_at"], name="cycle_seller_started_idx"),
            models.Index(fields=["interaction", "started_at"], name="cycle_interaction_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.interaction_id}: {self.get_outcome_display()}"
