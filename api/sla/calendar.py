"""Working time (工作时) on a unit's calendar: deadlines and elapsed working hours.

A `WorkingCalendar` is immutable: work-hour windows per working day in Asia/Shanghai local
time, the weekday rule, public holidays and make-up workdays (调休). Arithmetic walks day by
day and window by window (O(days), never O(minutes)) in integer microseconds, so adding and
then measuring round-trips exactly.

Asia/Shanghai has had no daylight saving since 1991, so local time is a fixed UTC+08:00 and
local wall-clock arithmetic is exact.

Conventions:
- windows are half-open: 08:30 is working time, 12:00 is not;
- `add_working_hours(start, h)` with h > 0 returns the instant the h-th working hour is used
  up: inside a window or exactly at a window's end (never the next window's start), so
  `add(add(s, a), b) == add(s, a + b)`; h == 0 returns `start` unchanged;
- a start outside working time counts from the next window start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR
_MAX_DAYS = 3 * 366  # a calendar with no working time must not loop forever

DEFAULT_WORK_HOURS: tuple[tuple[str, str], ...] = (("08:30", "12:00"), ("14:00", "17:30"))
DEFAULT_WORKDAYS = frozenset({0, 1, 2, 3, 4})  # Mon=0 … Fri=4


def _span(first: str, last: str) -> list[str]:
    d0, d1 = date.fromisoformat(first), date.fromisoformat(last)
    return [(d0 + timedelta(days=i)).isoformat() for i in range((d1 - d0).days + 1)]


# The State Council's holiday schedule (放假调休). (verify) 2026 follows the notice published in
# November 2025; 2027 is an ESTIMATE from the lunar calendar until the official notice appears.
# Cities override it with `configure_city_default` (or per unit through Unit.calendar).
CN_HOLIDAYS: dict[int, list[str]] = {
    2026: [
        *_span("2026-01-01", "2026-01-03"),  # 元旦
        *_span("2026-02-15", "2026-02-23"),  # 春节
        *_span("2026-04-04", "2026-04-06"),  # 清明
        *_span("2026-05-01", "2026-05-05"),  # 劳动节
        *_span("2026-06-19", "2026-06-21"),  # 端午
        *_span("2026-09-25", "2026-09-27"),  # 中秋
        *_span("2026-10-01", "2026-10-07"),  # 国庆
    ],
    2027: [  # estimate (verify)
        *_span("2027-01-01", "2027-01-03"),  # 元旦
        *_span("2027-02-05", "2027-02-13"),  # 春节 (除夕 02-05)
        *_span("2027-04-03", "2027-04-05"),  # 清明
        *_span("2027-05-01", "2027-05-05"),  # 劳动节
        "2027-06-09",  # 端午
        "2027-09-15",  # 中秋
        *_span("2027-10-01", "2027-10-07"),  # 国庆
    ],
}
CN_EXTRA_WORKDAYS: dict[int, list[str]] = {
    2026: ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
    2027: ["2027-02-20", "2027-05-08", "2027-09-26", "2027-10-09"],  # estimate (verify)
}


def _parse_clock(value: str) -> int:
    """'08:30' → microseconds after midnight; '24:00' is allowed as a window end."""
    hh, mm = value.strip().split(":")
    h, m = int(hh), int(mm)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(f"bad clock time {value!r}")
    return (h * 60 + m) * 60_000_000


def _fmt_clock(us: int) -> str:
    minutes = us // 60_000_000
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _aware(t: datetime, name: str) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (naive datetimes are refused)")
    return t


def _local(t: datetime) -> tuple[date, int]:
    """The local (Shanghai) date and microseconds after local midnight."""
    loc = t.astimezone(SHANGHAI)
    tod = ((loc.hour * 60 + loc.minute) * 60 + loc.second) * 1_000_000 + loc.microsecond
    return loc.date(), tod


def _instant(day: date, tod_us: int) -> datetime:
    return (datetime.combine(day, time(), SHANGHAI) + timedelta(microseconds=tod_us)).astimezone(UTC)


def _as_dates(values: Iterable[str | date]) -> frozenset[date]:
    return frozenset(v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values)


@dataclass(frozen=True)
class WorkingCalendar:
    """Work-hour windows on working days, in Asia/Shanghai local time."""

    # (start, end) in microseconds after local midnight, sorted and disjoint.
    windows: tuple[tuple[int, int], ...] = field(
        default_factory=lambda: tuple((_parse_clock(a), _parse_clock(b)) for a, b in DEFAULT_WORK_HOURS))
    workdays: frozenset[int] = DEFAULT_WORKDAYS
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    # 24/7 units (e.g. the fire brigade): every instant is working time.
    always: bool = False

    def __post_init__(self) -> None:
        if self.always:
            return
        previous_end = 0
        for start, end in self.windows:
            if not (0 <= start < end <= _US_PER_DAY) or start < previous_end:
                raise ValueError("work hours must be increasing, non-overlapping windows within a day")
            previous_end = end
        if not self.windows or not self.workdays:
            raise ValueError("a calendar needs at least one work-hour window and one working day")
        if not set(self.workdays) <= set(range(7)):
            raise ValueError("workdays are 0 (Monday) … 6 (Sunday)")

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, base: WorkingCalendar | None = None) -> WorkingCalendar:
        """Merge a calendar dict over `base` (the city default when omitted).

        Keys: work_hours [["08:30","12:00"], …] and workdays [0..6] replace the base's;
        holidays and extra_workdays add to the base's (a date named in one list is removed
        from the other, so a unit can work a city holiday or rest on a city make-up day);
        {"always": true} makes every instant working time.
        """
        base = base or city_default()
        if not data:
            return base
        if data.get("always"):
            return replace(base, always=True)
        cal = base
        if "work_hours" in data:
            cal = replace(cal, windows=tuple(sorted((_parse_clock(a), _parse_clock(b))
                                                    for a, b in data["work_hours"])))
        if "workdays" in data:
            cal = replace(cal, workdays=frozenset(int(d) for d in data["workdays"]))
        holidays = _as_dates(data.get("holidays", ()))
        extra = _as_dates(data.get("extra_workdays", ()))
        return replace(cal, always=False,
                       holidays=(cal.holidays - extra) | holidays,
                       extra_workdays=(cal.extra_workdays - holidays) | extra)

    @classmethod
    def for_unit(cls, unit: Any) -> WorkingCalendar:
        """The unit's calendar (Unit.calendar merged over the city default)."""
        return cls.from_dict(getattr(unit, "calendar", None) or {})

    def to_dict(self) -> dict[str, Any]:
        if self.always:
            return {"always": True}
        return {
            "work_hours": [[_fmt_clock(a), _fmt_clock(b)] for a, b in self.windows],
            "workdays": sorted(self.workdays),
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "extra_workdays": sorted(d.isoformat() for d in self.extra_workdays),
        }

    # -- questions ------------------------------------------------------------------------------

    def is_workday(self, day: date) -> bool:
        if self.always or day in self.extra_workdays:
            return True
        return day not in self.holidays and day.weekday() in self.workdays

    def is_working(self, t: datetime) -> bool:
        _aware(t, "t")
        if self.always:
            return True
        day, tod = _local(t)
        return self.is_workday(day) and any(a <= tod < b for a, b in self.windows)

    def next_working_time(self, t: datetime) -> datetime:
        """`t` itself if it is working time, else the next window start (UTC)."""
        _aware(t, "t")
        if self.always or self.is_working(t):
            return t.astimezone(UTC)
        day, tod = _local(t)
        for _ in range(_MAX_DAYS):
            if self.is_workday(day):
                for start, _end in self.windows:
                    if tod < start:
                        return _instant(day, start)
            day, tod = day + timedelta(days=1), -1
        raise ValueError("no working time within three years")

    # -- arithmetic -----------------------------------------------------------------------------

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant (aware UTC) when `hours` of working time after `start` are used up."""
        _aware(start, "start")
        if hours < 0:
            raise ValueError("hours must be >= 0")
        remaining = round(hours * _US_PER_HOUR)
        if remaining == 0:
            return start.astimezone(UTC)
        if self.always:
            return start.astimezone(UTC) + timedelta(microseconds=remaining)
        day, tod = _local(start)
        for _ in range(_MAX_DAYS):
            if self.is_workday(day):
                for w_start, w_end in self.windows:
                    if tod >= w_end:
                        continue
                    begin = max(tod, w_start)
                    available = w_end - begin
                    if remaining <= available:
                        return _instant(day, begin + remaining)
                    remaining -= available
            day, tod = day + timedelta(days=1), 0
        raise ValueError("no working time within three years")

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Working hours in [a, b); negative when b is before a."""
        return self.working_us_between(a, b) / _US_PER_HOUR

    def working_us_between(self, a: datetime, b: datetime) -> int:
        _aware(a, "a")
        _aware(b, "b")
        if b < a:
            return -self.working_us_between(b, a)
        if self.always:
            return (b - a) // timedelta(microseconds=1)
        day_a, tod_a = _local(a)
        day_b, tod_b = _local(b)
        total = 0
        day = day_a
        while day <= day_b:
            if self.is_workday(day):
                lo = tod_a if day == day_a else 0
                hi = tod_b if day == day_b else _US_PER_DAY
                for w_start, w_end in self.windows:
                    total += max(0, min(hi, w_end) - max(lo, w_start))
            day += timedelta(days=1)
        return total

    def resume_due(self, *, due_at: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
        """挂账 (parked) pauses the clock: the working time left at `paused_at` runs again
        from `resumed_at`. A ticket already overdue when paused keeps its due_at."""
        left = self.working_us_between(paused_at, due_at)
        if left <= 0:
            return due_at.astimezone(UTC)
        return self.add_working_hours(resumed_at, left / _US_PER_HOUR)


def _default_from_schedule() -> WorkingCalendar:
    return WorkingCalendar(
        holidays=_as_dates(d for days in CN_HOLIDAYS.values() for d in days),
        extra_workdays=_as_dates(d for days in CN_EXTRA_WORKDAYS.values() for d in days),
    )


_city_default: WorkingCalendar = _default_from_schedule()


def city_default() -> WorkingCalendar:
    return _city_default


def configure_city_default(data: Mapping[str, Any] | WorkingCalendar | None = None) -> WorkingCalendar:
    """Replace the city default (a dict merges over the built-in schedule); None restores it."""
    global _city_default
    if data is None:
        _city_default = _default_from_schedule()
    elif isinstance(data, WorkingCalendar):
        _city_default = data
    else:
        _city_default = WorkingCalendar.from_dict(data, base=_default_from_schedule())
    return _city_default
