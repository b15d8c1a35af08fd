"""Every SQL statement the ticket workflow runs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.tickets.workflow import CLOCK_RUNNING
from models import Category, Media, Report, Ticket, TicketEvent, Unit


def as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


async def get_ticket(session: AsyncSession, ticket_id: Any) -> Ticket | None:
    tid = as_uuid(ticket_id)
    if tid is None:
        return None
    return (await session.execute(select(Ticket).where(Ticket.id == tid))).scalar_one_or_none()


async def reporter_ids(session: AsyncSession, ticket_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.execute(select(Report.reporter_id).where(Report.ticket_id == ticket_id).distinct())
    return set(rows.scalars())


async def reports_of(session: AsyncSession, ticket_id: uuid.UUID) -> list[Report]:
    rows = await session.execute(
        select(Report).where(Report.ticket_id == ticket_id).order_by(Report.received_at, Report.id))
    return list(rows.scalars())


async def events_of(session: AsyncSession, ticket_id: uuid.UUID) -> list[TicketEvent]:
    rows = await session.execute(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.at, TicketEvent.id))
    return list(rows.scalars())


async def get_category(session: AsyncSession, code: str) -> Category | None:
    return (await session.execute(select(Category).where(Category.code == code))).scalar_one_or_none()


async def get_unit(session: AsyncSession, *, unit_id: Any = None, code: str | None = None) -> Unit | None:
    if code is not None:
        return (await session.execute(select(Unit).where(Unit.code == code))).scalar_one_or_none()
    uid = as_uuid(unit_id)
    return None if uid is None else await session.get(Unit, uid)


async def compare_and_set(session: AsyncSession, *, ticket_id: uuid.UUID, base_version: int,
                          values: dict[str, Any]) -> bool:
    """UPDATE ticket SET …, version = version + 1 WHERE id = :id AND version = :base_version."""
    stmt = (update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.version == base_version)
            .values(**values, version=Ticket.version + 1)
            .execution_options(synchronize_session=False))
    result = await session.execute(stmt)
    return result.rowcount == 1


async def current_version(session: AsyncSession, ticket_id: uuid.UUID) -> int | None:
    return (await session.execute(select(Ticket.version).where(Ticket.id == ticket_id))).scalar_one_or_none()


async def status_before_park(session: AsyncSession, ticket_id: uuid.UUID) -> str | None:
    stmt = (select(TicketEvent.from_status)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == "park")
            .order_by(TicketEvent.at.desc(), TicketEvent.id.desc()).limit(1))
    return (await session.execute(stmt)).scalar_one_or_none()


async def stored_hashes(session: AsyncSession, hashes: Iterable[str]) -> set[str]:
    wanted = sorted(set(hashes))
    if not wanted:
        return set()
    rows = await session.execute(select(Media.sha256).where(Media.sha256.in_(wanted)))
    return set(rows.scalars())


async def move_reports(session: AsyncSession, *, from_ticket: uuid.UUID, to_ticket: uuid.UUID) -> int:
    result = await session.execute(update(Report).where(Report.ticket_id == from_ticket)
                                   .values(ticket_id=to_ticket).execution_options(synchronize_session=False))
    return result.rowcount


async def bump_report_count(session: AsyncSession, *, ticket_id: uuid.UUID, by: int, now: datetime,
                            photos_complete: bool = True) -> None:
    """A duplicate joined: no version bump, so nobody's pending action goes stale."""
    values: dict[str, Any] = {"report_count": Ticket.report_count + by, "updated_at": now}
    if not photos_complete:
        values["photos_complete"] = False
    await session.execute(update(Ticket).where(Ticket.id == ticket_id).values(**values)
                          .execution_options(synchronize_session=False))


def overdue_clause(now: datetime):
    """SQL twin of workflow.is_overdue."""
    return and_(Ticket.status.in_(sorted(CLOCK_RUNNING)), Ticket.due_at.is_not(None), Ticket.due_at < now)
