"""Working-time arithmetic: concrete cases and Hypothesis properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from api.sla.calendar import SHANGHAI, WorkingCalendar, city_default, configure_city_default
from models import Unit


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


PLAIN = WorkingCalendar()  # Mon–Fri 08:30–12:00, 14:00–17:30, no holidays
CITY = city_default()
# A unit with unusual hours, a Saturday rule and its own holiday and make-up day.
ODD = WorkingCalendar.from_dict({"work_hours": [["07:00", "11:00"], ["13:30", "16:00"], ["19:00", "21:00"]],
                                 "workdays": [0, 1, 2, 3, 4, 5], "holidays": ["2026-11-18"],
                                 "extra_workdays": ["2026-11-22"]})
CALENDARS = st.sampled_from([PLAIN, CITY, ODD])
instants = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 11, 30),
                        timezones=st.just(UTC))
# Whole minutes keep hour values exactly representable after rounding to microseconds.
hours = st.integers(min_value=0, max_value=60 * 120).map(lambda m: m / 60)


def at_window_end(cal: WorkingCalendar, t: datetime) -> bool:
    loc = t.astimezone(SHANGHAI)
    tod = ((loc.hour * 60 + loc.minute) * 60 + loc.second) * 1_000_000 + loc.microsecond
    return cal.is_workday(loc.date()) and any(end == tod for _, end in cal.windows)


class TestExamples:
    def test_friday_afternoon_rolls_to_monday(self):
        assert PLAIN.add_working_hours(sh(2026, 11, 20, 17, 0), 2) == sh(2026, 11, 23, 10, 0)

    def test_morning_to_afternoon_skips_lunch(self):
        assert PLAIN.add_working_hours(sh(2026, 11, 23, 11, 0), 2) == sh(2026, 11, 23, 15, 0)

    def test_start_outside_hours_counts_from_next_window(self):
        assert PLAIN.add_working_hours(sh(2026, 11, 23, 6, 0), 1) == sh(2026, 11, 23, 9, 30)
        assert PLAIN.add_working_hours(sh(2026, 11, 23, 12, 30), 1) == sh(2026, 11, 23, 15, 0)
        assert PLAIN.add_working_hours(sh(2026, 11, 21, 10, 0), 1) == sh(2026, 11, 23, 9, 30)  # Saturday

    def test_exact_window_end_is_returned_not_next_start(self):
        assert PLAIN.add_working_hours(sh(2026, 11, 23, 8, 30), 3.5) == sh(2026, 11, 23, 12, 0)

    def test_result_is_utc(self):
        due = PLAIN.add_working_hours(sh(2026, 11, 23, 9, 0), 1)
        assert due.tzinfo == UTC and due == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    def test_national_day_week(self):
        # 2026-09-30 (Wed) 17:00 + 2h: Oct 1–7 are holidays, Oct 10 (Sat) is a make-up day.
        assert CITY.add_working_hours(sh(2026, 9, 30, 17, 0), 2) == sh(2026, 10, 8, 10, 0)
        assert CITY.add_working_hours(sh(2026, 10, 9, 17, 0), 2) == sh(2026, 10, 10, 10, 0)
        assert CITY.working_hours_between(sh(2026, 10, 1), sh(2026, 10, 8)) == 0

    def test_spring_festival_and_its_makeup_days(self):
        assert CITY.is_workday(date(2026, 2, 14))  # Saturday make-up day
        assert not CITY.is_workday(date(2026, 2, 16))  # Monday in the holiday
        assert CITY.add_working_hours(sh(2026, 2, 13, 17, 0), 1) == sh(2026, 2, 14, 9, 0)
        assert CITY.add_working_hours(sh(2026, 2, 14, 17, 0), 1) == sh(2026, 2, 24, 9, 0)

    def test_a_full_week_is_35_hours(self):
        assert PLAIN.working_hours_between(sh(2026, 11, 23), sh(2026, 11, 30)) == 35

    def test_always_open_unit(self):
        fire = WorkingCalendar.for_unit(Unit(code="F", name="消防", dept_type="fire_rescue",
                                             calendar={"always": True}))
        start = sh(2026, 10, 1, 23, 0)
        assert fire.add_working_hours(start, 2) == start + timedelta(hours=2)
        assert fire.working_hours_between(start, start + timedelta(hours=5)) == 5
        assert fire.is_working(sh(2026, 2, 17, 3, 0))

    def test_for_unit_merges_over_city_default(self):
        unit = Unit(code="S", name="某物业", dept_type="property_company",
                    calendar={"workdays": [0, 1, 2, 3, 4, 5], "holidays": ["2026-11-24"],
                              "extra_workdays": ["2026-10-02"]})
        cal = WorkingCalendar.for_unit(unit)
        assert cal.is_workday(date(2026, 11, 21))  # Saturdays are workdays for this unit
        assert not cal.is_workday(date(2026, 11, 24))  # its own holiday
        assert cal.is_workday(date(2026, 10, 2))  # works a city holiday
        assert not cal.is_workday(date(2026, 10, 3))  # other city holidays still apply
        assert cal.windows == CITY.windows
        assert WorkingCalendar.for_unit(Unit(code="E", name="e", dept_type="x")) == CITY

    def test_configured_city_default(self):
        try:
            configure_city_default({"holidays": ["2026-11-23"]})
            assert not WorkingCalendar.for_unit(Unit(code="E", name="e", dept_type="x")).is_workday(
                date(2026, 11, 23))
        finally:
            configure_city_default(None)
        assert city_default().is_workday(date(2026, 11, 23))

    def test_naive_datetimes_refused(self):
        with pytest.raises(ValueError, match="naive"):
            PLAIN.add_working_hours(datetime(2026, 11, 23, 9), 1)
        with pytest.raises(ValueError, match="naive"):
            PLAIN.working_hours_between(datetime(2026, 11, 23, 9), sh(2026, 11, 23, 10))
        with pytest.raises(ValueError, match="naive"):
            PLAIN.is_working(datetime(2026, 11, 23, 9))

    def test_bad_calendars_refused(self):
        with pytest.raises(ValueError):
            WorkingCalendar.from_dict({"work_hours": [["12:00", "08:00"]]})
        with pytest.raises(ValueError):
            WorkingCalendar.from_dict({"work_hours": [["08:00", "12:00"], ["11:00", "13:00"]]})
        with pytest.raises(ValueError):
            WorkingCalendar.from_dict({"workdays": []})
        with pytest.raises(ValueError):
            PLAIN.add_working_hours(sh(2026, 11, 23, 9), -1)

    def test_far_deadline_is_fast_and_exact(self):
        # 15 working days (engineering tier) across the national-day holiday.
        due = CITY.add_working_hours(sh(2026, 9, 28, 9, 0), 15 * 7)
        assert CITY.working_hours_between(sh(2026, 9, 28, 9, 0), due) == 105
        # 9/28–9/30 20.5h, 10/8–10/10 (Sat make-up) 21h, two weeks to Thu 10/22 63h, then 0.5h.
        assert due == sh(2026, 10, 23, 9, 0)

    def test_paused_ticket_resumes_with_its_remaining_time(self):
        due = PLAIN.add_working_hours(sh(2026, 11, 23, 9, 0), 4)  # Mon 14:30
        new_due = PLAIN.resume_due(due_at=due, paused_at=sh(2026, 11, 23, 10, 0),
                                   resumed_at=sh(2026, 11, 25, 16, 0))
        assert new_due == sh(2026, 11, 26, 10, 0)  # 3h left: Wed 16:00–17:30 + Thu 08:30–10:00


class TestProperties:
    @settings(max_examples=300, deadline=None)
    @given(cal=CALENDARS, start=instants, h=hours)
    def test_add_then_measure_round_trips(self, cal, start, h):
        due = cal.add_working_hours(start, h)
        assert cal.working_hours_between(start, due) == pytest.approx(h, abs=1e-9)

    @settings(max_examples=300, deadline=None)
    @given(cal=CALENDARS, start=instants, a=hours, b=hours)
    def test_additive(self, cal, start, a, b):
        assert cal.add_working_hours(cal.add_working_hours(start, a), b) == cal.add_working_hours(start, a + b)

    @settings(max_examples=300, deadline=None)
    @given(cal=CALENDARS, start=instants, a=hours, b=hours)
    def test_monotone(self, cal, start, a, b):
        lo, hi = sorted((a, b))
        assert cal.add_working_hours(start, lo) <= cal.add_working_hours(start, hi)
        assert cal.add_working_hours(start, hi) >= start

    @settings(max_examples=300, deadline=None)
    @given(cal=CALENDARS, start=instants, h=hours.filter(lambda v: v > 0))
    def test_result_is_inside_working_time_on_a_workday(self, cal, start, h):
        due = cal.add_working_hours(start, h)
        local_day = due.astimezone(SHANGHAI).date()
        assert cal.is_working(due) or at_window_end(cal, due)
        assert cal.is_workday(local_day)
        assert local_day not in cal.holidays or local_day in cal.extra_workdays

    @settings(max_examples=200, deadline=None)
    @given(start=instants, h=hours.filter(lambda v: v > 0))
    def test_weekends_skipped_and_makeup_days_counted(self, start, h):
        due = CITY.add_working_hours(start, h)
        day = due.astimezone(SHANGHAI).date()
        assert day.weekday() < 5 or day in CITY.extra_workdays

    @settings(max_examples=200, deadline=None)
    @given(cal=CALENDARS, a=instants, b=instants, c=instants)
    def test_measure_is_additive_and_antisymmetric(self, cal, a, b, c):
        a, b, c = sorted((a, b, c))
        ab, bc = cal.working_hours_between(a, b), cal.working_hours_between(b, c)
        assert cal.working_hours_between(a, c) == pytest.approx(ab + bc, abs=1e-9)
        assert cal.working_hours_between(b, a) == -ab
        assert 0 <= ab <= (b - a).total_seconds() / 3600 + 1e-9

    @settings(max_examples=200, deadline=None)
    @given(cal=CALENDARS, t=instants)
    def test_next_working_time_has_no_working_time_before_it(self, cal, t):
        nxt = cal.next_working_time(t)
        assert nxt >= t and cal.is_working(nxt)
        assert cal.working_hours_between(t, nxt) == 0

    @settings(max_examples=200, deadline=None)
    @given(cal=CALENDARS, start=instants, limit=hours.filter(lambda v: v > 0),
           pause_after=hours, pause_len=st.integers(0, 14 * 24 * 60))
    def test_paused_interval_is_not_counted(self, cal, start, limit, pause_after, pause_len):
        due = cal.add_working_hours(start, limit)
        paused_at = cal.add_working_hours(start, pause_after)
        assume(paused_at < due)
        resumed_at = paused_at + timedelta(minutes=pause_len)
        new_due = cal.resume_due(due_at=due, paused_at=paused_at, resumed_at=resumed_at)
        worked = cal.working_hours_between(start, paused_at) + cal.working_hours_between(resumed_at, new_due)
        assert worked == pytest.approx(limit, abs=1e-9)
        assert new_due >= due
