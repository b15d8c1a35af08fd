"""The change sequence phones pull from.

`record_change` is called, inside the transaction that makes the change, for every ticket,
report, category or area a phone may hold. `audience` names who may need it: 'all' (reference
data), 'user:<id>' (a reporter), 'unit:<id>' (a unit inbox), 'grid:<id>' (grid workers of that
grid), 'desk' (dispatchers and supervisors). Pass the union of the audience before and after the
change, so someone who loses sight of a ticket still hears about it (and receives `del`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from api.counters import CHANGE_SEQ, take_next
from models import ChangeAudience, ChangeLog, utcnow

ENTITIES = ("ticket", "report", "category", "area")


async def record_change(session: AsyncSession, *, entity: str, entity_id: str, audience: Iterable[str]) -> int:
    if entity not in ENTITIES:
        raise ValueError(f"unknown entity {entity!r}")
    seq = await take_next(session, CHANGE_SEQ)
    session.add(ChangeLog(seq=seq, entity=entity, entity_id=str(entity_id), at=utcnow()))
    for key in sorted(set(audience)):
        session.add(ChangeAudience(key=key, seq=seq))
    await session.flush()
    return seq
