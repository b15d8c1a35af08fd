"""A statistics period: whole local (Asia/Shanghai) days, held as a half-open UTC interval."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from api.errors import ValidationFailed
from api.sla.calendar import SHANGHAI

MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    first_day: date  # local, inclusive
    last_day: date  # local, inclusive
    label: str

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), SHANGHAI).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: local midnight after last_day."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)

    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range((self.last_day - self.first_day).days + 1)]

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "from": self.first_day.isoformat(), "to": self.last_day.isoformat(),
                "start": self.start.isoformat(), "end": self.end.isoformat()}


def month_period(month: str) -> Period:
    m = re.fullmatch(r"(\d{4})-(\d{2})", month or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValidationFailed("month must look like 2026-11", code="bad_period", details={"month": month})
    year, mon = int(m.group(1)), int(m.group(2))
    first = date(year, mon, 1)
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    return Period(first, nxt - timedelta(days=1), month)


def parse_period(*, month: str | None = None, date_from: str | None = None, date_to: str | None = None,
                 today: date | None = None) -> Period:
    """`month=2026-11`, or `from`/`to` (local dates, both inclusive); default: this month so far."""
    if month:
        if date_from or date_to:
            raise ValidationFailed("give either month or from/to, not both", code="bad_period")
        return month_period(month)
    today = today or datetime.now(SHANGHAI).date()
    try:
        first = date.fromisoformat(date_from) if date_from else today.replace(day=1)
        last = date.fromisoformat(date_to) if date_to else max(today, first)
    except ValueError as exc:
        raise ValidationFailed("from/to must be dates like 2026-11-01", code="bad_period",
                               details={"from": date_from, "to": date_to}) from exc
    if last < first:
        raise ValidationFailed("to is before from", code="bad_period", details={"from": date_from, "to": date_to})
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed(f"a period spans at most {MAX_DAYS} days", code="bad_period")
    return Period(first, last, f"{first.isoformat()}~{last.isoformat()}")
