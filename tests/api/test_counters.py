"""The change sequence is gap-free and in commit order; a rollback gives its number back."""

from sqlalchemy import select

from api.counters import CHANGE_SEQ, peek, take_next
from models import ChangeAudience, ChangeLog
from sync.changes import record_change


async def test_values_increase_by_one(session):
    start = await peek(session, "test_counter")
    assert [await take_next(session, "test_counter") for _ in range(3)] == [start + 1, start + 2, start + 3]


async def test_rollback_returns_the_number(sessionmaker):
    async with sessionmaker() as s:
        before = await peek(s, CHANGE_SEQ)
    async with sessionmaker() as s:
        await take_next(s, CHANGE_SEQ)
        await s.rollback()
    async with sessionmaker() as s:
        assert await take_next(s, CHANGE_SEQ) == before + 1


async def test_record_change_writes_log_and_audience(session):
    seq = await record_change(session, entity="ticket", entity_id="t1", audience=["unit:a", "desk", "unit:a"])
    log = (await session.execute(select(ChangeLog).where(ChangeLog.seq == seq))).scalar_one()
    assert (log.entity, log.entity_id) == ("ticket", "t1")
    keys = (await session.execute(select(ChangeAudience.key).where(ChangeAudience.seq == seq))).scalars().all()
    assert sorted(keys) == ["desk", "unit:a"]
