"""SQL for report intake."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from models import PhotoRef, Report, Ticket, TicketEvent


async def open_tickets_in_box(session: AsyncSession, *, category_code: str, statuses: Iterable[str],
                              lat: tuple[float, float], lon: tuple[float, float],
                              centre: tuple[float, float], limit: int = 200) -> list[Ticket]:
    """Bounding-box pre-filter (served by ix_ticket_category_lat_lon); the caller measures exactly.
    The `limit` closest to `centre` (by a flat-earth distance, exact enough to rank a few hundred
    metres) come back, so a crowded box never hides the nearest ticket."""
    clat, clon = centre
    shrink = math.cos(math.radians(clat)) ** 2  # a degree of longitude is shorter than one of latitude
    flat_distance = (Ticket.lat - clat) * (Ticket.lat - clat) + (Ticket.lon - clon) * (Ticket.lon - clon) * shrink
    stmt = (select(Ticket)
            .where(Ticket.category_code == category_code, Ticket.lat.between(*lat), Ticket.lon.between(*lon),
                   Ticket.status.in_(sorted(statuses)))
            .order_by(flat_distance, Ticket.id)
            .limit(limit))
    return list((await session.execute(stmt)).scalars())


async def incomplete_reports_with(session: AsyncSession, sha256: str) -> list[Report]:
    stmt = (select(Report).join(PhotoRef, PhotoRef.report_id == Report.id)
            .where(PhotoRef.sha256 == sha256, Report.photos_complete.is_(False)))
    return list((await session.execute(stmt)).scalars())


async def incomplete_tickets_with_event_photo(session: AsyncSession, sha256: str) -> set[uuid.UUID]:
    stmt = (select(TicketEvent.ticket_id).join(PhotoRef, PhotoRef.event_id == TicketEvent.id)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(PhotoRef.sha256 == sha256, Ticket.photos_complete.is_(False)))
    return set((await session.execute(stmt)).scalars())


async def event_photo_hashes(session: AsyncSession, ticket_id: uuid.UUID) -> set[str]:
    """Photos attached to the ticket's events (after-photos, re-check photos …)."""
    hashes: set[str] = set()
    for (photos,) in await session.execute(select(TicketEvent.photos).where(TicketEvent.ticket_id == ticket_id)):
        hashes.update(photos or [])
    return hashes


async def reports_page(session: AsyncSession, *, reporter_id: uuid.UUID, limit: int,
                       after: tuple[datetime, uuid.UUID] | None) -> list[tuple[Report, Ticket | None]]:
    stmt = (select(Report, Ticket).outerjoin(Ticket, Ticket.id == Report.ticket_id)
            .where(Report.reporter_id == reporter_id)
            .order_by(Report.received_at.desc(), Report.id.desc()).limit(limit))
    if after is not None:
        stmt = stmt.where(tuple_(Report.received_at, Report.id) < tuple_(*after))
    return [(r, t) for r, t in (await session.execute(stmt)).all()]
