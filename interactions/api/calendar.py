"""`/api/calendar`: my shop's working hours, in its timezone, which the deadlines of rules that follow the
calendar count in; its special days (`/api/calendar/days`); and a preview of a deadline in that time
(`/api/calendar/preview`). Everyone in the shop reads; the owner changes. Without a calendar, or without
any hours, deadlines run round the clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interactions.api.sla_rules import MAX_MINUTES, owner_only_for_writes
from interactions.models import CalendarDay
from interactions.selectors import sla as selectors
from interactions.services import sla_settings
from interactions.services.working_time import describe_week, parse_periods, week_periods, working_times_for, zone_of
from sellers.access import IsSellerMember, seller_for_request

# No shop plans its days before 2000 or more than three years ahead; outside that, date arithmetic overflows.
EARLIEST_DAY = date(2000, 1, 1)
YEARS_AHEAD_DAYS = 3 * 366
UPCOMING_DAYS_SHOWN = 100

PERIODS_SCHEMA = {
    "type": "array",
    "items": {"type": "array", "items": {"type": "string", "example": "09:00"}, "minItems": 2, "maxItems": 2},
    "description": "Периоды дня, ЧЧ:ММ в часовом поясе магазина (конец может быть 24:00); пусто — выходной.",
    "example": [["09:00", "13:00"], ["14:00", "18:00"]],
}
WEEK_SCHEMA = {
    "type": "object",
    "description": "День недели (0 — понедельник … 6 — воскресенье) → периоды. В ответе всегда семь дней.",
    "additionalProperties": PERIODS_SCHEMA,
    "example": {"0": [["09:00", "13:00"], ["14:00", "18:00"]], "5": [["10:00", "14:00"]], "6": []},
}


def shop_today(seller: Any) -> date:
    return timezone.now().astimezone(zone_of(seller.timezone)).date()


@extend_schema_field(WEEK_SCHEMA)
class WeekField(serializers.JSONField):
    """Each day's periods checked by parse_periods; the errors come per day ({"week": {"1": [...]}})."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        errors = sla_settings.week_errors(value)
        if errors:
            raise serializers.ValidationError(errors.get("") or errors)
        return value


@extend_schema_field(PERIODS_SCHEMA)
class PeriodsField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> list[list[str]]:
        from django.core.exceptions import ValidationError as DjangoValidationError

        value = super().to_internal_value(data)
        try:
            parse_periods(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return value or []


@extend_schema_serializer(component_name="CalendarDay")
class CalendarDayOutput(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    is_working = serializers.BooleanField(help_text="true — рабочий день, false — выходной.")
    periods = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Часы рабочего дня; пусто — обычные часы магазина.",
    )
    note = serializers.CharField()


def day_output(day: CalendarDay) -> dict[str, Any]:
    return {
        "id": day.pk,
        "date": day.date.isoformat(),
        "is_working": day.is_working,
        "periods": day.periods or [],
        "note": day.note,
    }


@extend_schema_serializer(component_name="WorkingCalendar")
class CalendarOutput(serializers.Serializer):
    exists = serializers.BooleanField(help_text="false — календаря нет: сроки идут круглосуточно.")
    timezone = serializers.CharField(help_text="Часовой пояс магазина, в нём записаны часы.")
    round_the_clock = serializers.BooleanField(help_text="Часов нет ни в один день: сроки идут круглосуточно.")
    week = WeekField()
    week_text = serializers.CharField(help_text="Неделя по-русски: «пн–пт 09:00–18:00; сб, вс выходной».")
    follows_production_calendar = serializers.BooleanField(
        help_text="Праздники РФ — выходные, перенесённые рабочие дни — рабочие."
    )
    days = CalendarDayOutput(
        many=True, help_text=f"Особые дни с сегодняшнего дня, первые {UPCOMING_DAYS_SHOWN}; все — /api/calendar/days."
    )
    updated_at = serializers.DateTimeField(allow_null=True)


def calendar_output(seller: Any) -> dict[str, Any]:
    calendar = selectors.calendar_of(seller=seller)
    week = week_periods(calendar.week if calendar is not None else {})
    days = selectors.calendar_days(seller=seller, date_from=shop_today(seller)) if calendar is not None else []
    return {
        "exists": calendar is not None,
        "timezone": str(zone_of(seller.timezone)),
        "round_the_clock": not any(week.values()),
        "week": week,
        "week_text": describe_week(week),
        "follows_production_calendar": calendar.follows_production_calendar if calendar is not None else True,
        "days": [day_output(day) for day in days[:UPCOMING_DAYS_SHOWN]],
        "updated_at": serializers.DateTimeField().to_representation(calendar.updated_at) if calendar else None,
    }


class CalendarApi(APIView):
    def get_permissions(self) -> list:
        return owner_only_for_writes(self.request)

    @extend_schema_serializer(
        component_name="WorkingCalendarInput",
        examples=[
            OpenApiExample(
                "Будни с обедом, суббота до 14:00",
                value={
                    "week": {
                        **{str(d): [["09:00", "13:00"], ["14:00", "18:00"]] for d in range(5)},
                        "5": [["10:00", "14:00"]],
                    },
                    "follows_production_calendar": True,
                },
                request_only=True,
            )
        ],
    )
    class PutInput(serializers.Serializer):
        week = WeekField(help_text="Вся неделя: дня нет или список пуст — выходной. Пустая неделя — круглосуточно.")
        follows_production_calendar = serializers.BooleanField()

    @extend_schema_serializer(component_name="WorkingCalendarPatch")
    class PatchInput(serializers.Serializer):
        week = WeekField(required=False, help_text="Только названные дни; [] или null — выходной.")
        follows_production_calendar = serializers.BooleanField(required=False)

    @extend_schema(responses=CalendarOutput, summary="Рабочий календарь магазина")
    def get(self, request: Request) -> Response:
        return Response(calendar_output(seller_for_request(request)))

    @extend_schema(request=PutInput, responses=CalendarOutput, summary="Задать рабочий календарь (владелец)")
    def put(self, request: Request) -> Response:
        return self._save(request, self.PutInput(data=request.data), merge_week=False)

    @extend_schema(request=PatchInput, responses=CalendarOutput, summary="Изменить рабочий календарь (владелец)")
    def patch(self, request: Request) -> Response:
        return self._save(request, self.PatchInput(data=request.data), merge_week=True)

    def _save(self, request: Request, serializer: serializers.Serializer, *, merge_week: bool) -> Response:
        serializer.is_valid(raise_exception=True)
        seller = seller_for_request(request)
        sla_settings.calendar_save(seller=seller, merge_week=merge_week, **serializer.validated_data)
        return Response(calendar_output(seller))


def _day_in_window(value: date, today: date) -> date:
    latest = today + timedelta(days=YEARS_AHEAD_DAYS)
    if not EARLIEST_DAY <= value <= latest:
        raise serializers.ValidationError(f"Дата должна быть между {EARLIEST_DAY:%d.%m.%Y} и {latest:%d.%m.%Y}.")
    return value


@extend_schema_serializer(component_name="CalendarDayInput")
class DayInput(serializers.Serializer):
    date = serializers.DateField()
    is_working = serializers.BooleanField(default=False)
    periods = PeriodsField(default=list)
    note = serializers.CharField(max_length=200, allow_blank=True, default="")

    def validate_date(self, value: date) -> date:
        return _day_in_window(value, self.context["today"])


@extend_schema_serializer(component_name="CalendarDayPatch")
class DayPatch(DayInput):
    date = serializers.DateField(required=False)
    is_working = serializers.BooleanField(required=False)
    periods = PeriodsField(required=False)
    note = serializers.CharField(max_length=200, allow_blank=True, required=False)


class CalendarDayListApi(APIView):
    def get_permissions(self) -> list:
        return owner_only_for_writes(self.request)

    @extend_schema_serializer(component_name="CalendarDayFilter")
    class FilterInput(serializers.Serializer):
        """`from` and `to` on the wire (a Python keyword otherwise)."""

        def get_fields(self) -> dict[str, serializers.Field]:
            return {
                "from": serializers.DateField(required=False, help_text="С этой даты включительно."),
                "to": serializers.DateField(required=False, help_text="По эту дату включительно."),
            }

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if "from" in attrs and "to" in attrs and attrs["from"] > attrs["to"]:
                raise serializers.ValidationError({"to": ["Конец периода раньше начала."]})
            return attrs

    @extend_schema(
        operation_id="calendar_days_list",
        parameters=[FilterInput],
        responses=CalendarDayOutput(many=True),
        summary="Особые дни магазина",
    )
    def get(self, request: Request) -> Response:
        params = {key: request.query_params.getlist(key)[-1] for key in request.query_params}
        serializer = self.FilterInput(data=params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        days = selectors.calendar_days(
            seller=seller_for_request(request), date_from=data.get("from"), date_to=data.get("to")
        )
        return Response([day_output(day) for day in days])

    @extend_schema(request=DayInput, responses={201: CalendarDayOutput}, summary="Добавить особый день (владелец)")
    def post(self, request: Request) -> Response:
        seller = seller_for_request(request)
        serializer = DayInput(data=request.data, context={"today": shop_today(seller)})
        serializer.is_valid(raise_exception=True)
        day = sla_settings.calendar_day_save(seller=seller, **serializer.validated_data)
        return Response(day_output(day), status=status.HTTP_201_CREATED)


class CalendarDayDetailApi(APIView):
    def get_permissions(self) -> list:
        return owner_only_for_writes(self.request)

    @extend_schema(responses=CalendarDayOutput, summary="Особый день")
    def get(self, request: Request, day_id: int) -> Response:
        return Response(day_output(selectors.calendar_day_get(seller=seller_for_request(request), day_id=day_id)))

    @extend_schema(request=DayPatch, responses=CalendarDayOutput, summary="Изменить особый день (владелец)")
    def patch(self, request: Request, day_id: int) -> Response:
        seller = seller_for_request(request)
        day = selectors.calendar_day_get(seller=seller, day_id=day_id)
        serializer = DayPatch(data=request.data, partial=True, context={"today": shop_today(seller)})
        serializer.is_valid(raise_exception=True)
        day = sla_settings.calendar_day_save(seller=seller, day=day, **serializer.validated_data)
        return Response(day_output(day))

    @extend_schema(responses={204: None}, summary="Удалить особый день (владелец)")
    def delete(self, request: Request, day_id: int) -> Response:
        seller = seller_for_request(request)
        sla_settings.calendar_day_delete(seller=seller, day=selectors.calendar_day_get(seller=seller, day_id=day_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


START_WINDOW = "Начало — не раньше 2000 года и не дальше трёх лет вперёд."


class ShopDateTimeField(serializers.DateTimeField):
    """A naive time is read in the shop's timezone (set per request), and a moment that timezone cannot
    hold (year 1 in Moscow is before year 1 in UTC) is a field error, not a 500."""

    default_error_messages = {"overflow": START_WINDOW}

    def enforce_timezone(self, value: datetime) -> datetime:
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")


class CalendarPreviewApi(APIView):
    permission_classes = [IsSellerMember]

    @extend_schema_serializer(component_name="CalendarPreviewFilter")
    class FilterInput(serializers.Serializer):
        start = ShopDateTimeField(
            required=False, help_text="Начало ожидания, ISO 8601; без смещения — время магазина; по умолчанию сейчас."
        )
        minutes = serializers.IntegerField(min_value=0, max_value=MAX_MINUTES, help_text="Минут рабочего времени.")

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if "tz" in self.context:
                self.fields["start"].timezone = self.context["tz"]

        def validate_start(self, value: datetime) -> datetime:
            now = timezone.now()
            earliest = datetime(EARLIEST_DAY.year, 1, 1, tzinfo=value.tzinfo)
            if not earliest <= value <= now + timedelta(days=YEARS_AHEAD_DAYS):
                raise serializers.ValidationError(START_WINDOW)
            return value

    @extend_schema_serializer(component_name="CalendarPreview")
    class Output(serializers.Serializer):
        start = serializers.DateTimeField()
        minutes = serializers.IntegerField()
        due_at = serializers.DateTimeField(help_text="Когда пройдут `minutes` рабочих минут, UTC.")
        due_at_local = serializers.CharField(help_text="То же в часовом поясе магазина, ISO 8601 со смещением.")
        timezone = serializers.CharField()
        round_the_clock = serializers.BooleanField()

    @extend_schema(
        operation_id="calendar_preview",
        parameters=[FilterInput],
        responses=Output,
        summary="Срок в рабочем времени",
        description="Когда наступит срок, если отсчитать `minutes` рабочих минут магазина от `start`: так же "
        "считаются сроки правил, которые идут по рабочему времени.",
    )
    def get(self, request: Request) -> Response:
        seller = seller_for_request(request)
        working_time = working_times_for([seller.pk], cached=False)[seller.pk]
        params = {key: request.query_params.getlist(key)[-1] for key in request.query_params}
        serializer = self.FilterInput(data=params, context={"tz": working_time.tz})
        serializer.is_valid(raise_exception=True)
        start = serializer.validated_data.get("start") or timezone.now()
        minutes = serializer.validated_data["minutes"]
        due_at = working_time.add(start, minutes)
        data = {
            "start": start,
            "minutes": minutes,
            "due_at": due_at,
            "due_at_local": due_at.astimezone(working_time.tz).isoformat(),
            "timezone": str(working_time.tz),
            "round_the_clock": working_time.is_round_the_clock,
        }
        return Response(self.Output(data).data)
