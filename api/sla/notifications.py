"""In-app notifications: the caller's (addressed to them, their unit, or one of their roles).

A notification addressed to a unit or a role is one row shared by everyone it reaches, so
marking it read marks it read for all of them (the desk works one shared queue).
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.deps import Principal
from api.errors import BadRequest, NotFound
from models import Notification, utcnow

MAX_PAGE = 200


class NotificationPublic(BaseModel):
    id: uuid.UUID
    kind: str
    message: str
    ticket_id: uuid.UUID | None
    user_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    role: str | None
    created_at: datetime
    read_at: datetime | None


class NotificationsPage(BaseModel):
    items: list[NotificationPublic]
    next_cursor: str | None
    unread: int


def addressed_to(principal: Principal) -> ColumnElement[bool]:
    clauses = [Notification.user_id == principal.id]
    if principal.unit_id is not None:
        clauses.append(Notification.unit_id == principal.unit_id)
    if principal.roles:
        clauses.append(Notification.role.in_(sorted(principal.roles)))
    return or_(*clauses)


def _encode(created_at: datetime, nid: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{nid}".encode()).decode()


def _decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        stamp, nid = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        at = datetime.fromisoformat(stamp)
        if at.tzinfo is None:
            raise ValueError
        return at, uuid.UUID(nid)
    except ValueError as exc:
        raise BadRequest("the cursor is not valid", code="bad_cursor") from exc


async def list_notifications(*, session: AsyncSession, principal: Principal, unread_only: bool = False,
                             cursor: str | None = None, limit: int = 50) -> NotificationsPage:
    limit = max(1, min(limit, MAX_PAGE))
    mine = addressed_to(principal)
    stmt = select(Notification).where(mine)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if cursor:
        at, nid = _decode(cursor)
        # Newest first; the tie on created_at is broken by id.
        stmt = stmt.where(or_(Notification.created_at < at,
                              (Notification.created_at == at) & (Notification.id < nid)))
    rows = list((await session.execute(
        stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit + 1))).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    unread = (await session.execute(
        select(func.count()).select_from(Notification).where(mine, Notification.read_at.is_(None)))).scalar_one()
    return NotificationsPage(
        items=[NotificationPublic.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=_encode(rows[-1].created_at, rows[-1].id) if more else None,
        unread=unread,
    )


async def mark_read(*, session: AsyncSession, principal: Principal, notification_id: uuid.UUID) -> NotificationPublic:
    row = (await session.execute(
        select(Notification).where(Notification.id == notification_id, addressed_to(principal)))).scalar_one_or_none()
    if row is None:
        raise NotFound("no such notification", code="notification_not_found")
    if row.read_at is None:
        row.read_at = utcnow()
        await session.flush()
    return NotificationPublic.model_validate(row, from_attributes=True)


async def mark_all_read(*, session: AsyncSession, principal: Principal) -> int:
    """Marks every unread notification the caller can see as read; returns how many."""
    result = await session.execute(
        update(Notification).where(addressed_to(principal), Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0
