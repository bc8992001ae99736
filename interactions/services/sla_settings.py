"""A shop's own SLA settings: its rule overrides, its working calendar and its special days.

Every write validates with the model's own rules (clean() and the field validators), so the API and the
admin refuse the same things in the same words. A saved rule, calendar or day queues the recompute of the
shop's running waits through the signal receivers (interactions.services.recompute).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agentiq.errors import ApplicationError, Forbidden
from interactions.models import CalendarDay, SLARule, WorkingCalendar
from interactions.services.working_time import format_periods, parse_periods

MAX_SHOP_RULES = 100
MAX_CALENDAR_DAYS = 1000
RULE_FIELDS = (
    "name",
    "marketplace",
    "kind",
    "priority",
    "rating_min",
    "rating_max",
    "chat_phase",
    "target_minutes",
    "deadline_minutes",
    "follows_calendar",
    "escalation_steps",
    "escalate_to",
    "is_active",
)
GLOBAL_RULE_READ_ONLY = (
    "Общие правила меняют только операторы AgentIQ. Создайте правило магазина с теми же условиями: оно важнее общего."
)


def _escalation_target(*, seller: Any, user_id: int | None) -> Any:
    from sellers.models import User

    if user_id is None:
        return None
    # Any address outside the shop reads alike, whether the user exists or not.
    user = User.objects.filter(pk=user_id, seller=seller).first()
    if user is None:
        raise ValidationError({"escalate_to": ["Передавать можно только сотруднику магазина этого правила."]})
    if not user.is_active:
        raise ValidationError({"escalate_to": ["Этот сотрудник отключён: выберите активного."]})
    return user


def sla_rule_save(*, seller: Any, rule: SLARule | None = None, **fields: Any) -> SLARule:
    """Create (rule=None) or update one of the shop's rules. `escalate_to` is a user id."""
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"not rule fields: {sorted(unknown)}")
    if rule is None:
        if SLARule.objects.filter(seller=seller).count() >= MAX_SHOP_RULES:
            raise ApplicationError(f"У магазина уже {MAX_SHOP_RULES} правил: удалите ненужные.", code="too_many_rules")
        rule = SLARule(seller=seller)
    elif rule.seller_id is None:
        raise Forbidden(GLOBAL_RULE_READ_ONLY)
    elif rule.seller_id != seller.pk:
        raise ValueError("the rule belongs to another shop")
    if "escalate_to" in fields:
        rule.escalate_to = _escalation_target(seller=seller, user_id=fields.pop("escalate_to"))
    for name, value in fields.items():
        setattr(rule, name, value)
    if not rule.name.strip():
        raise ValidationError({"name": ["Введите название правила."]})
    rule.full_clean(exclude=["seller"])
    rule.save()
    return rule


def sla_rule_delete(*, seller: Any, rule: SLARule) -> None:
    if rule.seller_id is None:
        raise Forbidden(GLOBAL_RULE_READ_ONLY)
    if rule.seller_id != seller.pk:
        raise ValueError("the rule belongs to another shop")
    rule.delete()


WEEKDAY_KEYS = frozenset(str(n) for n in range(7))
WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")


def week_errors(week: Any) -> dict[str, list[str]]:
    """What is wrong with each day of a week given as {"0": [["09:00", "18:00"]], …}; {} when nothing."""
    if not isinstance(week, dict):
        return {"": ['Рабочие часы — объект «день недели → список периодов», например {"0": [["09:00", "18:00"]]}.']}
    errors: dict[str, list[str]] = {}
    for day, periods in week.items():
        if day not in WEEKDAY_KEYS:
            errors[str(day)] = [f"«{day}» — не день недели: ключи от 0 (понедельник) до 6 (воскресенье)."]
            continue
        try:
            parse_periods(periods)
        except ValidationError as error:
            errors[day] = error.messages
    return errors


def normalized_week(week: Any) -> dict[str, list[list[str]]]:
    """Validated periods per weekday ("0" … "6"), sorted; errors name the day, in Russian."""
    errors = week_errors(week)
    if errors:
        messages = [
            f"{WEEKDAYS[int(day)]}: {' '.join(msgs)}" if day in WEEKDAY_KEYS else " ".join(msgs)
            for day, msgs in errors.items()
        ]
        raise ValidationError({"week": messages})
    return {day: format_periods(parse_periods(periods)) for day, periods in week.items()}


def calendar_save(
    *,
    seller: Any,
    week: dict[str, Any] | None = None,
    follows_production_calendar: bool | None = None,
    merge_week: bool = False,
) -> WorkingCalendar:
    """Create or change the shop's calendar. `week` replaces the whole week, or with `merge_week` only the
    days it names (a day given as [] or null becomes a day off)."""
    with transaction.atomic():
        calendar = WorkingCalendar.objects.select_for_update().filter(seller=seller).first()
        if calendar is None:
            calendar = WorkingCalendar(seller=seller, week={})
        if week is not None:
            days = normalized_week(week)
            merged = {**(calendar.week or {}), **days} if merge_week else days
            calendar.week = {day: merged[day] for day in sorted(merged) if merged[day]}
        if follows_production_calendar is not None:
            calendar.follows_production_calendar = follows_production_calendar
        calendar.full_clean(exclude=["seller"], validate_unique=False)
        try:
            with transaction.atomic():
                calendar.save()
        except IntegrityError:
            # Another request created the shop's calendar a moment ago: change that one.
            existing = WorkingCalendar.objects.select_for_update().get(seller=seller)
            existing.week, existing.follows_production_calendar = calendar.week, calendar.follows_production_calendar
            existing.save()
            calendar = existing
    return calendar


def _day_calendar(*, seller: Any) -> WorkingCalendar:
    calendar = WorkingCalendar.objects.filter(seller=seller).first()
    if calendar is None or not any((calendar.week or {}).values()):
        raise ApplicationError(
            "Особые дни действуют только при заданных рабочих часах: сейчас сроки считаются круглосуточно. "
            "Сначала задайте часы работы по дням недели.",
            code="round_the_clock",
        )
    return calendar


def calendar_day_save(*, seller: Any, day: CalendarDay | None = None, **fields: Any) -> CalendarDay:
    """Create (day=None) or change one of the shop's special days: date, is_working, periods, note."""
    unknown = set(fields) - {"date", "is_working", "periods", "note"}
    if unknown:
        raise TypeError(f"not day fields: {sorted(unknown)}")
    calendar = _day_calendar(seller=seller)
    if day is None:
        if CalendarDay.objects.filter(calendar=calendar).count() >= MAX_CALENDAR_DAYS:
            raise ApplicationError(
                f"У календаря уже {MAX_CALENDAR_DAYS} особых дней: удалите прошедшие.", code="too_many_days"
            )
        day = CalendarDay(calendar=calendar)
    elif day.calendar_id != calendar.pk:
        raise ValueError("the day belongs to another calendar")
    if fields.get("is_working") is False and "periods" not in fields:
        fields["periods"] = []  # a day off has no hours of its own
    for name, value in fields.items():
        setattr(day, name, value)
    try:
        day.periods = format_periods(parse_periods(day.periods))
    except ValidationError as error:
        raise ValidationError({"periods": error.messages}) from error
    day.full_clean(exclude=["calendar"], validate_unique=False, validate_constraints=False)
    clash = CalendarDay.objects.filter(calendar=calendar, date=day.date).exclude(pk=day.pk)
    if clash.exists():
        raise ValidationError({"date": ["На эту дату особый день уже есть: измените его."]})
    try:
        with transaction.atomic():
            day.save()
    except IntegrityError as error:
        raise ValidationError({"date": ["На эту дату особый день уже есть: измените его."]}) from error
    return day


def calendar_day_delete(*, seller: Any, day: CalendarDay) -> None:
    if day.calendar.seller_id != seller.pk:
        raise ValueError("the day belongs to another shop")
    day.delete()
