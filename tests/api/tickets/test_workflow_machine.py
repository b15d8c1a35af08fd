"""A Hypothesis state machine driving random actions by random roles against service.perform.

Properties: no transition the table forbids ever succeeds; every success writes exactly one
TicketEvent and bumps the version by one; the status afterwards is the table's to-state (or, for
unpark, the status the ticket was parked from); refusals change nothing; an admin with complete
evidence is never refused an action the state allows; and replaying the timeline reproduces the
ticket's status (the hook where statistics-from-events checks belong, see check_statistics).

Hypothesis machines are synchronous, so the async service runs on a private event loop in a
background thread, on its own connection whose outer transaction is rolled back per example.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.db import make_engine
from api.errors import AppError, Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationFailed
from api.tickets.service import perform
from api.tickets.workflow import ACTIONS, RESTORES, TABLE, allowed_actions
from models import Ticket, TicketEvent
from tests.api.stats.invariants import stats_agree_with_ticket
from tests.api.tickets.factories import as_principal, make_city, make_people, make_ticket, sha

ROLES = ("grid_worker", "volunteer", "dispatcher", "unit_handler", "supervisor", "admin")


class _Loop:
    """One event loop in a daemon thread; run(coro) blocks until the coroutine finishes."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


# Statistics computed from events must match ticket states. The stats engineer appends checks
# here: each gets (session, ticket) after every step and asserts (e.g. that the 结案数/返工数
# derived from the timeline agree with ticket.status / ticket.rework_count).
STATS_CHECKS: list[Callable[[AsyncSession, Ticket], Awaitable[None]]] = []
STATS_CHECKS.append(stats_agree_with_ticket)  # 结案数, 返工数, 回退数 … from the timeline


async def check_statistics(session: AsyncSession, ticket: Ticket) -> None:
    events = list((await session.execute(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.at, TicketEvent.id))).scalars())
    status = None
    for e in events:
        if e.to_status is not None:
            assert e.from_status == status, (e.action, e.from_status, status)
            status = e.to_status
    assert status == ticket.status, "replaying the timeline must give the ticket's status"
    assert ticket.rework_count == sum(e.action == "recheck_fail" for e in events)
    assert ticket.return_count == sum(e.action == "return" for e in events)
    assert ticket.extension_count == sum(e.action == "approve_extension" for e in events)
    assert ticket.urge_count == sum(e.action == "urge" for e in events)
    for extra in STATS_CHECKS:
        await extra(session, ticket)


def payload_for(action: str, *, complete: bool, target: Ticket) -> dict[str, Any]:
    if not complete:
        return {}
    fields = TABLE[action].payload.model_fields
    full = {"reason": "理由", "note": "备注", "photos": [sha(action)], "hours": 2.0,
            "into_ticket_id": str(target.id)}
    return {k: v for k, v in full.items() if k in fields}


class WorkflowMachine(RuleBasedStateMachine):
    runner: _Loop
    engine: Any

    def __init__(self) -> None:
        super().__init__()
        self.conn: AsyncConnection | None = None
        self.session: AsyncSession | None = None
        self.successes = 0

    @initialize(start=st.sampled_from(["reported", "pending_verification"]))
    def setup(self, start: str) -> None:
        self.runner.run(self._setup(start))

    async def _setup(self, start: str) -> None:
        self.conn = await self.engine.connect()
        await self.conn.begin()
        self.session = AsyncSession(bind=self.conn, expire_on_commit=False, autoflush=False,
                                    join_transaction_mode="create_savepoint")
        s = self.session
        self.city = await make_city(s)
        self.people = {role: await as_principal(s, user) for role, user in (await make_people(s, self.city)).items()}
        self.ticket = await make_ticket(s, self.city, status=start)
        self.target = await make_ticket(s, self.city, status="filed")  # a merge destination
        s.add(TicketEvent(ticket_id=self.ticket.id, action="report", from_status=None, to_status=start))
        self.status = start
        self.version = 1
        self.parked_from: str | None = None
        await s.flush()

    def teardown(self) -> None:
        if self.conn is not None:
            self.runner.run(self._teardown())

    async def _teardown(self) -> None:
        await self.session.close()
        await self.conn.rollback()
        await self.conn.close()

    async def _events(self) -> int:
        return (await self.session.execute(select(func.count()).select_from(TicketEvent)
                                           .where(TicketEvent.ticket_id == self.ticket.id))).scalar_one()

    @rule(action=st.sampled_from(ACTIONS), role=st.sampled_from(ROLES), complete=st.booleans(),
          stale=st.booleans())
    def act(self, action: str, role: str, complete: bool, stale: bool) -> None:
        self.runner.run(self._act(action, role, complete, stale))

    @rule(data=st.data(), role=st.sampled_from(ROLES))
    def act_as_the_state_allows(self, data: st.DataObject, role: str) -> None:
        """Biased towards progress, so deep states (rework, parking, closing) are reached."""
        self.runner.run(self.session.refresh(self.ticket))
        allowed = allowed_actions(self.ticket)
        action = data.draw(st.sampled_from(allowed))
        fitting = [r for r in ROLES if r in TABLE[action].roles]
        role = data.draw(st.sampled_from(fitting)) if fitting and data.draw(st.booleans()) else role
        self.runner.run(self._act(action, role, True, False))

    async def _act(self, action: str, role: str, complete: bool, stale: bool) -> None:
        s = self.session
        before_events = await self._events()
        await s.refresh(self.ticket)
        state_allows = action in allowed_actions(self.ticket)
        base = self.version - 1 if stale else self.version
        nested = await s.begin_nested()
        try:
            ticket = await perform(session=s, ticket_id=self.ticket.id, action=action, actor=self.people[role],
                                   base_version=base, payload=payload_for(action, complete=complete,
                                                                          target=self.target))
        except AppError as exc:
            await nested.rollback()
            await s.refresh(self.ticket)
            assert self.ticket.status == self.status and self.ticket.version == self.version
            assert await self._events() == before_events, "a refused action left a trace"
            if isinstance(exc, InvalidTransition):
                assert not state_allows and exc.details["allowed"] == allowed_actions(self.ticket)
            elif isinstance(exc, StaleVersion):
                assert stale
            elif isinstance(exc, ValidationFailed):
                assert not complete, exc.details  # complete evidence is never malformed
            else:
                assert isinstance(exc, (Forbidden, NotFound)), exc
                assert role != "admin", (action, exc)
            # Liveness: the admin with complete evidence and the current version is never refused
            # an action the state allows.
            assert not (role == "admin" and complete and not stale and state_allows), (action, exc)
            return
        await nested.commit()
        rule_ = TABLE[action]
        # No transition the table forbids ever succeeds, and only by a role the table names.
        assert state_allows, (self.status, action)
        assert role in rule_.roles, (role, action)
        assert not stale
        expected = self.status if not rule_.changes_status else (
            (self.parked_from or "dispatched") if action in RESTORES else rule_.to_state)
        assert ticket.status == expected, (action, self.status, ticket.status)
        assert ticket.version == self.version + 1
        assert await self._events() == before_events + 1, "exactly one event per success"
        last = (await s.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                .order_by(TicketEvent.at.desc(), TicketEvent.id.desc()).limit(1))).scalar_one()
        assert last.action == action and last.actor_role == role
        if action == "park":
            self.parked_from = self.status
        self.status, self.version = ticket.status, ticket.version
        self.successes += 1

    @invariant()
    def timeline_matches_state(self) -> None:
        if self.session is not None:
            self.runner.run(self._check())

    async def _check(self) -> None:
        await self.session.refresh(self.ticket)
        await check_statistics(self.session, self.ticket)


@pytest.fixture(scope="module")
def runner(database_url):
    loop = _Loop()
    engine = make_engine(database_url)
    yield loop, engine
    loop.run(engine.dispose())
    loop.close()


def test_workflow_state_machine(runner):
    WorkflowMachine.runner, WorkflowMachine.engine = runner
    machine = WorkflowMachine.TestCase
    machine.settings = settings(max_examples=12, stateful_step_count=25, deadline=None,
                                suppress_health_check=list(HealthCheck))
    machine("runTest").runTest()
