"""Statistics from the timeline agree with ticket states along real workflow paths.

Seeded random walks through `api.tickets.service.perform` (as the admin, with complete evidence),
biased away from the early exits (reject, merge) so that dispatch, rework, extensions, returns,
parking and closing are reached; after every step `stats_agree_with_ticket` compares the counts
the statistics derive for the ticket with the ticket's own columns.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from api.sla.calendar import SHANGHAI
from api.stats.metrics import Counts
from api.stats.period import Period
from api.stats.repository import collect
from api.tickets.service import perform
from api.tickets.workflow import TABLE, allowed_actions
from models import Ticket, utcnow
from tests.api.stats.invariants import stats_agree_with_ticket
from tests.api.tickets.factories import as_principal, make_city, make_people, make_ticket, sha

EARLY_EXITS = {"reject", "merge"}
SEEDS = range(12)


def payload(action: str, step: int, target: Ticket) -> dict:
    fields = TABLE[action].payload.model_fields
    full = {"reason": "理由", "note": "备注", "photos": [sha(f"{action}{step}")], "hours": 2.0,
            "into_ticket_id": str(target.id)}
    return {k: v for k, v in full.items() if k in fields}


async def walk(session, seed: int, *, check: bool, city=None, admin=None) -> set[str]:
    rng = random.Random(seed)
    if city is None:
        city = await make_city(session)
        admin = await as_principal(session, (await make_people(session, city))["admin"])
    ticket = await make_ticket(session, city, status="filed")
    target = await make_ticket(session, city, status="filed")
    done: set[str] = set()
    for step in range(40):
        await session.refresh(ticket)
        allowed = allowed_actions(ticket)
        if not allowed:
            break
        progress = [a for a in allowed if a not in EARLY_EXITS]
        action = rng.choice(progress if progress and (step < 35 or rng.random() < 0.7) else allowed)
        ticket = await perform(session=session, ticket_id=ticket.id, action=action, actor=admin,
                               base_version=ticket.version, payload=payload(action, step, target))
        done.add(action)
        if check:
            await stats_agree_with_ticket(session, ticket)
    return done


@pytest.mark.parametrize("seed", SEEDS)
async def test_random_walk_keeps_statistics_consistent(session, seed):
    await walk(session, seed, check=True)


async def test_the_walks_reach_the_deep_states(session):
    """The walks are only worth something if they reach closing, rework, extensions and returns."""
    reached: set[str] = set()
    city = await make_city(session)
    admin = await as_principal(session, (await make_people(session, city))["admin"])
    for seed in SEEDS:
        reached |= await walk(session, seed, check=False, city=city, admin=admin)
    assert {"dispatch", "handle", "recheck_fail", "approve_extension", "return", "park", "unpark"} <= reached
    assert reached & {"recheck_pass", "close"}


async def test_closed_count_equals_closed_tickets(session):
    """结案数 over a period covering everything equals the number of closed dispatched tickets."""
    city = await make_city(session)
    admin = await as_principal(session, (await make_people(session, city))["admin"])
    target = await make_ticket(session, city, status="filed")
    paths = [["dispatch", "sign", "handle", "recheck_pass"], ["dispatch", "sign", "handle", "recheck_fail"],
             ["dispatch", "sign", "handle", "recheck_fail", "handle", "recheck_pass"], ["dispatch"],
             ["dispatch", "handle", "close"]]
    tickets = []
    for path in paths:
        ticket = await make_ticket(session, city, status="filed")
        for step, action in enumerate(path):
            await session.refresh(ticket)
            assert action in allowed_actions(ticket), (action, ticket.status)
            ticket = await perform(session=session, ticket_id=ticket.id, action=action, actor=admin,
                                   base_version=ticket.version, payload=payload(action, step, target))
        tickets.append(ticket)
    today = utcnow().astimezone(SHANGHAI).date()
    period = Period(today - timedelta(days=1), today + timedelta(days=30), "all")
    got = (await collect(session, period=period, now=utcnow(), keys=[],
                         scope=Ticket.id.in_([t.id for t in tickets]))).get((), Counts())
    assert [t.status for t in tickets] == ["closed", "in_progress", "closed", "dispatched", "closed"]
    assert (got.to_close, got.closed, got.reworked, got.handled) == (5, 3, 2, 4)
