"""Ticket and timeline rows for SLA and statistics tests, one at a time or in bulk.

`ticket_row`/`event_row` return plain dicts with every NOT NULL column filled, so thousands of
rows go in with one `insert(...)` each instead of one ORM object (or API call) per row.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import Ticket, TicketEvent, utcnow

_numbers = itertools.count(1)
CATEGORY = "06010"  # 暴露垃圾, seeded by migration 0002


def ticket_row(**kw: Any) -> dict[str, Any]:
    n = next(_numbers)
    now = utcnow()
    row = {
        "id": uuid.uuid4(), "number": f"T{uuid.uuid4().hex[:10]}{n}", "status": "dispatched", "version": 1,
        "category_code": CATEGORY, "source": "grid_worker", "reporter_id": None, "lat": 32.0, "lon": 118.0,
        "description": "", "grid_id": None, "street_id": None, "unit_id": None, "suggested_unit_id": None,
        "routing_rule": None, "routing_explanation": "", "report_count": 1, "merged_into_id": None,
        "urgent": False, "photos_complete": True, "reported_at": now, "verified_at": None, "filed_at": None,
        "dispatched_at": None, "signed_at": None, "handled_at": None, "rechecked_at": None, "closed_at": None,
        "rejected_at": None, "returned_at": None, "parked_at": None, "due_at": None, "recheck_due_at": None,
        "overdue_at": None, "handled_on_time": None, "closed_on_time": None, "rework_count": 0,
        "extension_count": 0, "return_count": 0, "urge_count": 0, "pending_extension": {}, "updated_at": now,
    }
    unknown = set(kw) - set(row)
    if unknown:
        raise TypeError(f"unknown ticket columns {sorted(unknown)}")
    row.update(kw)
    return row


def event_row(*, ticket_id: uuid.UUID, action: str, at: datetime, **kw: Any) -> dict[str, Any]:
    row = {"id": uuid.uuid4(), "ticket_id": ticket_id, "action": action, "from_status": None, "to_status": None,
           "actor_id": None, "actor_role": "system", "unit_id": None, "at": at, "reason": "", "photos": [],
           "data": {}}
    row.update(kw)
    return row


async def insert_tickets(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), 500):
        await session.execute(insert(Ticket), rows[i:i + 500])


async def insert_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), 500):
        await session.execute(insert(TicketEvent), rows[i:i + 500])


async def make_ticket(session: AsyncSession, **kw: Any) -> Ticket:
    row = ticket_row(**kw)
    await insert_tickets(session, [row])
    return await session.get(Ticket, row["id"])
