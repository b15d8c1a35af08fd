"""The overdue sweeper: marks tickets whose handling deadline passed, urges and notifies.

Runs in every app instance on a timer (registered through `api.app.startup_hooks`, only when
`settings.run_sweeper`). Instances never mark a ticket twice: on PostgreSQL the candidates are
taken with `FOR UPDATE SKIP LOCKED` and each is marked with a compare-and-set UPDATE
(`overdue_at IS NULL AND version = :v`); on SQLite one writer holds the database at a time.
The re-check (核查) pass only notifies, so it runs under a transaction-scoped advisory lock
(PostgreSQL) and skips tickets that already have its notice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.sla.calendar import SHANGHAI
from api.tickets.repository import reports_of
from api.tickets.service import ticket_audience
from models import Notification, Ticket, TicketEvent, User, UserGrid, utcnow
from sync.changes import record_change

log = logging.getLogger("civicloop.sla")

# "Overdue" = due_at < now while the handling clock runs (the workflow's CLOCK_RUNNING).
OVERDUE_STATUSES = ("dispatched", "in_progress")
BATCH = 500
RECHECK_LOCK_KEY = 0x5C_1A_0C_0E  # pg_try_advisory_xact_lock key of the re-check pass


@dataclass
class SweepResult:
    overdue: list[uuid.UUID] = field(default_factory=list)
    recheck_overdue: list[uuid.UUID] = field(default_factory=list)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def overdue_clause(now: datetime):
    """Open-and-late, the same rule the queues and statistics use."""
    return (Ticket.due_at < now) & Ticket.status.in_(OVERDUE_STATUSES)


async def sweep_once(session: AsyncSession, now: datetime | None = None) -> SweepResult:
    """One pass. Flushes, never commits: the caller owns the transaction."""
    now = now or utcnow()
    result = SweepResult()
    while True:
        marked, seen = await _mark_overdue_batch(session, now)
        result.overdue.extend(marked)
        if seen < BATCH:
            break
    result.recheck_overdue = await _notify_recheck_overdue(session, now)
    return result


async def _mark_overdue_batch(session: AsyncSession, now: datetime) -> tuple[list[uuid.UUID], int]:
    stmt = (
        select(Ticket.id, Ticket.version, Ticket.status, Ticket.number, Ticket.unit_id, Ticket.grid_id,
               Ticket.reporter_id, Ticket.category_code, Ticket.due_at)
        .where(overdue_clause(now), Ticket.overdue_at.is_(None))
        .order_by(Ticket.due_at)
        .limit(BATCH)
    )
    if _dialect(session) == "postgresql":
        stmt = stmt.with_for_update(of=Ticket, skip_locked=True)
    rows = (await session.execute(stmt)).all()
    marked: list[uuid.UUID] = []
    for row in rows:
        cas = await session.execute(
            update(Ticket)
            .where(Ticket.id == row.id, Ticket.version == row.version, Ticket.overdue_at.is_(None))
            .values(overdue_at=now, version=Ticket.version + 1, urge_count=Ticket.urge_count + 1,
                    updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if cas.rowcount != 1:
            continue  # changed under us (another instance, or a transition): leave it to the next pass
        late_h = round((now - row.due_at).total_seconds() / 3600, 2)
        due_local = row.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        common = dict(ticket_id=row.id, actor_id=None, actor_role="system", unit_id=row.unit_id, at=now,
                      from_status=row.status, to_status=None)  # no state change
        session.add(TicketEvent(action="overdue", reason=f"超过处置期限 {due_local}",
                                data={"due_at": row.due_at.isoformat(), "late_hours": late_h}, **common))
        session.add(TicketEvent(action="urge", reason="超期自动督办", data={"automatic": True}, **common))
        message = f"案件 {row.number}（{row.category_code}）已超过处置期限 {due_local}，请尽快处置"
        if row.unit_id:
            session.add(Notification(unit_id=row.unit_id, ticket_id=row.id, kind="overdue",
                                     message=message, created_at=now))
        session.add(Notification(role="supervisor", ticket_id=row.id, kind="overdue", message=message,
                                 created_at=now))
        await session.flush()
        audience = ticket_audience(row, await reports_of(session, row.id))
        await record_change(session, entity="ticket", entity_id=str(row.id), audience=audience)
        marked.append(row.id)
    return marked, len(rows)


async def _notify_recheck_overdue(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    """Handled tickets whose re-check (核查) is late: tell the grid's workers (no state change)."""
    if _dialect(session) == "postgresql":
        got = (await session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"),
                                     {"k": RECHECK_LOCK_KEY})).scalar_one()
        if not got:
            return []  # another instance is doing this pass right now
    already = exists().where(Notification.ticket_id == Ticket.id, Notification.kind == "recheck_overdue")
    rows = (await session.execute(
        select(Ticket.id, Ticket.number, Ticket.grid_id, Ticket.recheck_due_at)
        .where(Ticket.status == "handled", Ticket.recheck_due_at < now, ~already)
        .order_by(Ticket.recheck_due_at)
        .limit(BATCH)
    )).all()
    grid_ids = {r.grid_id for r in rows if r.grid_id}
    workers: dict[uuid.UUID, list[uuid.UUID]] = {}
    if grid_ids:
        for grid_id, user_id, roles, active in (await session.execute(
            select(UserGrid.area_id, User.id, User.roles, User.active)
            .join(User, User.id == UserGrid.user_id)
            .where(UserGrid.area_id.in_(grid_ids))
        )).all():
            if active and "grid_worker" in (roles or []):
                workers.setdefault(grid_id, []).append(user_id)
    for row in rows:
        due_local = row.recheck_due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        message = f"案件 {row.number} 已处置，核查期限 {due_local} 已过，请尽快到场核查"
        recipients = workers.get(row.grid_id, [])
        for user_id in recipients:
            session.add(Notification(user_id=user_id, ticket_id=row.id, kind="recheck_overdue",
                                     message=message, created_at=now))
        if not recipients:  # nobody patrols that grid: the desk re-checks or assigns someone
            session.add(Notification(role="dispatcher", ticket_id=row.id, kind="recheck_overdue",
                                     message=message, created_at=now))
    await session.flush()
    return [r.id for r in rows]


async def run_forever(sessionmaker: async_sessionmaker[AsyncSession], interval_s: float) -> None:
    while True:
        try:
            async with sessionmaker() as session:
                result = await sweep_once(session, utcnow())
                await session.commit()
            if result.overdue or result.recheck_overdue:
                log.info("sweep: %d overdue, %d re-checks late", len(result.overdue),
                         len(result.recheck_overdue))
        except asyncio.CancelledError:
            raise
        except Exception:  # the database may be down; try again next tick
            log.exception("overdue sweep failed")
        await asyncio.sleep(interval_s)


async def start_sweeper(app) -> Callable[[], Awaitable[None]] | None:
    """Startup hook: run the sweeper in the background when settings.run_sweeper."""
    settings = app.state.settings
    if not settings.run_sweeper:
        return None
    task = asyncio.create_task(run_forever(app.state.sessionmaker, settings.sweeper_interval_s),
                               name="civicloop-sweeper")

    async def stop() -> None:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    return stop
