"""Named counters in the `counter` table.

Taking the next value is an upsert that row-locks the counter until the transaction ends. Two
consequences we rely on: values are gap-free (a rolled-back transaction rolls its increment back)
and they appear in commit order (the next taker waits for the previous commit), which is what
lets phones pull "everything after N" without ever skipping a late commit.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import Counter

CHANGE_SEQ = "change_seq"
CITY_VERSION = "city_version"
TICKET_NUMBER = "ticket_number"


async def take_next(session: AsyncSession, name: str) -> int:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Counter).values(name=name, value=1)
    stmt = stmt.on_conflict_do_update(index_elements=[Counter.name], set_={"value": Counter.value + 1})
    result = await session.execute(stmt.returning(Counter.value))
    return int(result.scalar_one())


async def peek(session: AsyncSession, name: str) -> int:
    value = (await session.execute(select(Counter.value).where(Counter.name == name))).scalar_one_or_none()
    return int(value or 0)
