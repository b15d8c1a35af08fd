"""Two phones' photos of one ticket land at the same moment: the ticket still ends complete.

Against a real server. Each pair of phones reports one problem 5 m apart (the second report joins
the first's ticket), then both upload their photo at once. Each upload commits its own photo and
checks whether the ticket has every photo; unless the two checks are serialised, each can miss
the other's not-yet-committed photo and the ticket says "照片上传中" for ever.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from models import Report, Ticket, TicketEvent
from tests.sync.helpers import demo_phone
from tests.sync.images import jpeg

PAIRS = 6
CATEGORY = "06010"


async def test_photos_of_one_ticket_landing_together_complete_it(live, tmp_path):
    a, b = demo_phone(live, tmp_path, "grid01"), demo_phone(live, tmp_path, "grid02")
    await asyncio.gather(a.login(), b.login())
    pairs = []
    for i in range(PAIRS):
        lat, lon = 32.0366 + i * 0.0011, 118.7785  # pairs ≈ 120 m apart; the two of a pair ≈ 5 m
        ids = []
        for n, (p, dlat) in enumerate(((a, 0.0), (b, 0.000045))):
            photo = jpeg(320, 240, seed=1000 + 2 * i + n, noise=True)
            ids.append(uuid.UUID(p.outbox.add_report(category_code=CATEGORY, lat=lat + dlat, lon=lon, photos=[photo],
                                           captured_at=datetime.now(UTC).isoformat(), description=f"同拍 {i}")))
        await a.push_once()
        await b.push_once()  # after a's: joins a's ticket
        pairs.append(ids)
    # Both phones upload their photos in report order, side by side: pair i's two photos are
    # in flight together.
    await asyncio.gather(a.upload_photos(), b.upload_photos())

    async with live.engine.connect() as conn:
        for i, ids in enumerate(pairs):
            rows = (await conn.execute(select(Report.ticket_id, Report.photos_complete)
                                       .where(Report.id.in_(ids)))).all()
            assert len({ticket_id for ticket_id, _ in rows}) == 1, f"pair {i} did not share a ticket"
            assert all(complete for _, complete in rows), f"pair {i}: a report still waits for photos"
            ticket_id = rows[0][0]
            assert (await conn.execute(select(Ticket.photos_complete).where(Ticket.id == ticket_id))).scalar_one(), \
                f"pair {i}: both photos stored, the ticket still says 照片上传中"
            events = (await conn.execute(select(TicketEvent.data).where(
                TicketEvent.ticket_id == ticket_id, TicketEvent.action == "photos_complete"))).scalars().all()
            assert events == [{"photos": 2}], f"pair {i}: {events}"
    for p in (a, b):
        assert p.outbox.pending_photos() == []
        await p.http.aclose()

