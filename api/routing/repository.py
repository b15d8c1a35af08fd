"""Every SQL statement routing needs: the snapshot load and the rules table."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.counters import CITY_VERSION
from api.routing.index import CitySnapshot
from models import Area, Category, Counter, RoadSegment, RoutingRule, Unit, UnitJurisdiction


async def load_snapshot(session: AsyncSession, version: int) -> CitySnapshot:
    areas = [dict(r._mapping) for r in await session.execute(
        select(Area.id, Area.code, Area.name, Area.level, Area.parent_id, Area.geometry))]
    units = [dict(r._mapping) for r in await session.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.dept_type, Unit.active))]
    jurisdictions = [tuple(r) for r in await session.execute(select(UnitJurisdiction.unit_id, UnitJurisdiction.area_id))]
    roads = [dict(r._mapping) for r in await session.execute(
        select(RoadSegment.id, RoadSegment.code, RoadSegment.name, RoadSegment.geometry, RoadSegment.buffer_m,
               RoadSegment.unit_id, RoadSegment.categories))]
    rules = [dict(r._mapping) for r in await session.execute(
        select(RoutingRule.id, RoutingRule.category, RoutingRule.area_id, RoutingRule.unit_id,
               RoutingRule.priority, RoutingRule.active))]
    # Building is CPU work (parsing and indexing every polygon): keep it off the event loop.
    return await asyncio.to_thread(CitySnapshot.build, version=version, areas=areas, units=units,
                                   jurisdictions=jurisdictions, roads=roads, rules=rules)


async def city_version_key(session: AsyncSession) -> tuple[int, str | None]:
    """The city version (api.org.city_version) and, on PostgreSQL, the row version holding it.

    SQLite has no row versions: there a bump that rolls back *after* routing in its own
    transaction could leave the index stale until the next bump (nothing does that today)."""
    if session.bind.dialect.name == "postgresql":
        row = (await session.execute(text(f"SELECT value, xmin::text FROM {Counter.__tablename__} WHERE name = :n"),
                                     {"n": CITY_VERSION})).first()
        return (int(row[0]), row[1]) if row else (0, None)
    value = (await session.execute(select(Counter.value).where(Counter.name == CITY_VERSION))).scalar()
    return (int(value or 0), None)


async def get_category(session: AsyncSession, code: str) -> Category | None:
    return (await session.execute(select(Category).where(Category.code == code))).scalar_one_or_none()


async def group_exists(session: AsyncSession, group: str) -> bool:
    found = await session.execute(select(Category.id).where(Category.group_code == group).limit(1))
    return found.first() is not None


async def get_area_by_code(session: AsyncSession, code: str) -> Area | None:
    return (await session.execute(select(Area).where(Area.code == code))).scalar_one_or_none()


async def get_unit_by_code(session: AsyncSession, code: str) -> Unit | None:
    return (await session.execute(select(Unit).where(Unit.code == code))).scalar_one_or_none()


async def get_rule(session: AsyncSession, rule_id: uuid.UUID) -> RoutingRule | None:
    return await session.get(RoutingRule, rule_id)


async def find_rule(session: AsyncSession, *, category: str, area_id: uuid.UUID | None,
                    unit_id: uuid.UUID) -> RoutingRule | None:
    stmt = select(RoutingRule).where(RoutingRule.category == category, RoutingRule.unit_id == unit_id,
                                     RoutingRule.area_id.is_(None) if area_id is None
                                     else RoutingRule.area_id == area_id)
    return (await session.execute(stmt)).scalars().first()


async def list_rules(session: AsyncSession, *, category: str | None, area_id: uuid.UUID | None,
                     unit_id: uuid.UUID | None, after: tuple[str, uuid.UUID] | None,
                     limit: int) -> Sequence[tuple[RoutingRule, str | None, str, str]]:
    """Rules with their area code, unit code and unit name, ordered by (category, id)."""
    stmt = (select(RoutingRule, Area.code, Unit.code, Unit.name)
            .join(Unit, Unit.id == RoutingRule.unit_id)
            .outerjoin(Area, Area.id == RoutingRule.area_id)
            .order_by(RoutingRule.category, RoutingRule.id).limit(limit))
    if category is not None:
        stmt = stmt.where(RoutingRule.category == category)
    if area_id is not None:
        stmt = stmt.where(RoutingRule.area_id == area_id)
    if unit_id is not None:
        stmt = stmt.where(RoutingRule.unit_id == unit_id)
    if after is not None:
        cat, rid = after
        stmt = stmt.where((RoutingRule.category > cat) | ((RoutingRule.category == cat) & (RoutingRule.id > rid)))
    return [tuple(r) for r in (await session.execute(stmt)).all()]
