"""Working time: a shop's hours in its timezone, with split shifts, days off, the Russian production
calendar and the shop's own exceptions. Deadlines are counted in it (`WorkingTime.add`), response times
are measured in it (`WorkingTime.seconds_between`).

Periods are minutes from local midnight (540, 1080) for 09:00–18:00, so "24:00" is a valid end. A
working day the week does not cover (a transferred Saturday, a shop's extra day) gets the shop's usual
hours: those of its first working weekday.

`add` walks the days from the start (`_add_walking`, the definition). A recompute asks it millions of times
for one shop, so each calendar also keeps its working periods over a window of days as a timeline (period
bounds and the working time before each, in microseconds) and answers with two binary searches; the answer
is the walk's, moment and time zone alike (a property test compares them), and where the periods of some
day do not come out in order (a daylight-saving gap) the walk answers.
"""

from __future__ import annotations

import time as monotonic_time
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError

Period = tuple[int, int]
DAY_MINUTES = 24 * 60
# How far a deadline may be pushed by days off before the calendar is judged empty (a shop that marked
# a whole year off): beyond it the clock runs round the clock rather than never.
MAX_DAYS_AHEAD = 400
UTC = ZoneInfo("UTC")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# Days a timeline reaches past what it was built for, on either side, so that neighbouring starts reuse it;
# and the days ahead of a start it covers first (most deadlines fall within a few working days).
TIMELINE_MARGIN_DAYS = 30
TIMELINE_AHEAD_DAYS = 30
# What the cached views below are derived from: assigning any of these forgets them.
_CALENDAR_FIELDS = frozenset({"tz", "week", "overrides", "production_calendar"})


def _minutes(text: Any) -> int:
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isdigit():
        raise ValidationError(f"«{text}» — не время: нужно ЧЧ:ММ, например 09:00.")
    hours, minutes = int(text[:2]), int(text[3:])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValidationError(f"«{text}» — не время суток: от 00:00 до 24:00.")
    return hours * 60 + minutes


def parse_periods(value: Any) -> tuple[Period, ...]:
    """[["09:00", "13:00"], ["14:00", "18:00"]] → ((540, 780), (840, 1080)); ordered, not overlapping."""
    if value in (None, ""):
        return ()
    if not isinstance(value, list):
        raise ValidationError("Часы — список периодов вида [«09:00», «18:00»].")
    periods: list[Period] = []
    for item in value:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise ValidationError("Каждый период — пара «начало, конец», например [«09:00», «13:00»].")
        start, end = _minutes(item[0]), _minutes(item[1])
        if start >= end:
            raise ValidationError(f"Период {item[0]}–{item[1]}: начало должно быть раньше конца.")
        periods.append((start, end))
    periods.sort()
    for (_, end), (start, _) in pairwise(periods):
        if start < end:
            raise ValidationError("Периоды одного дня не должны пересекаться.")
    return tuple(periods)


def format_periods(periods: tuple[Period, ...]) -> list[list[str]]:
    return [[f"{s // 60:02d}:{s % 60:02d}", f"{e // 60:02d}:{e % 60:02d}"] for s, e in periods]


WEEKDAYS_SHORT = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def week_periods(week: Any) -> dict[str, list[list[str]]]:
    """A stored week with all seven days ("0" Monday … "6" Sunday), each day's periods sorted; a day off is []."""
    week = week if isinstance(week, dict) else {}
    return {str(day): format_periods(parse_periods(week.get(str(day)))) for day in range(7)}


def describe_week(week: Any) -> str:
    """«пн–пт 09:00–13:00, 14:00–18:00; сб, вс выходной»; «круглосуточно» without any hours."""
    try:
        days = week_periods(week)
    except ValidationError:
        return "часы записаны с ошибкой"
    if not any(days.values()):
        return "круглосуточно"
    groups: list[tuple[list[int], list[list[str]]]] = []
    for day in range(7):
        periods = days[str(day)]
        if groups and groups[-1][1] == periods and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], periods))
    parts = []
    for numbers, periods in groups:
        names = [WEEKDAYS_SHORT[n] for n in numbers]
        label = f"{names[0]}–{names[-1]}" if len(names) > 2 else ", ".join(names)
        hours = ", ".join(f"{start}–{end}" for start, end in periods) if periods else "выходной"
        parts.append(f"{label} {hours}")
    return "; ".join(parts)


@lru_cache(maxsize=64)
def _russian_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(days off, transferred working days) of one year of the Russian production calendar."""
    calendar = holidays.country_holidays("RU", years=year)
    return frozenset(calendar), frozenset(calendar.weekend_workdays)


@dataclass
class WorkingTime:
    tz: ZoneInfo
    week: dict[int, tuple[Period, ...]] = field(default_factory=dict)
    # A date's own periods; () is a day off.
    overrides: dict[date, tuple[Period, ...]] = field(default_factory=dict)
    production_calendar: bool = False
    _intervals: dict[date, tuple[tuple[datetime, datetime], ...]] = field(default_factory=dict, repr=False)
    _timeline: _Timeline | None = field(default=None, repr=False, compare=False)

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in _CALENDAR_FIELDS:
            # A changed calendar: the per-day intervals and the timeline built from them are stale.
            intervals = self.__dict__.get("_intervals")
            if intervals:
                intervals.clear()
            self.__dict__["_timeline"] = None
            if name == "week":
                self.__dict__["_round_the_clock"] = not any(value.values())

    @classmethod
    def round_the_clock(cls, tz: ZoneInfo | None = None) -> WorkingTime:
        return cls(tz=tz or ZoneInfo(settings.DEFAULT_SELLER_TIMEZONE))

    @property
    def is_round_the_clock(self) -> bool:
        return self._round_the_clock  # set with `week`: asked on every `add`

    @property
    def usual_periods(self) -> tuple[Period, ...]:
        return next((self.week[d] for d in range(7) if self.week.get(d)), ())

    def periods_on(self, day: date) -> tuple[Period, ...]:
        if day in self.overrides:
            return self.overrides[day]
        if self.production_calendar:
            days_off, working = _russian_year(day.year)
            if day in days_off:
                return ()
            if day in working:
                return self.week.get(day.weekday()) or self.usual_periods
        return self.week.get(day.weekday(), ())

    def intervals_on(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        cached = self._intervals.get(day)
        if cached is None:
            midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
            cached = tuple(
                (
                    (midnight + timedelta(minutes=start)).astimezone(UTC),
                    (midnight + timedelta(minutes=end)).astimezone(UTC),
                )
                for start, end in self.periods_on(day)
            )
            self._intervals[day] = cached
        return cached

    def add(self, start: datetime, minutes: int) -> datetime:
        """The moment `minutes` of working time after `start` have passed (a deadline that lands on the
        end of a period is that end, not the next morning)."""
        if self.is_round_the_clock:
            return start + timedelta(minutes=minutes)
        day = start.astimezone(self.tz).date()
        horizon = day + timedelta(days=MAX_DAYS_AHEAD)  # the walk looks at the days before this one
        ahead = TIMELINE_AHEAD_DAYS
        while True:
            until = min(day + timedelta(days=ahead), horizon)
            timeline = self._timeline_for(day, until)
            if not timeline.ordered:
                return self._add_walking(start, minutes)
            due = timeline.add(start, minutes, day=day, until=until)
            if due is not None:
                return due
            if until == horizon:
                return start + timedelta(minutes=minutes)
            ahead *= 4

    def _add_walking(self, start: datetime, minutes: int) -> datetime:
        """`add` by walking the days from the start: the definition, and the answer where the timeline cannot."""
        if self.is_round_the_clock:
            return start + timedelta(minutes=minutes)
        remaining = timedelta(minutes=minutes)
        day = start.astimezone(self.tz).date()
        for _ in range(MAX_DAYS_AHEAD):
            for period_start, period_end in self.intervals_on(day):
                if period_end <= start:
                    continue
                begin = max(start, period_start)
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += timedelta(days=1)
        return start + timedelta(minutes=minutes)

    def _timeline_for(self, day: date, until: date) -> _Timeline:
        """A timeline covering the days from `day` to before `until`. Built from intervals_on, so clearing
        `_intervals` forgets it too."""
        timeline = self._timeline
        if timeline is not None and self._intervals and timeline.first_day <= day and until <= timeline.end_day:
            return timeline
        margin = timedelta(days=TIMELINE_MARGIN_DAYS)
        first_day, end_day = day - margin, until + margin
        if timeline is not None and self._intervals:
            first_day, end_day = min(first_day, timeline.first_day), max(end_day, timeline.end_day)
        timeline = _Timeline(self, first_day, end_day)
        self.__dict__["_timeline"] = timeline
        return timeline

    def seconds_between(self, start: datetime, end: datetime) -> int:
        """Working seconds in [start, end]."""
        if end <= start:
            return 0
        if self.is_round_the_clock:
            return int((end - start).total_seconds())
        total = timedelta()
        day, last = start.astimezone(self.tz).date(), end.astimezone(self.tz).date()
        while day <= last:
            for period_start, period_end in self.intervals_on(day):
                overlap = min(end, period_end) - max(start, period_start)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return int(total.total_seconds())


def _microseconds(moment: datetime) -> int:
    return (moment - EPOCH) // MICROSECOND


class _Timeline:
    """A calendar's working periods on the days from `first_day` to before `end_day` (local dates), in order,
    in microseconds since the epoch: `starts[i]`, `ends[i]`, and `worked[i]`, the working time from the first
    period to the end of period i. `at[n]` is the index of the first period of day `first_day + n` (of the
    next period for a day off)."""

    def __init__(self, working_time: WorkingTime, first_day: date, end_day: date) -> None:
        self.first_day, self.end_day = first_day, end_day
        self.starts, self.ends, self.worked, self.at = array("q"), array("q"), array("q"), array("q")
        self.ordered = True
        total, previous_end = 0, None
        day = first_day
        while day < end_day:
            self.at.append(len(self.starts))
            for period_start, period_end in working_time.intervals_on(day):
                begin, end = _microseconds(period_start), _microseconds(period_end)
                if begin >= end or (previous_end is not None and begin < previous_end):
                    self.ordered = False  # a daylight-saving gap or overlap: the walk answers for this calendar
                total += end - begin
                self.starts.append(begin)
                self.ends.append(end)
                self.worked.append(total)
                previous_end = end
            day += timedelta(days=1)
        self.at.append(len(self.starts))

    def add(self, start: datetime, minutes: int, *, day: date, until: date) -> datetime | None:
        """WorkingTime._add_walking's answer if the periods of the days from `day` (the start's) to before
        `until` hold it, else None: the first period that ends after `start` gives what it has left, then
        whole periods until one holds the rest."""
        at = _microseconds(start)
        remaining = minutes * 60_000_000
        stop = self.at[(until - self.first_day).days]
        first = bisect_right(self.ends, at, self.at[(day - self.first_day).days], stop)
        if first == stop:
            return None
        begin = self.starts[first]
        available = self.ends[first] - max(at, begin)
        if remaining <= available:
            # The walk's `begin + remaining`: `start` itself (its zone) when inside the period, else the period's start.
            return start + timedelta(minutes=minutes) if at >= begin else EPOCH + (begin + remaining) * MICROSECOND
        # The first later period by whose end the working time reaches what is left.
        target = self.worked[first] + remaining - available
        last = bisect_left(self.worked, target, first + 1, stop)
        if last == stop:
            return None
        return EPOCH + (self.ends[last] - (self.worked[last] - target)) * MICROSECOND


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.DEFAULT_SELLER_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.DEFAULT_SELLER_TIMEZONE)


def working_time_from(*, timezone_name: str | None, calendar: Any = None, days: Any = ()) -> WorkingTime:
    """Build from a WorkingCalendar (or None: round the clock) and its CalendarDay rows."""
    tz = zone_of(timezone_name)
    if calendar is None:
        return WorkingTime.round_the_clock(tz)
    week = {int(day): parse_periods(periods) for day, periods in (calendar.week or {}).items()}
    working_time = WorkingTime(tz=tz, week=week, production_calendar=calendar.follows_production_calendar)
    usual = working_time.usual_periods
    working_time.overrides = {day.date: (parse_periods(day.periods) or usual) if day.is_working else () for day in days}
    return working_time


# Every sync batch, reply and sweep needs its shop's calendar, and calendars change rarely: kept per
# process for a minute, cleared at once in this process when a calendar or a day is saved.
CALENDAR_CACHE_SECONDS = 60.0
_cache: dict[int, tuple[float, WorkingTime]] = {}


def working_times_for(seller_ids: list[int], *, cached: bool = True) -> dict[int, WorkingTime]:
    """Each seller's working time (three queries for the ones not cached, none otherwise). `cached=False`
    reads them fresh: a recompute right after a change must not see this process's older copy."""
    from interactions.models import CalendarDay, WorkingCalendar
    from sellers.models import Seller

    now = monotonic_time.monotonic()
    result: dict[int, WorkingTime] = {}
    missing = []
    for seller_id in seller_ids:
        hit = _cache.get(seller_id) if cached else None
        if hit is not None and now - hit[0] < CALENDAR_CACHE_SECONDS:
            result[seller_id] = hit[1]
        else:
            missing.append(seller_id)
    if missing:
        zones = dict(Seller.objects.filter(pk__in=missing).values_list("pk", "timezone"))
        calendars = {c.seller_id: c for c in WorkingCalendar.objects.filter(seller_id__in=missing)}
        days: dict[int, list[Any]] = {}
        for day in CalendarDay.objects.filter(calendar__seller_id__in=missing).select_related("calendar"):
            days.setdefault(day.calendar.seller_id, []).append(day)
        for seller_id in missing:
            built = working_time_from(
                timezone_name=zones.get(seller_id), calendar=calendars.get(seller_id), days=days.get(seller_id, ())
            )
            _cache[seller_id] = (now, built)
            result[seller_id] = built
    return result


def working_time_for(seller_id: int) -> WorkingTime:
    return working_times_for([seller_id])[seller_id]


def calendars_changed(**kwargs: object) -> None:
    """Signal receiver (WorkingCalendar, CalendarDay or Seller saved or deleted)."""
    _cache.clear()
