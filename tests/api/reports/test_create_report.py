"""create_report: idempotent intake, routing, duplicate join, and the initial status rules."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from api.errors import Conflict, Forbidden, ValidationFailed
from api.reports.schemas import ReportCreate
from api.reports.service import create_report, haversine_m, mark_photos_stored
from models import Media, Report, RoutingDecision, Ticket, TicketEvent
from tests.api.tickets.factories import City, as_principal, make_ticket, sha
from tests.factories import make_user


def payload(point=City.P1, **kw) -> ReportCreate:
    data = {"report_id": str(uuid.uuid4()), "category_code": "10901", "lat": point[0], "lon": point[1],
            "accuracy_m": 8.0, "captured_at": datetime(2026, 11, 22, 1, 0, tzinfo=UTC).isoformat(),
            "description": "路边暴露垃圾", "photos": [sha("before")], "fixed_on_spot": False, "after_photos": []}
    data.update(kw)
    return ReportCreate.model_validate(data)


async def report_as(session, user, data, client_id=None):
    return await create_report(session=session, actor=await as_principal(session, user), data=data,
                               client_id=client_id)


def north_of(point, metres):
    return (point[0] + metres / 111_195.0, point[1])


async def ticket_events(session, ticket_id):
    rows = await session.execute(select(TicketEvent.action).where(TicketEvent.ticket_id == ticket_id)
                                 .order_by(TicketEvent.at, TicketEvent.id))
    return list(rows.scalars())


class TestSchema:
    def test_unknown_field_refused(self):
        with pytest.raises(ValidationError):
            payload(extra_field=1)

    def test_naive_captured_at_refused(self):
        with pytest.raises(ValidationError):
            payload(captured_at="2026-11-22T01:00:00")

    def test_bad_hash_and_long_description_refused(self):
        with pytest.raises(ValidationError):
            payload(photos=["abc"])
        with pytest.raises(ValidationError):
            payload(description="x" * 501)


class TestGridWorker:
    async def test_files_and_dispatches_itself(self, session, city, people):
        r = await report_as(session, people["grid_worker"], payload(), client_id="phone-1")
        assert r.source == "grid_worker" and r.client_id == "phone-1" and r.grid_id == city.g1.id
        t = await session.get(Ticket, r.ticket_id)
        assert t.status == "dispatched" and t.unit_id == city.cm.id and t.due_at is not None
        assert t.number.startswith("JB") and len(t.number) == len("JB20261122-00001")
        assert t.routing_rule == "jurisdiction" and t.filed_at and t.dispatched_at
        assert await ticket_events(session, t.id) == ["report", "file", "dispatch"]
        actors = (await session.execute(select(TicketEvent.actor_id).where(TicketEvent.ticket_id == t.id))).scalars()
        assert set(actors) == {people["grid_worker"].id}
        decision = (await session.execute(select(RoutingDecision).where(RoutingDecision.ticket_id == t.id))).scalar_one()
        assert decision.unit_id == city.cm.id and decision.rule == "jurisdiction"

    async def test_outside_every_area_waits_in_triage(self, session, city, people):
        r = await report_as(session, people["grid_worker"], payload(point=City.OUTSIDE))
        t = await session.get(Ticket, r.ticket_id)
        assert t.status == "reported" and t.unit_id is None and t.routing_rule == "outside"
        assert await ticket_events(session, t.id) == ["report"]

    async def test_fixed_on_spot_goes_to_handled(self, session, city, people):
        r = await report_as(session, people["grid_worker"], payload(fixed_on_spot=True, after_photos=[sha("a")]))
        t = await session.get(Ticket, r.ticket_id)
        assert t.status == "handled" and t.unit_id is None and t.handled_at is not None

    async def test_fixed_on_spot_without_after_photo_is_an_ordinary_report(self, session, city, people):
        r = await report_as(session, people["grid_worker"], payload(fixed_on_spot=True))
        assert (await session.get(Ticket, r.ticket_id)).status == "dispatched"


class TestVolunteer:
    async def test_needs_verification(self, session, city, people):
        r = await report_as(session, people["volunteer"], payload())
        t = await session.get(Ticket, r.ticket_id)
        assert r.source == "volunteer" and t.status == "pending_verification" and t.unit_id is None
        assert t.suggested_unit_id == city.cm.id

    async def test_category_without_verification_waits_reported(self, session, city, people):
        city.category.needs_verification = False
        await session.flush()
        r = await report_as(session, people["volunteer"], payload())
        assert (await session.get(Ticket, r.ticket_id)).status == "reported"

    async def test_desk_intake_is_reported(self, session, city, people):
        r = await report_as(session, people["dispatcher"], payload())
        assert r.source == "desk" and (await session.get(Ticket, r.ticket_id)).status == "reported"

    async def test_unit_handler_may_not_report(self, session, city, people):
        with pytest.raises(Forbidden):
            await report_as(session, people["unit_handler"], payload())


class TestIdempotency:
    async def test_same_id_same_reporter_returns_stored(self, session, city, people):
        data = payload()
        first = await report_as(session, people["grid_worker"], data)
        again = await report_as(session, people["grid_worker"], data)
        assert again.id == first.id and again.ticket_id == first.ticket_id
        assert (await session.execute(select(Ticket).where(Ticket.id == first.ticket_id))).scalar_one().report_count == 1
        assert len(list((await session.execute(select(Report).where(Report.id == data.report_id))).scalars())) == 1

    async def test_same_id_other_reporter_conflicts(self, session, city, people):
        data = payload()
        await report_as(session, people["grid_worker"], data)
        with pytest.raises(Conflict):
            await report_as(session, people["volunteer"], data)

    async def test_unknown_category(self, session, city, people):
        with pytest.raises(ValidationFailed):
            await report_as(session, people["grid_worker"], payload(category_code="99998"))


class TestDuplicates:
    async def test_joins_within_30_m(self, session, city, people):
        first = await report_as(session, people["grid_worker"], payload())
        other = await make_user(session, roles=["volunteer"])
        second = await report_as(session, other, payload(point=north_of(City.P1, 20)))
        assert second.ticket_id == first.ticket_id
        t = await session.get(Ticket, first.ticket_id)
        await session.refresh(t)
        assert t.report_count == 2 and t.version == 3  # report + file + dispatch; the join does not bump it
        assert await ticket_events(session, t.id) == ["report", "file", "dispatch", "join"]

    async def test_not_at_40_m(self, session, city, people):
        first = await report_as(session, people["grid_worker"], payload())
        second = await report_as(session, people["grid_worker"], payload(point=north_of(City.P1, 40)))
        assert second.ticket_id != first.ticket_id

    async def test_not_into_a_closed_ticket_or_another_category(self, session, city, people):
        closed = await make_ticket(session, city, status="closed")
        r = await report_as(session, people["grid_worker"], payload())
        assert r.ticket_id != closed.id

    def test_haversine(self):
        assert haversine_m(32.0, 118.0, 32.0, 118.0) == 0
        assert math.isclose(haversine_m(32.0, 118.0, 33.0, 118.0), 111_195, rel_tol=1e-3)


class TestPhotosComplete:
    async def test_flips_when_the_last_photo_lands(self, session, city, people):
        r = await report_as(session, people["grid_worker"], payload(photos=[sha("p1"), sha("p2")]))
        t = await session.get(Ticket, r.ticket_id)
        assert r.photos_complete is False and t.photos_complete is False
        for n, h in enumerate((sha("p1"), sha("p2"))):
            session.add(Media(sha256=h, content_type="image/jpeg", size=1, width=1, height=1))
            await session.flush()
            await mark_photos_stored(session, h)
            await session.refresh(r)
            await session.refresh(t)
            assert r.photos_complete is (n == 1) and t.photos_complete is (n == 1)
        assert (await ticket_events(session, t.id))[-1] == "photos_complete"

    async def test_already_stored_photos_are_complete_at_once(self, session, city, people):
        session.add(Media(sha256=sha("s"), content_type="image/jpeg", size=1, width=1, height=1))
        await session.flush()
        r = await report_as(session, people["grid_worker"], payload(photos=[sha("s")]))
        assert r.photos_complete is True

    async def test_an_after_photo_completes_the_ticket_when_it_lands(self, session, city, people):
        from api.tickets.service import perform

        session.add(Media(sha256=sha("before"), content_type="image/jpeg", size=1, width=1, height=1))
        await session.flush()
        r = await report_as(session, people["grid_worker"], payload())
        t = await perform(session=session, ticket_id=r.ticket_id, action="handle", base_version=None,
                          actor=await as_principal(session, people["unit_handler"]),
                          payload={"photos": [sha("after")]})
        assert t.photos_complete is False and t.version == 4
        session.add(Media(sha256=sha("after"), content_type="image/jpeg", size=1, width=1, height=1))
        await session.flush()
        await mark_photos_stored(session, sha("after"))
        await session.refresh(t)
        assert t.photos_complete is True and t.version == 4  # finishing an upload stales nobody
