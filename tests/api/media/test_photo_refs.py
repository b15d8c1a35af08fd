"""Every photo a report or ticket event names is indexed by hash (photo_ref), whatever path wrote it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from models import PhotoRef, Report, Ticket, TicketEvent
from tests.api.media.test_media import URL, put
from tests.factories import make_category, make_unit, make_user
from tests.sync.helpers import bearer
from tests.sync.images import jpeg, sha

A, B, C = "a" * 64, "b" * 64, "c" * 64


async def _ticket(session, *, unit_id=None) -> Ticket:
    category = await make_category(session)
    ticket = Ticket(number=f"T{uuid.uuid4().hex[:10]}", status="dispatched", category_code=category.code,
                    lat=32.0, lon=118.0, unit_id=unit_id)
    session.add(ticket)
    await session.flush()
    return ticket


async def _refs(session) -> set[tuple[str, uuid.UUID | None, uuid.UUID | None]]:
    return set((await session.execute(select(PhotoRef.sha256, PhotoRef.report_id, PhotoRef.event_id))).all())


async def test_reports_and_events_index_each_of_their_photos_once(session):
    reporter = await make_user(session, roles=["grid_worker"])
    ticket = await _ticket(session)
    report = Report(id=uuid.uuid4(), reporter_id=reporter.id, category_code=ticket.category_code, lat=32.0,
                    lon=118.0, captured_at=datetime.now(UTC), photos=[A, B, A], after_photos=[B, C],
                    ticket_id=ticket.id)
    handled = TicketEvent(ticket_id=ticket.id, action="handle", at=datetime.now(UTC), photos=[C])
    plain = TicketEvent(ticket_id=ticket.id, action="sign", at=datetime.now(UTC))
    session.add_all([report, handled, plain])
    await session.flush()

    assert await _refs(session) == {(A, report.id, None), (B, report.id, None), (C, report.id, None),
                                    (C, None, handled.id)}

    # A later flush that changes the report (not a new row) indexes nothing again.
    report.description = "edited"
    await session.flush()
    assert len(await _refs(session)) == 4


async def test_a_photo_only_on_a_ticket_event_is_served_to_who_may_see_that_ticket(client, session):
    unit, other_unit = await make_unit(session), await make_unit(session)
    handler = await make_user(session, roles=["unit_handler"], unit_id=unit.id)
    colleague = await make_user(session, roles=["unit_handler"], unit_id=unit.id)
    stranger = await make_user(session, roles=["unit_handler"], unit_id=other_unit.id)
    data = jpeg(300, 200, seed=11)
    name = sha(data)
    assert (await put(client, bearer(handler), data)).status_code == 201
    ticket = await _ticket(session, unit_id=unit.id)
    session.add(TicketEvent(ticket_id=ticket.id, action="handle", at=datetime.now(UTC), photos=[name],
                            actor_id=handler.id))
    await session.flush()

    assert (await client.get(URL + name + "/thumb", headers=bearer(colleague))).status_code == 200
    r = await client.get(URL + name + "/thumb", headers=bearer(stranger))
    assert r.status_code == 403 and r.json()["error"]["code"] == "media_forbidden"
