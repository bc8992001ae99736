"""Deadlines in working time: the issue's examples, each against a hand-computed answer."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from interactions.services.working_time import WorkingTime, parse_periods, working_time_for, working_time_from
from tests.factories import CalendarDayFactory, SellerFactory, WorkingCalendarFactory

MSK = ZoneInfo("Europe/Moscow")
WEEKDAYS_9_18 = dict.fromkeys(range(5), ((540, 1080),))
SPLIT = dict.fromkeys(range(5), ((540, 780), (840, 1080)))  # 09:00–13:00 and 14:00–18:00


def at(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)


def weekdays(tz: ZoneInfo = MSK, week=None, **kw) -> WorkingTime:
    return WorkingTime(tz=tz, week=week or WEEKDAYS_9_18, production_calendar=True, **kw)


def test_friday_23_00_with_an_eight_hour_rule_is_due_monday_17_00():
    # 2026-11-27 is a Friday, 2026-11-30 a Monday, no holidays between.
    assert weekdays().add(at(MSK, 2026, 11, 27, 23, 0), 8 * 60) == at(MSK, 2026, 11, 30, 17, 0)


def test_the_lunch_break_does_not_count():
    split = weekdays(week=SPLIT)
    assert split.add(at(MSK, 2026, 11, 27, 23, 0), 8 * 60) == at(MSK, 2026, 11, 30, 18, 0)
    # Started at 12:00: one hour before lunch, three after it.
    assert split.add(at(MSK, 2026, 11, 30, 12, 0), 4 * 60) == at(MSK, 2026, 11, 30, 17, 0)
    # A message during lunch waits for 14:00.
    assert split.add(at(MSK, 2026, 11, 30, 13, 30), 30) == at(MSK, 2026, 11, 30, 14, 30)


def test_across_new_year_to_the_first_working_day_of_january():
    # 30 Dec 2026 (Wed) 17:00: one hour that day; 31 Dec is a transferred day off and 1–11 Jan 2027
    # are holidays and the weekend (the production calendar), so the other seven hours are on 11 Jan.
    assert weekdays().add(at(MSK, 2026, 12, 30, 17, 0), 8 * 60) == at(MSK, 2027, 1, 11, 16, 0)


def test_a_transferred_saturday_working_day_counts():
    # 20 Feb 2027 is a Saturday worked in place of 22 Feb (Monday, a day off).
    calendar = weekdays()
    assert calendar.add(at(MSK, 2027, 2, 19, 17, 0), 8 * 60) == at(MSK, 2027, 2, 20, 16, 0)
    # After Saturday the 22nd is the day off it was swapped for and the 23rd a holiday: Wednesday the 24th.
    assert calendar.add(at(MSK, 2027, 2, 20, 17, 0), 2 * 60) == at(MSK, 2027, 2, 24, 10, 0)


def test_without_the_production_calendar_holidays_are_ordinary_days():
    plain = WorkingTime(tz=MSK, week=WEEKDAYS_9_18)
    assert plain.add(at(MSK, 2026, 12, 30, 17, 0), 8 * 60) == at(MSK, 2026, 12, 31, 16, 0)


@pytest.mark.parametrize(
    ("zone", "utc_due"),
    [
        # 09:00–18:00 local is 23:00–08:00 UTC in Vladivostok (UTC+10), 07:00–16:00 in Kaliningrad (UTC+2).
        ("Asia/Vladivostok", datetime(2026, 11, 30, 7, 0, tzinfo=ZoneInfo("UTC"))),
        ("Europe/Kaliningrad", datetime(2026, 11, 30, 15, 0, tzinfo=ZoneInfo("UTC"))),
    ],
)
def test_the_shop_timezone_decides_the_hours(zone, utc_due):
    tz = ZoneInfo(zone)
    # Friday 23:00 local, eight working hours: Monday 17:00 local.
    due = weekdays(tz=tz).add(at(tz, 2026, 11, 27, 23, 0), 8 * 60)
    assert due == at(tz, 2026, 11, 30, 17, 0) == utc_due


def test_a_deadline_landing_on_the_end_of_a_period_is_that_end():
    calendar = weekdays(week=SPLIT)
    assert calendar.add(at(MSK, 2026, 11, 30, 9, 0), 4 * 60) == at(MSK, 2026, 11, 30, 13, 0)
    assert calendar.add(at(MSK, 2026, 11, 30, 9, 0), 8 * 60) == at(MSK, 2026, 11, 30, 18, 0)
    # One minute more rolls to the next period, not to the end plus a minute.
    assert calendar.add(at(MSK, 2026, 11, 30, 9, 0), 4 * 60 + 1) == at(MSK, 2026, 11, 30, 14, 1)


def test_no_hours_means_round_the_clock():
    calendar = WorkingTime(tz=MSK)
    assert calendar.is_round_the_clock
    assert calendar.add(at(MSK, 2026, 11, 27, 23, 0), 8 * 60) == at(MSK, 2026, 11, 28, 7, 0)


def test_working_seconds_between_two_moments():
    calendar = weekdays(week=SPLIT)
    # Friday 17:00 → Monday 10:00: one hour Friday, one hour Monday.
    assert calendar.seconds_between(at(MSK, 2026, 11, 27, 17, 0), at(MSK, 2026, 11, 30, 10, 0)) == 2 * 3600
    assert calendar.seconds_between(at(MSK, 2026, 11, 28, 10, 0), at(MSK, 2026, 11, 28, 12, 0)) == 0
    assert calendar.seconds_between(at(MSK, 2026, 11, 30, 12, 0), at(MSK, 2026, 11, 30, 15, 0)) == 2 * 3600


def test_a_week_of_one_working_day_with_that_day_off_waits_a_week():
    calendar = WorkingTime(tz=MSK, week={0: ((540, 1080),)})
    calendar.overrides = {date(2026, 11, 30): ()}
    start = at(MSK, 2026, 11, 29, 12, 0)
    assert calendar.add(start, 60) == at(MSK, 2026, 12, 7, 10, 0)
    # Every one of those days off for longer than MAX_DAYS_AHEAD: the clock runs round the clock, not never.
    calendar.overrides = {date(2026, 11, 30) + timedelta(weeks=n): () for n in range(60)}
    calendar._intervals.clear()
    assert calendar.add(start, 60) == at(MSK, 2026, 11, 29, 13, 0)


@pytest.mark.django_db
def test_shop_days_off_and_working_days_sit_on_top_of_the_week():
    seller = SellerFactory(timezone="Europe/Moscow")
    calendar = WorkingCalendarFactory(seller=seller)
    CalendarDayFactory(calendar=calendar, date=date(2026, 11, 30), is_working=False, note="инвентаризация")
    CalendarDayFactory(calendar=calendar, date=date(2026, 11, 28), is_working=True, periods=[["10:00", "12:00"]])
    CalendarDayFactory(calendar=calendar, date=date(2026, 11, 29), is_working=True)
    working = working_time_for(seller.pk)
    # Friday 23:00, 8 h: Saturday 10–12 (2 h), Sunday with the usual 09–18 (6 h) → Sunday 15:00.
    assert working.add(at(MSK, 2026, 11, 27, 23, 0), 8 * 60) == at(MSK, 2026, 11, 29, 15, 0)
    # Monday is the shop's day off: from Sunday 18:00 the next hour is Tuesday 09:00–10:00.
    assert working.add(at(MSK, 2026, 11, 29, 18, 0), 60) == at(MSK, 2026, 12, 1, 10, 0)


@pytest.mark.django_db
def test_a_shop_without_a_calendar_runs_round_the_clock_in_its_zone():
    seller = SellerFactory(timezone="Asia/Vladivostok")
    working = working_time_for(seller.pk)
    assert working.is_round_the_clock and str(working.tz) == "Asia/Vladivostok"


@pytest.mark.parametrize(
    "periods",
    [
        [["18:00", "09:00"]],
        [["09:00", "13:00"], ["12:00", "18:00"]],
        [["9:00", "18:00"]],
        [["09:00", "25:00"]],
        [["09:00"]],
        "09:00-18:00",
    ],
)
def test_bad_periods_are_refused_in_russian(periods):
    with pytest.raises(ValidationError) as error:
        parse_periods(periods)
    assert any("а" <= ch <= "я" for ch in " ".join(error.value.messages))


def test_24_00_is_a_valid_end_and_periods_come_back_sorted():
    assert parse_periods([["14:00", "24:00"], ["00:00", "02:00"]]) == ((0, 120), (840, 1440))
    built = working_time_from(timezone_name="Nowhere/Else", calendar=None)
    assert str(built.tz) == "Europe/Moscow"


# --- the timeline `add` answers with is the walk's answer --------------------------------------------

ZONES = ["Europe/Moscow", "Asia/Vladivostok", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]


@st.composite
def calendars(draw) -> WorkingTime:
    def periods():
        bounds = sorted(draw(st.sets(st.integers(0, 1440), max_size=6)))
        return tuple((a, b) for a, b in zip(bounds[::2], bounds[1::2], strict=False) if a < b)

    week = {d: periods() for d in range(7) if draw(st.booleans())}
    calendar = WorkingTime(
        tz=ZoneInfo(draw(st.sampled_from(ZONES))), week=week, production_calendar=draw(st.booleans())
    )
    first = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 700)))
    overrides = {first + timedelta(days=n): periods() for n in draw(st.sets(st.integers(0, 60), max_size=8))}
    if draw(st.booleans()):  # a long holiday: the clock may run off the horizon and fall back to round the clock
        overrides.update({first + timedelta(days=n): () for n in range(draw(st.integers(0, 450)))})
    calendar.overrides = overrides
    return calendar


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.sampled_from([ZoneInfo("UTC"), MSK])
)


@settings(max_examples=300)
@given(calendar=calendars(), starts=st.lists(st.tuples(moments, st.integers(0, 20_000)), min_size=1, max_size=8))
def test_add_is_the_walk_moment_and_zone_alike(calendar, starts):
    for start, minutes in starts:
        due, walked = calendar.add(start, minutes), calendar._add_walking(start, minutes)
        assert (due, due.tzinfo) == (walked, walked.tzinfo), (start, minutes)


def test_changing_the_calendar_forgets_what_was_built_from_it():
    calendar = weekdays()
    start = at(MSK, 2026, 11, 30, 9, 0)
    assert calendar.add(start, 60) == at(MSK, 2026, 11, 30, 10, 0)
    calendar.overrides = {date(2026, 11, 30): ()}
    assert calendar.add(start, 60) == at(MSK, 2026, 12, 1, 10, 0)
    calendar.week = dict.fromkeys(range(5), ((600, 660),))
    assert calendar.add(start, 60) == at(MSK, 2026, 12, 1, 11, 0)
