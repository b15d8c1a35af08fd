"""SQL for report intake."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import case, distinct, exists, func, select, tuple_, union, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models import Media, PhotoRef, Report, Ticket, TicketEvent


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


def _tickets_using(sha256: str):
    """Ids of the tickets whose reports or events use the photo."""
    via_report = select(Report.ticket_id).join(PhotoRef, PhotoRef.report_id == Report.id).where(
        PhotoRef.sha256 == sha256, Report.ticket_id.is_not(None))
    via_event = select(TicketEvent.ticket_id).join(PhotoRef, PhotoRef.event_id == TicketEvent.id).where(
        PhotoRef.sha256 == sha256)
    return union(via_report, via_event)


async def lock_incomplete_tickets_using(session: AsyncSession, sha256: str) -> list[Ticket]:
    """The tickets still waiting for photos that use this one, row-locked until commit (in id order).

    The lock is what makes completion safe when two photos of one ticket land at the same moment:
    the second upload waits for the first to commit, and then its check sees both photos."""
    stmt = (select(Ticket).where(Ticket.id.in_(_tickets_using(sha256)), Ticket.photos_complete.is_(False))
            .order_by(Ticket.id).with_for_update())
    return list((await session.execute(stmt)).scalars())


def _waiting(ref) -> Any:
    """The photo_ref `ref` names a photo that is not stored yet."""
    return ~exists().where(Media.sha256 == ref.sha256)


async def complete_reports_using(session: AsyncSession, sha256: str) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Mark complete every waiting report that uses the photo and waits for no other; returns
    (report id, reporter id) of each."""
    other = aliased(PhotoRef)
    still_waiting = exists().where(other.report_id == Report.id, _waiting(other))
    stmt = (update(Report)
            .where(Report.id.in_(select(PhotoRef.report_id).where(PhotoRef.sha256 == sha256)),
                   Report.photos_complete.is_(False), ~still_waiting)
            .values(photos_complete=True)
            .returning(Report.id, Report.reporter_id)
            .execution_options(synchronize_session="fetch"))
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def ticket_photo_counts(session: AsyncSession, ticket_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    """ticket id → (photos its reports and events use, how many of them are not stored yet)."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return {}
    refs = union_all(
        select(Report.ticket_id.label("ticket_id"), PhotoRef.sha256.label("sha256"))
        .join(PhotoRef, PhotoRef.report_id == Report.id).where(Report.ticket_id.in_(ids)),
        select(TicketEvent.ticket_id.label("ticket_id"), PhotoRef.sha256.label("sha256"))
        .join(PhotoRef, PhotoRef.event_id == TicketEvent.id).where(TicketEvent.ticket_id.in_(ids)),
    ).subquery()
    missing = case((Media.sha256.is_(None), refs.c.sha256))
    stmt = (select(refs.c.ticket_id, func.count(distinct(refs.c.sha256)), func.count(distinct(missing)))
            .outerjoin(Media, Media.sha256 == refs.c.sha256).group_by(refs.c.ticket_id))
    counts = {ticket_id: (0, 0) for ticket_id in ids}
    counts.update({ticket_id: (total, waiting) for ticket_id, total, waiting in (await session.execute(stmt)).all()})
    return counts


async def reports_page(session: AsyncSession, *, reporter_id: uuid.UUID, limit: int,
                       after: tuple[datetime, uuid.UUID] | None) -> list[tuple[Report, Ticket | None]]:
    stmt = (select(Report, Ticket).outerjoin(Ticket, Ticket.id == Report.ticket_id)
            .where(Report.reporter_id == reporter_id)
            .order_by(Report.received_at.desc(), Report.id.desc()).limit(limit))
    if after is not None:
        stmt = stmt.where(tuple_(Report.received_at, Report.id) < tuple_(*after))
    return [(r, t) for r, t in (await session.execute(stmt)).all()]
