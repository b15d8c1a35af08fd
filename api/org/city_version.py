"""A version number for the city's geography and duties.

Every change to areas, roads, units, jurisdictions or routing rules bumps it in the same
transaction; each app instance compares it with the version its in-memory routing index was
built from and rebuilds when they differ. Works with any number of instances.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from api.counters import CITY_VERSION, peek, take_next


async def bump_city_version(session: AsyncSession) -> int:
    return await take_next(session, CITY_VERSION)


async def current_city_version(session: AsyncSession) -> int:
    return await peek(session, CITY_VERSION)
