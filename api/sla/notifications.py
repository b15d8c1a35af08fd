"""In-app notifications: the caller's (addressed to them, their unit, or one of their roles).

A notification addressed to a unit or a role is one row shared by everyone it reaches; whether
it is read is per reader (models.NotificationRead): when one handler opens a 督办 to their unit,
it stays new for the others. `read_at` in replies is when *the caller* read it.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.deps import Principal
from api.errors import BadRequest, NotFound
from models import Notification, NotificationRead, utcnow

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


def _my_reads(principal: Principal):
    """The caller's reading of each notification, for an outer join (NULL: not read by them)."""
    return and_(NotificationRead.notification_id == Notification.id, NotificationRead.user_id == principal.id)


def _read_at():
    # A row read before per-reader state (migration 0011) counts as read by everyone it reaches.
    return func.coalesce(NotificationRead.read_at, Notification.read_at)


def _public(row: Notification, read_at: datetime | None) -> NotificationPublic:
    return NotificationPublic.model_validate({**row.model_dump(), "read_at": read_at})


async def list_notifications(*, session: AsyncSession, principal: Principal, unread_only: bool = False,
                             cursor: str | None = None, limit: int = 50) -> NotificationsPage:
    limit = max(1, min(limit, MAX_PAGE))
    mine = addressed_to(principal)
    read_at = _read_at()
    stmt = select(Notification, read_at).outerjoin(NotificationRead, _my_reads(principal)).where(mine)
    if unread_only:
        stmt = stmt.where(read_at.is_(None))
    if cursor:
        at, nid = _decode(cursor)
        # Newest first; the tie on created_at is broken by id.
        stmt = stmt.where(or_(Notification.created_at < at,
                              (Notification.created_at == at) & (Notification.id < nid)))
    rows = (await session.execute(
        stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    unread = (await session.execute(
        select(func.count()).select_from(Notification).outerjoin(NotificationRead, _my_reads(principal))
        .where(mine, read_at.is_(None)))).scalar_one()
    return NotificationsPage(
        items=[_public(row, when) for row, when in rows],
        next_cursor=_encode(rows[-1][0].created_at, rows[-1][0].id) if more else None,
        unread=unread,
    )


def _insert(session: AsyncSession):
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


async def mark_read(*, session: AsyncSession, principal: Principal, notification_id: uuid.UUID) -> NotificationPublic:
    """Idempotent: the first reading's time is kept."""
    row = (await session.execute(
        select(Notification).where(Notification.id == notification_id, addressed_to(principal)))).scalar_one_or_none()
    if row is None:
        raise NotFound("no such notification", code="notification_not_found")
    if row.read_at is None:
        await session.execute(_insert(session)(NotificationRead)
                              .values(notification_id=row.id, user_id=principal.id, read_at=utcnow())
                              .on_conflict_do_nothing(index_elements=["notification_id", "user_id"]))
    read_at = (await session.execute(select(_read_at()).select_from(Notification)
                                     .outerjoin(NotificationRead, _my_reads(principal))
                                     .where(Notification.id == row.id))).scalar_one()
    return _public(row, read_at)


async def mark_all_read(*, session: AsyncSession, principal: Principal) -> int:
    """Marks every notification the caller can see and has not read as read by them; returns how many."""
    unread = (select(Notification.id, literal(principal.id), literal(utcnow(), NotificationRead.read_at.type))
              .outerjoin(NotificationRead, _my_reads(principal))
              .where(addressed_to(principal), _read_at().is_(None)))
    result = await session.execute(
        _insert(session)(NotificationRead).from_select(["notification_id", "user_id", "read_at"], unread)
        .on_conflict_do_nothing(index_elements=["notification_id", "user_id"]))
    return result.rowcount or 0
