"""SQL for areas and units."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import Select, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Area, Unit, UnitJurisdiction


async def area_by_code(session: AsyncSession, code: str) -> Area | None:
    return (await session.execute(select(Area).where(Area.code == code))).scalars().first()


async def unit_by_code(session: AsyncSession, code: str) -> Unit | None:
    return (await session.execute(select(Unit).where(Unit.code == code))).scalars().first()


async def codes_by_id(session: AsyncSession, model, ids) -> dict[uuid.UUID, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict((await session.execute(select(model.id, model.code).where(model.id.in_(ids)))).all())


async def ids_by_code(session: AsyncSession, model, codes) -> dict[str, uuid.UUID]:
    codes = set(codes)
    if not codes:
        return {}
    return dict((await session.execute(select(model.code, model.id).where(model.code.in_(codes)))).all())


def areas_query(*, level: str | None, parent_id: uuid.UUID | None, q: str | None) -> Select:
    stmt = select(Area)
    if level:
        stmt = stmt.where(Area.level == level)
    if parent_id:
        stmt = stmt.where(Area.parent_id == parent_id)
    if q:
        stmt = stmt.where(or_(Area.code.contains(q, autoescape=True), Area.name.contains(q, autoescape=True)))
    return stmt


def units_query(*, dept_type: str | None, area_id: uuid.UUID | None, q: str | None, active: bool | None) -> Select:
    stmt = select(Unit)
    if dept_type:
        stmt = stmt.where(Unit.dept_type == dept_type)
    if area_id:
        stmt = stmt.where(Unit.id.in_(select(UnitJurisdiction.unit_id).where(UnitJurisdiction.area_id == area_id)))
    if active is not None:
        stmt = stmt.where(Unit.active == active)
    if q:
        stmt = stmt.where(or_(Unit.code.contains(q, autoescape=True), Unit.name.contains(q, autoescape=True)))
    return stmt


async def jurisdictions(session: AsyncSession, unit_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    out: dict[uuid.UUID, list[str]] = defaultdict(list)
    if unit_ids:
        rows = await session.execute(select(UnitJurisdiction.unit_id, Area.code)
                                     .join(Area, Area.id == UnitJurisdiction.area_id)
                                     .where(UnitJurisdiction.unit_id.in_(unit_ids)).order_by(Area.code))
        for unit_id, code in rows.all():
            out[unit_id].append(code)
    return out


async def set_jurisdiction(session: AsyncSession, unit_id: uuid.UUID, area_ids: set[uuid.UUID]) -> None:
    await session.execute(delete(UnitJurisdiction).where(UnitJurisdiction.unit_id == unit_id))
    session.add_all(UnitJurisdiction(unit_id=unit_id, area_id=a) for a in area_ids)
    await session.flush()
