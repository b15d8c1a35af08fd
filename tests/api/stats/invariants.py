"""Statistics computed from the timeline must agree with the ticket's own columns and state.

Used as a check in the workflow state machine (tests/api/tickets/test_workflow_machine.py):
after every step, the counts `api.stats.repository.collect` derives for the one ticket are
compared with what the ticket says about itself.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.sla.calendar import SHANGHAI
from api.stats.metrics import Counts
from api.stats.period import Period
from api.stats.repository import CLOCK_RUNNING, OUT_OF_COHORT, collect
from models import Ticket, TicketEvent, utcnow


async def stats_agree_with_ticket(session: AsyncSession, ticket: Ticket) -> None:
    now = utcnow()
    today = now.astimezone(SHANGHAI).date()
    # Wide enough for every milestone and deadline the machine can produce.
    period = Period(today - timedelta(days=7), today + timedelta(days=400), "machine")
    got = (await collect(session, period=period, now=now, keys=[], scope=Ticket.id == ticket.id)).get((), Counts())

    async def events(*actions: str) -> int:
        return (await session.execute(select(func.count()).select_from(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.action.in_(actions)))).scalar_one()

    assert got.reported == 1
    assert got.filed == (ticket.filed_at is not None)
    assert got.valid_reported == (ticket.filed_at is not None or ticket.status == "merged")
    in_cohort = (ticket.dispatched_at is not None and ticket.due_at is not None
                 and ticket.status not in OUT_OF_COHORT)
    assert got.to_close == got.to_handle == in_cohort, (ticket.status, ticket.due_at)
    if in_cohort:
        assert got.closed == (ticket.status == "closed")  # 结案数 = closed tickets
        assert got.handled == (ticket.handled_at is not None)
        assert got.reworked == (ticket.rework_count > 0)  # 返工 from events = the column
        assert got.extended == (ticket.extension_count > 0)
        assert got.closed_on_time <= got.closed and got.handled_on_time <= got.handled
        assert got.overdue_unhandled == (ticket.status in CLOCK_RUNNING and ticket.due_at < now)
    else:
        assert (got.closed, got.handled, got.reworked, got.extended) == (0, 0, 0, 0)
    assert got.returned == ticket.return_count == await events("return")
    assert got.to_dispatch == await events("dispatch", "redispatch")
    assert got.overdue_backlog == (ticket.status in CLOCK_RUNNING and ticket.due_at is not None
                                   and ticket.due_at < now)
    assert got.to_recheck <= await events("handle")
