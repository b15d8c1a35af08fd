"""The SQL behind the statistics: grouped counts from ticket milestone columns and the timeline.

Which tickets each count takes in a period [start, end) (docs/metrics.md says the same):

- 上报数: tickets opened (reported_at) in the period; 有效上报数: of those, the ones filed
  (filed_at set) or merged into another ticket (a correct duplicate); 自行处置数: of those, the
  ones a reporter fixed on the spot (a report with fixed_on_spot). Counts by source likewise.
- 立案数: tickets filed (filed_at) in the period.
- 应派遣数: `dispatch` and `redispatch` events in the period; 回退数: `return` events in the period
  (both attributed to the event's unit).
- The due cohort: tickets dispatched at least once whose due_at falls in the period and that are
  not parked (挂账, clock paused), returned (awaiting re-dispatch), merged or rejected.
  应处置数 = 应结案数 = the cohort. 处置数: handled_at set. 按期处置数: handled_on_time (falling
  back to handled_at ≤ due_at). 结案数: status closed. 按期结案数: closed and closed_on_time
  (falling back to closed_at ≤ due_at). 超期未处置数: still dispatched/in progress with due_at
  already passed at computation time. 延期数: with an `approve_extension` event. 返工数: with a
  `recheck_fail` event.
- 应核查数: `handle` events in the period on categories that need re-check (核查); 按时核查数: of
  those, the ones whose next `recheck_pass`/`recheck_fail` came by the re-check deadline
  (handle time + RECHECK_WITHIN_HOURS working hours on the unit's calendar).
- 遗留超期未处置 (overdue backlog): open (dispatched, in progress) tickets past due_at now, any
  period.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal_column, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.sla.calendar import WorkingCalendar
from api.stats.metrics import Counts
from api.stats.period import Period
from models import Area, Category, Report, Ticket, TicketEvent, Unit
from models.tickets import TICKET_STATUSES

# Keep in step with api.tickets.service.RECHECK_WITHIN_HOURS (used when a handle event does not
# carry its own recheck deadline).
RECHECK_WITHIN_HOURS = 2.0
CLOCK_RUNNING = ("dispatched", "in_progress")
OUT_OF_COHORT = ("parked", "returned", "merged", "rejected")
# Spelled as a positive list so PostgreSQL can use the (status, due_at) index.
COHORT_STATUSES = tuple(s for s in TICKET_STATUSES if s not in OUT_OF_COHORT)

Key = tuple[Any, ...]


def _sum(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _has_event(action: str) -> ColumnElement[bool]:
    return exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.action == action)


def _in(col, period: Period) -> ColumnElement[bool]:
    return and_(col >= period.start, col < period.end)


def cohort_clause(period: Period) -> ColumnElement[bool]:
    """应结案 / 应处置: dispatched, due in the period, not parked/returned/merged/rejected."""
    return and_(Ticket.status.in_(COHORT_STATUSES), _in(Ticket.due_at, period),
                Ticket.dispatched_at.is_not(None))


def handled_on_time_clause() -> ColumnElement[bool]:
    return or_(Ticket.handled_on_time.is_(True),
               and_(Ticket.handled_on_time.is_(None), Ticket.handled_at <= Ticket.due_at))


def closed_on_time_clause() -> ColumnElement[bool]:
    return and_(Ticket.status == "closed",
                or_(Ticket.closed_on_time.is_(True),
                    and_(Ticket.closed_on_time.is_(None), Ticket.closed_at <= Ticket.due_at)))


def overdue_now_clause(now: datetime) -> ColumnElement[bool]:
    return and_(Ticket.status.in_(CLOCK_RUNNING), Ticket.due_at < now)


async def collect(session: AsyncSession, *, period: Period, now: datetime, keys: Sequence[Any],
                  event_keys: Sequence[Any] | None = None,
                  scope: ColumnElement[bool] | None = None) -> dict[Key, Counts]:
    """Counts per group. `keys` are Ticket columns; `event_keys` (default: the same) group the
    timeline counts, e.g. TicketEvent.unit_id to credit the unit an event happened to."""
    scope_given = scope is not None
    scope = scope if scope_given else true()
    out: dict[Key, Counts] = {}

    def at(row: Sequence[Any], n: int) -> Counts:
        return out.setdefault(tuple(row[:n]), Counts())

    n = len(keys)
    fixed = exists().where(Report.ticket_id == Ticket.id, Report.fixed_on_spot)  # served by ix_report_fixed_on_spot
    valid = or_(Ticket.filed_at.is_not(None), Ticket.status == "merged")
    reported, filed = _in(Ticket.reported_at, period), _in(Ticket.filed_at, period)
    cohort, backlog = cohort_clause(period), overdue_now_clause(now)
    # One pass over the tickets for every ticket-based count (grouped by source as well, which
    # only the reported counts need; every count is additive, so the groups sum back up).
    for row in (await session.execute(
        select(*keys, Ticket.source,
               _sum(reported), _sum(and_(reported, valid)), _sum(and_(reported, fixed)), _sum(filed),
               _sum(cohort), _sum(and_(cohort, Ticket.handled_at.is_not(None))),
               _sum(and_(cohort, handled_on_time_clause())), _sum(and_(cohort, Ticket.status == "closed")),
               _sum(and_(cohort, closed_on_time_clause())), _sum(and_(cohort, backlog)),
               _sum(and_(cohort, _has_event("approve_extension"))), _sum(and_(cohort, _has_event("recheck_fail"))),
               _sum(backlog))
        .where(or_(reported, filed, cohort, backlog), scope).group_by(*keys, Ticket.source)
    )).all():
        c = at(row, n)
        (source, total, ok, self_fixed, filed_n, due, handled, handled_ok, closed, closed_ok, overdue, extended,
         reworked, backlog_n) = row[n:]
        c.reported += total
        c.valid_reported += ok
        c.self_handled += self_fixed
        if total:
            c.by_source[source] = c.by_source.get(source, 0) + total
        c.filed += filed_n
        c.to_handle += due
        c.to_close += due
        c.handled += handled
        c.handled_on_time += handled_ok
        c.closed += closed
        c.closed_on_time += closed_ok
        c.overdue_unhandled += overdue
        c.extended += extended
        c.reworked += reworked
        c.overdue_backlog += backlog_n

    ekeys = list(event_keys) if event_keys is not None else list(keys)
    timeline = select(*ekeys, TicketEvent.action, func.count()).select_from(TicketEvent)
    if scope_given or any(getattr(k, "table", None) is Ticket.__table__ for k in ekeys):
        timeline = timeline.join(Ticket, Ticket.id == TicketEvent.ticket_id)
    for row in (await session.execute(
        timeline.where(_in(TicketEvent.at, period), TicketEvent.action.in_(("dispatch", "redispatch", "return")),
                       scope)
        .group_by(*ekeys, TicketEvent.action)
    )).all():
        c = at(row, n)
        action, count = row[n], row[n + 1]
        if action == "return":
            c.returned += count
        else:
            c.to_dispatch += count

    await _rechecks(session, period=period, ekeys=ekeys, scope=scope, at=lambda r: at(r, n))
    return out


async def _rechecks(session: AsyncSession, *, period: Period, ekeys: list[Any], scope, at) -> None:
    later = aliased(TicketEvent)
    next_check = (
        select(func.min(later.at))
        .where(later.ticket_id == TicketEvent.ticket_id, later.action.in_(("recheck_pass", "recheck_fail")),
               later.at >= TicketEvent.at)
        .correlate(TicketEvent).scalar_subquery()
    )
    rows = (await session.execute(
        select(*ekeys, TicketEvent.unit_id, TicketEvent.at, TicketEvent.data, next_check)
        .select_from(TicketEvent).join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .join(Category, Category.code == Ticket.category_code)
        .where(TicketEvent.action == "handle", _in(TicketEvent.at, period), Category.needs_recheck.is_(True),
               scope)
    )).all()
    if not rows:
        return
    n = len(ekeys)
    unit_ids = {r[n] for r in rows if r[n] is not None}
    units = {u.id: u for u in (await session.execute(select(Unit).where(Unit.id.in_(unit_ids)))).scalars()}
    calendars: dict[uuid.UUID | None, WorkingCalendar] = {}
    for row in rows:
        unit_id, handled_at, data, checked_at = row[n:]
        if unit_id not in calendars:
            calendars[unit_id] = WorkingCalendar.for_unit(units.get(unit_id))
        deadline = _recheck_deadline(calendars[unit_id], handled_at, data)
        c = at(row)
        c.to_recheck += 1
        if checked_at is not None and checked_at <= deadline:
            c.rechecked_on_time += 1


def _recheck_deadline(cal: WorkingCalendar, handled_at: datetime, data: dict[str, Any] | None) -> datetime:
    stated = (data or {}).get("recheck_due_at")
    if stated:
        return datetime.fromisoformat(stated)
    return cal.add_working_hours(handled_at, RECHECK_WITHIN_HOURS)


async def reporter_counts(session: AsyncSession, *, period: Period,
                          scope: ColumnElement[bool] | None = None) -> dict[uuid.UUID, Counts]:
    """Per reporter, from their reports (a duplicate that joined a ticket still counts for them)."""
    scope = scope if scope is not None else true()
    valid = or_(Ticket.filed_at.is_not(None), Ticket.status == "merged")
    out: dict[uuid.UUID, Counts] = {}
    for reporter_id, source, total, ok, fixed, closed in (await session.execute(
        select(Report.reporter_id, Report.source, func.count(), _sum(valid), _sum(Report.fixed_on_spot.is_(True)),
               _sum(Ticket.status == "closed"))
        .select_from(Report).outerjoin(Ticket, Ticket.id == Report.ticket_id)
        .where(_in(Report.captured_at, period), scope)
        .group_by(Report.reporter_id, Report.source)
    )).all():
        c = out.setdefault(reporter_id, Counts())
        c.reported += total
        c.valid_reported += ok
        c.self_handled += fixed
        c.closed += closed
        c.by_source[source] = c.by_source.get(source, 0) + total
    return out


def local_day(session: AsyncSession, col) -> ColumnElement[Any]:
    """The Asia/Shanghai calendar day of a UTC timestamp column, as an ISO date string."""
    if session.get_bind().dialect.name == "postgresql":
        # Literals, not bound parameters, so the same expression can be repeated in GROUP BY.
        return func.to_char(func.timezone(literal_column("'Asia/Shanghai'"), col), literal_column("'YYYY-MM-DD'"))
    return func.strftime("%Y-%m-%d", col, "+8 hours")


async def daily(session: AsyncSession, *, period: Period, scope: ColumnElement[bool] | None = None
                ) -> dict[date, dict[str, int]]:
    """Per local day: tickets reported, filed, dispatched, handled and closed that day."""
    scope = scope if scope is not None else true()
    series: dict[date, dict[str, int]] = {
        d: {"reported": 0, "filed": 0, "dispatched": 0, "handled": 0, "closed": 0} for d in period.days()}
    columns = (("reported", Ticket.reported_at), ("filed", Ticket.filed_at), ("dispatched", Ticket.dispatched_at),
               ("handled", Ticket.handled_at), ("closed", Ticket.closed_at))
    if session.get_bind().dialect.name == "postgresql":
        # One scan: GROUPING SETS gives one group per (milestone, day).
        days = [local_day(session, col) for _name, col in columns]
        for row in (await session.execute(
            select(*days, func.count())
            .where(or_(*[_in(col, period) for _name, col in columns]), scope)
            .group_by(func.grouping_sets(*days))
        )).all():
            for (name, _col), value in zip(columns, row[:-1], strict=True):
                if value is not None:
                    d = date.fromisoformat(value)
                    if d in series:
                        series[d][name] += row[-1]
        return series
    for name, col in columns:
        day = local_day(session, col)
        for value, count in (await session.execute(
            select(day, func.count()).where(_in(col, period), scope).group_by(day)
        )).all():
            d = date.fromisoformat(str(value)[:10])
            if d in series:
                series[d][name] += count
    return series


async def category_mix(session: AsyncSession, *, period: Period, scope: ColumnElement[bool] | None = None
                       ) -> list[tuple[str, str, str, int]]:
    """(code, name, group name, tickets reported in the period), most frequent first."""
    scope = scope if scope is not None else true()
    count = func.count(Ticket.id)
    return [tuple(r) for r in (await session.execute(
        select(Ticket.category_code, Category.name, Category.group_name, count)
        .join(Category, Category.code == Ticket.category_code)
        .where(_in(Ticket.reported_at, period), scope)
        .group_by(Ticket.category_code, Category.name, Category.group_name)
        .order_by(count.desc(), Ticket.category_code)
    )).all()]


async def all_units(session: AsyncSession) -> list[Unit]:
    return list((await session.execute(select(Unit).where(Unit.active.is_(True)).order_by(Unit.code))).scalars())


async def all_areas(session: AsyncSession) -> list[tuple[uuid.UUID, uuid.UUID | None, str, str, str]]:
    return [tuple(r) for r in (await session.execute(
        select(Area.id, Area.parent_id, Area.level, Area.code, Area.name).order_by(Area.code))).all()]


async def categories(session: AsyncSession) -> dict[str, tuple[str, str]]:
    return {code: (name, group) for code, name, group in (await session.execute(
        select(Category.code, Category.name, Category.group_name))).all()}
