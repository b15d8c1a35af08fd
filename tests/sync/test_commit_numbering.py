"""On PostgreSQL, deferred changes are numbered during COMMIT (migration 0007).

Real commits here (not the rolled-back test transaction): numbers follow commit order, whoever
queued first; a transaction that rolls back takes no number; nothing is left pending.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text

from api.counters import CHANGE_SEQ, peek
from api.db import make_sessionmaker
from models import ChangeAudience, ChangeLog
from sync.changes import defer_changes, flush_changes, record_change


@pytest.fixture
def real_sessions(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("commit-time numbering is PostgreSQL's; SQLite numbers at flush (one writer at a time)")
    return make_sessionmaker(engine)


async def _queue(session, entity_id: str, audience: list[str]) -> None:
    # Numbering at flush time would hold the counter's lock from here on and block the next
    # session: fail fast instead of hanging.
    await session.execute(text("SET LOCAL lock_timeout = '5s'"))
    defer_changes(session)
    await record_change(session, entity="ticket", entity_id=entity_id, audience=audience)
    await flush_changes(session)


async def test_numbers_follow_commit_order_and_rollbacks_take_none(real_sessions):
    first, second, dropped = (f"t-{uuid.uuid4().hex[:8]}" for _ in range(3))
    async with real_sessions() as reader:
        before = await peek(reader, CHANGE_SEQ)
    async with real_sessions() as early, real_sessions() as late, real_sessions() as rolled_back:
        await _queue(early, first, ["desk"])             # queued first, committed last
        await _queue(rolled_back, dropped, ["desk"])
        await _queue(late, second, ["unit:u1", "desk"])
        await late.commit()
        await rolled_back.rollback()
        await early.commit()

    async with real_sessions() as reader:
        rows = (await reader.execute(select(ChangeLog.seq, ChangeLog.entity_id)
                                     .where(ChangeLog.entity_id.in_([first, second, dropped]))
                                     .order_by(ChangeLog.seq))).all()
        assert [tuple(r) for r in rows] == [(before + 1, second), (before + 2, first)]
        assert await peek(reader, CHANGE_SEQ) == before + 2
        keys = (await reader.execute(select(ChangeAudience.key).where(ChangeAudience.seq == before + 1))).scalars()
        assert sorted(keys) == ["desk", "unit:u1"]
        pending = (await reader.execute(text("SELECT count(*) FROM change_pending"))).scalar_one()
        assert pending == 0
