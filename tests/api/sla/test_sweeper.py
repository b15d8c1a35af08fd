"""The overdue sweeper: marking, events, notifications, change records, concurrency."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from api.app import create_app
from api.db import make_sessionmaker
from api.sla.sweeper import start_sweeper, sweep_once
from models import ChangeAudience, ChangeLog, Notification, Report, Ticket, TicketEvent, Unit, utcnow
from tests.api.stats.builders import make_ticket, ticket_row
from tests.factories import make_area, make_unit, make_user

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 16:00 in Shanghai
PAST = NOW - timedelta(hours=1)


async def events(session, ticket_id, action=None):
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    if action:
        stmt = stmt.where(TicketEvent.action == action)
    return list((await session.execute(stmt)).scalars())


async def notices(session, ticket_id):
    return list((await session.execute(select(Notification).where(Notification.ticket_id == ticket_id))).scalars())


async def fresh(session, ticket):
    await session.refresh(ticket)
    return ticket


class TestSweepOnce:
    async def test_marks_a_late_dispatched_ticket(self, session):
        unit = await make_unit(session)
        grid = await make_area(session)
        reporter = await make_user(session)
        ticket = await make_ticket(session, unit_id=unit.id, grid_id=grid.id, due_at=PAST, status="dispatched")
        session.add(Report(id=uuid.uuid4(), reporter_id=reporter.id, category_code="06010", lat=32, lon=118,
                           captured_at=PAST, ticket_id=ticket.id))
        await session.flush()

        result = await sweep_once(session, NOW)

        assert result.overdue == [ticket.id]
        ticket = await fresh(session, ticket)
        assert ticket.overdue_at == NOW and ticket.version == 2 and ticket.status == "dispatched"
        assert ticket.urge_count == 1
        [overdue] = await events(session, ticket.id, "overdue")
        assert overdue.actor_id is None and overdue.actor_role == "system" and overdue.unit_id == unit.id
        assert (overdue.from_status, overdue.to_status) == ("dispatched", None)  # not a transition
        [urge] = await events(session, ticket.id, "urge")
        assert urge.actor_role == "system"
        got = {(n.unit_id, n.role, n.kind) for n in await notices(session, ticket.id)}
        assert got == {(unit.id, None, "overdue"), (None, "supervisor", "overdue")}
        seq = (await session.execute(select(ChangeLog.seq).where(ChangeLog.entity_id == str(ticket.id)))).scalar_one()
        keys = set((await session.execute(select(ChangeAudience.key).where(ChangeAudience.seq == seq))).scalars())
        assert keys == {"desk", f"unit:{unit.id}", f"grid:{grid.id}", f"user:{reporter.id}"}

    async def test_in_progress_is_marked_too(self, session):
        ticket = await make_ticket(session, status="in_progress", due_at=PAST)
        assert (await sweep_once(session, NOW)).overdue == [ticket.id]

    @pytest.mark.parametrize("kw", [
        {"status": "dispatched", "due_at": NOW + timedelta(minutes=1)},
        {"status": "dispatched", "due_at": NOW},  # due exactly now is not late yet
        {"status": "handled", "due_at": PAST},
        {"status": "parked", "due_at": PAST},
        {"status": "closed", "due_at": PAST},
        {"status": "filed", "due_at": None},
    ])
    async def test_leaves_others_alone(self, session, kw):
        ticket = await make_ticket(session, **kw)
        assert (await sweep_once(session, NOW)).overdue == []
        assert (await fresh(session, ticket)).version == 1
        assert await events(session, ticket.id) == []

    async def test_second_sweep_does_not_mark_again(self, session):
        ticket = await make_ticket(session, due_at=PAST)
        await sweep_once(session, NOW)
        later = await sweep_once(session, NOW + timedelta(hours=2))
        assert later.overdue == []
        assert len(await events(session, ticket.id, "overdue")) == 1
        assert len(await notices(session, ticket.id)) == 1  # supervisors only: no unit on this ticket

    async def test_many_tickets_in_batches(self, session, monkeypatch):
        monkeypatch.setattr("api.sla.sweeper.BATCH", 7)
        unit = await make_unit(session)
        ids = set()
        for i in range(20):
            ids.add((await make_ticket(session, unit_id=unit.id, due_at=PAST - timedelta(minutes=i))).id)
        result = await sweep_once(session, NOW)
        assert set(result.overdue) == ids and len(result.overdue) == 20


class TestRecheckOverdue:
    async def test_notifies_the_grid_workers_once(self, session):
        grid = await make_area(session)
        worker = await make_user(session, roles=["grid_worker"], grids=[grid])
        await make_user(session, roles=["volunteer"], grids=[grid])  # not a re-checker
        ticket = await make_ticket(session, status="handled", grid_id=grid.id, recheck_due_at=PAST)

        result = await sweep_once(session, NOW)
        again = await sweep_once(session, NOW + timedelta(hours=1))

        assert result.recheck_overdue == [ticket.id] and again.recheck_overdue == []
        [notice] = await notices(session, ticket.id)
        assert (notice.user_id, notice.kind) == (worker.id, "recheck_overdue")
        ticket = await fresh(session, ticket)
        assert ticket.status == "handled" and ticket.version == 1 and ticket.overdue_at is None

    async def test_no_worker_on_the_grid_falls_back_to_the_desk(self, session):
        ticket = await make_ticket(session, status="handled", recheck_due_at=PAST)
        await sweep_once(session, NOW)
        [notice] = await notices(session, ticket.id)
        assert (notice.role, notice.user_id) == ("dispatcher", None)

    async def test_not_yet_due(self, session):
        ticket = await make_ticket(session, status="handled", recheck_due_at=NOW + timedelta(minutes=5))
        assert (await sweep_once(session, NOW)).recheck_overdue == []
        assert await notices(session, ticket.id) == []


async def _committed_fixture(engine, n, due=PAST):
    """Committed rows (not the per-test rollback) so separate connections can race on them."""
    maker = make_sessionmaker(engine)
    async with maker() as s:
        unit = Unit(code=f"SWEEP{os.getpid()}{n}", name="并发单位", dept_type="sanitation")
        s.add(unit)
        await s.flush()
        rows = [ticket_row(unit_id=unit.id, due_at=due - timedelta(minutes=i)) for i in range(n)]
        await s.execute(Ticket.__table__.insert(), rows)
        await s.commit()
    return maker, unit.id, [r["id"] for r in rows]


async def _cleanup(maker, unit_id, ids):
    async with maker() as s:
        seqs = select(ChangeLog.seq).where(ChangeLog.entity_id.in_([str(i) for i in ids]))
        await s.execute(delete(ChangeAudience).where(ChangeAudience.seq.in_(seqs)))
        await s.execute(delete(ChangeLog).where(ChangeLog.entity_id.in_([str(i) for i in ids])))
        await s.execute(delete(Notification).where(Notification.ticket_id.in_(ids)))
        await s.execute(delete(TicketEvent).where(TicketEvent.ticket_id.in_(ids)))
        await s.execute(delete(Ticket).where(Ticket.id.in_(ids)))
        await s.execute(delete(Unit).where(Unit.id == unit_id))
        await s.commit()


class TestConcurrentInstances:
    async def test_two_sweeps_at_once_mark_each_ticket_once(self, engine):
        maker, unit_id, ids = await _committed_fixture(engine, 60)
        try:
            async def one_instance():
                async with maker() as s:
                    result = await sweep_once(s, NOW)
                    await s.commit()
                    return result.overdue

            first, second = await asyncio.gather(one_instance(), one_instance())
            assert not set(first) & set(second)
            assert set(first) | set(second) == set(ids)
            async with maker() as s:
                per_ticket = dict((await s.execute(
                    select(TicketEvent.ticket_id, func.count()).where(
                        TicketEvent.ticket_id.in_(ids), TicketEvent.action == "overdue")
                    .group_by(TicketEvent.ticket_id))).all())
                versions = set((await s.execute(select(Ticket.version).where(Ticket.id.in_(ids)))).scalars())
            assert per_ticket == {i: 1 for i in ids}
            assert versions == {2}
        finally:
            await _cleanup(maker, unit_id, ids)

    async def test_locked_rows_are_skipped_not_waited_for(self, engine):
        if engine.dialect.name != "postgresql":
            pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serializes writers instead")
        maker, unit_id, ids = await _committed_fixture(engine, 5)
        try:
            async with maker() as a, maker() as b:
                got_a = (await sweep_once(a, NOW)).overdue  # holds the row locks, not committed
                got_b = (await asyncio.wait_for(sweep_once(b, NOW), timeout=30)).overdue
                await b.commit()
                await a.commit()
            assert set(got_a) == set(ids) and got_b == []
        finally:
            await _cleanup(maker, unit_id, ids)


class TestBackgroundTask:
    async def test_hook_is_idle_unless_enabled(self, settings, sessionmaker):
        app = create_app(settings, sessionmaker=sessionmaker)
        assert settings.run_sweeper is False
        assert await start_sweeper(app) is None

    async def test_hook_runs_the_sweep_and_stops(self, engine, settings):
        maker, unit_id, ids = await _committed_fixture(engine, 3, due=utcnow() - timedelta(hours=1))
        try:
            app = create_app(settings.model_copy(update={"run_sweeper": True, "sweeper_interval_s": 0.05}),
                             sessionmaker=maker)
            stop = await start_sweeper(app)
            assert stop is not None
            for _ in range(200):
                async with maker() as s:
                    marked = (await s.execute(select(func.count()).select_from(Ticket).where(
                        Ticket.id.in_(ids), Ticket.overdue_at.is_not(None)))).scalar_one()
                if marked == len(ids):
                    break
                await asyncio.sleep(0.05)
            await stop()
            assert marked == len(ids)
        finally:
            await _cleanup(maker, unit_id, ids)
