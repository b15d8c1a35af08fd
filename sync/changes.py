"""The change sequence phones pull from.

`record_change` is called, inside the transaction that makes the change, for every ticket,
report, category or area a phone may hold. `audience` names who may need it: 'all' (reference
data), 'user:<id>' (a reporter), 'unit:<id>' (a unit inbox), 'grid:<id>' (grid workers of that
grid), 'desk' (dispatchers and supervisors). Pass the union of the audience before and after the
change, so someone who loses sight of a ticket still hears about it (and receives `del`).

Numbers come from a row-locked counter, so they are gap-free and in commit order; the lock is
held until the transaction ends. A transaction that does a lot of work after its first change
(a sync push applying a report: routing, filing, dispatching) can *defer* numbering: between
`defer_changes(session)` and `flush_changes(session)` (called right before commit) changes are
only queued, one entry per entity with the union of its audiences. `flush_changes` then:
- on PostgreSQL, writes them to `change_pending`, and a deferred trigger numbers them during
  COMMIT itself (migration 0007): the counter's lock never waits on a client round trip;
- on SQLite (one writer at a time anyway), numbers them as one block at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import BigInteger, Column, DateTime, MetaData, String, Table, Text, insert
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.counters import CHANGE_SEQ, take_next
from models import ChangeAudience, ChangeLog, Counter, utcnow

ENTITIES = ("ticket", "report", "category", "area")
_DEFERRED = "civicloop.deferred_changes"

# PostgreSQL only (migration 0007), so it lives outside the models' metadata.
CHANGE_PENDING = Table(
    "change_pending", MetaData(),
    Column("id", BigInteger, primary_key=True),
    Column("entity", String(16), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("audience", ARRAY(Text), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)


async def record_change(session: AsyncSession, *, entity: str, entity_id: str,
                        audience: Iterable[str]) -> int | None:
    """The change's sequence number, or None while numbering is deferred on this session."""
    if entity not in ENTITIES:
        raise ValueError(f"unknown entity {entity!r}")
    queue: dict[tuple[str, str], set[str]] | None = session.info.get(_DEFERRED)
    if queue is not None:
        key = (entity, str(entity_id))
        keys = queue.pop(key, set()) | set(audience)
        queue[key] = keys  # re-inserted: ordered by the latest change
        return None
    seq = await take_next(session, CHANGE_SEQ)
    session.add(ChangeLog(seq=seq, entity=entity, entity_id=str(entity_id), at=utcnow()))
    for key in sorted(set(audience)):
        session.add(ChangeAudience(key=key, seq=seq))
    await session.flush()
    return seq


def defer_changes(session: AsyncSession) -> None:
    """Queue this session's changes until `flush_changes` (call it right before commit)."""
    session.info[_DEFERRED] = {}


def discard_changes(session: AsyncSession) -> None:
    """Forget queued changes (their effects were rolled back) and stop deferring."""
    session.info.pop(_DEFERRED, None)


async def flush_changes(session: AsyncSession) -> None:
    """Write the queued changes, to be numbered as one block at commit; stops deferring."""
    queue: dict[tuple[str, str], set[str]] | None = session.info.pop(_DEFERRED, None)
    if not queue:
        return
    now = utcnow()
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(insert(CHANGE_PENDING), [
            {"entity": entity, "entity_id": entity_id, "audience": sorted(keys), "at": now}
            for (entity, entity_id), keys in queue.items()])
        return
    last = await _take_block(session, len(queue))
    seqs = range(last - len(queue) + 1, last + 1)
    await session.execute(insert(ChangeLog), [
        {"seq": seq, "entity": entity, "entity_id": entity_id, "at": now}
        for seq, (entity, entity_id) in zip(seqs, queue, strict=True)])
    audience = [{"key": key, "seq": seq} for seq, keys in zip(seqs, queue.values(), strict=True)
                for key in sorted(keys)]
    if audience:
        await session.execute(insert(ChangeAudience), audience)


async def _take_block(session: AsyncSession, n: int) -> int:
    """Like api.counters.take_next, n numbers at once; returns the last."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    upsert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = upsert(Counter).values(name=CHANGE_SEQ, value=n).on_conflict_do_update(
        index_elements=[Counter.name], set_={"value": Counter.value + n})
    return int((await session.execute(stmt.returning(Counter.value))).scalar_one())
