"""Notifications over HTTP (the sweeper writes them; users read them here)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.auth.deps import CurrentUser
from api.db import SessionDep
from api.sla import notifications as service
from api.sla.notifications import NotificationPublic, NotificationsPage

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=NotificationsPage, operation_id="notifications_list")
async def list_notifications(
    principal: CurrentUser, session: SessionDep,
    unread: Annotated[bool, Query(description="only unread ones")] = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 50,
) -> NotificationsPage:
    return await service.list_notifications(session=session, principal=principal, unread_only=unread,
                                            cursor=cursor, limit=limit)


class MarkedRead(BaseModel):
    marked: int


@router.post("/read-all", response_model=MarkedRead, operation_id="notifications_read_all")
async def mark_all_read(principal: CurrentUser, session: SessionDep) -> MarkedRead:
    """Everything unread that reaches the caller (theirs, their unit's, their roles') becomes read."""
    return MarkedRead(marked=await service.mark_all_read(session=session, principal=principal))


@router.post("/{notification_id}/read", response_model=NotificationPublic, operation_id="notifications_read")
async def mark_read(notification_id: uuid.UUID, principal: CurrentUser, session: SessionDep) -> NotificationPublic:
    return await service.mark_read(session=session, principal=principal, notification_id=notification_id)
