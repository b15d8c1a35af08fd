"""Two phones report the same problem at the same moment: one ticket, both reports on it.

Against a real server (its own transactions and commits): each pair pushes at once, 5 m apart.
Without serialising intake around the point both would see no open ticket and open two.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select

from models import Report, Ticket
from tests.sync.helpers import demo_phone

PAIRS = 8
CATEGORY = "06010"


async def test_simultaneous_reports_of_one_problem_share_a_ticket(live, tmp_path):
    a, b = demo_phone(live, tmp_path, "grid01"), demo_phone(live, tmp_path, "grid02")
    await asyncio.gather(a.login(), b.login())
    pairs = []
    for i in range(PAIRS):
        lat, lon = 32.0365 + i * 0.0011, 118.7765  # pairs ≈ 120 m apart; the two of a pair ≈ 5 m
        ids = []
        for p, dlat in ((a, 0.0), (b, 0.000045)):
            ids.append(uuid.UUID(p.outbox.add_report(category_code=CATEGORY, lat=lat + dlat, lon=lon,
                                                     captured_at=datetime.now(UTC).isoformat(), photos=[],
                                                     description=f"同时上报 {i}", accuracy_m=5.0)))
        pairs.append(ids)
        await asyncio.gather(a.push_once(), b.push_once())

    async with live.engine.connect() as conn:
        for i, ids in enumerate(pairs):
            tickets = (await conn.execute(select(func.count(func.distinct(Report.ticket_id)))
                                          .where(Report.id.in_(ids)))).scalar_one()
            assert tickets == 1, f"pair {i} opened {tickets} tickets"
            count = (await conn.execute(select(Ticket.report_count).join(Report, Report.ticket_id == Ticket.id)
                                        .where(Report.id == ids[0]))).scalar_one()
            assert count == 2, f"pair {i}: ticket counts {count} reports"
    for p in (a, b):
        await p.http.aclose()
