"""Rules for areas and units: validation, city-version bumps and change records (flush, never commit)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import Conflict, NotFound, ValidationFailed
from api.org import repository as repo
from api.org.city_version import bump_city_version
from api.org.citypack import check_geometry, validate_calendar
from api.org.paging import page
from api.org.schemas import (
    AreaCreate,
    AreaPublic,
    AreasPage,
    AreaUpdate,
    UnitCreate,
    UnitPublic,
    UnitsPage,
    UnitUpdate,
)
from models import Area, Unit, User, utcnow
from models.org import AREA_LEVELS
from sync.area_scope import load_tree, queue_new_areas, user_scope
from sync.changes import record_change


def unknown(field: str, values: list[str]) -> ValidationFailed:
    return ValidationFailed(f"unknown {field}: {', '.join(values)}", code="unknown_reference",
                            details={"field": field, "values": values})


# -- areas ----------------------------------------------------------------------------------------


async def area_public(session: AsyncSession, areas: list[Area], *, geometry: bool = True) -> list[AreaPublic]:
    parents = await repo.codes_by_id(session, Area, (a.parent_id for a in areas))
    return [AreaPublic(id=a.id, code=a.code, name=a.name, level=a.level, parent=parents.get(a.parent_id),
                       geometry=a.geometry if geometry else None, updated_at=a.updated_at) for a in areas]


async def list_areas(*, session: AsyncSession, level: str | None, parent: str | None, q: str | None,
                     with_geometry: bool, cursor: str | None, limit: int) -> AreasPage:
    parent_id = None
    if parent:
        parent_area = await repo.area_by_code(session, parent)
        if parent_area is None:
            return AreasPage(items=[], next_cursor=None)
        parent_id = parent_area.id
    rows, next_cursor = await page(session, repo.areas_query(level=level, parent_id=parent_id, q=q), Area.code,
                                   cursor=cursor, limit=limit)
    return AreasPage(items=await area_public(session, rows, geometry=with_geometry), next_cursor=next_cursor)


async def get_area(*, session: AsyncSession, code: str) -> Area:
    area = await repo.area_by_code(session, code)
    if area is None:
        raise NotFound(f"no area with code {code}", code="area_not_found")
    return area


def _geometry(geometry) -> dict:
    geom, problem = check_geometry(geometry, ("Polygon", "MultiPolygon"))
    if problem:
        raise ValidationFailed(problem, code="invalid_geometry", details={"field": "geometry", "problem": problem})
    return geom


async def _area_written(session: AsyncSession, area: Area) -> None:
    await bump_city_version(session)
    await record_change(session, entity="area", entity_id=area.code, audience=["all"])


async def create_area(*, session: AsyncSession, data: AreaCreate) -> Area:
    if await repo.area_by_code(session, data.code):
        raise Conflict(f"an area with code {data.code} exists", code="area_exists")
    want = AREA_LEVELS.index(data.level) - 1
    parent_id = None
    if data.parent is None and want >= 0:
        raise ValidationFailed(f"a {data.level} needs a parent {AREA_LEVELS[want]}", code="invalid_parent",
                               details={"field": "parent"})
    if data.parent is not None:
        parent = await repo.area_by_code(session, data.parent)
        if parent is None:
            raise unknown("parent", [data.parent])
        if want < 0 or parent.level != AREA_LEVELS[want]:
            raise ValidationFailed(f"a {data.level} cannot sit under a {parent.level}", code="invalid_parent",
                                   details={"field": "parent"})
        parent_id = parent.id
    area = Area(code=data.code, name=data.name, level=data.level, parent_id=parent_id,
                geometry=_geometry(data.geometry))
    session.add(area)
    await session.flush()
    await _area_written(session, area)
    return area


async def update_area(*, session: AsyncSession, area: Area, data: AreaUpdate) -> Area:
    if data.name is not None:
        area.name = data.name
    if data.geometry is not None:
        area.geometry = _geometry(data.geometry)
    area.updated_at = utcnow()
    await session.flush()
    await _area_written(session, area)
    return area


# -- units ----------------------------------------------------------------------------------------


async def unit_public(session: AsyncSession, units: list[Unit]) -> list[UnitPublic]:
    parents = await repo.codes_by_id(session, Unit, (u.parent_id for u in units))
    juris = await repo.jurisdictions(session, [u.id for u in units])
    return [UnitPublic(id=u.id, code=u.code, name=u.name, dept_type=u.dept_type, jurisdiction=juris.get(u.id, []),
                       parent=parents.get(u.parent_id), calendar=u.calendar, active=u.active,
                       updated_at=u.updated_at) for u in units]


async def list_units(*, session: AsyncSession, dept_type: str | None, area: str | None, q: str | None,
                     active: bool | None, cursor: str | None, limit: int) -> UnitsPage:
    area_id = None
    if area:
        found = await repo.area_by_code(session, area)
        if found is None:
            return UnitsPage(items=[], next_cursor=None)
        area_id = found.id
    stmt = repo.units_query(dept_type=dept_type, area_id=area_id, q=q, active=active)
    rows, next_cursor = await page(session, stmt, Unit.code, cursor=cursor, limit=limit)
    return UnitsPage(items=await unit_public(session, rows), next_cursor=next_cursor)


async def get_unit(*, session: AsyncSession, code: str) -> Unit:
    unit = await repo.unit_by_code(session, code)
    if unit is None:
        raise NotFound(f"no unit with code {code}", code="unit_not_found")
    return unit


def _calendar(calendar: dict) -> dict:
    problems = validate_calendar(calendar)
    if problems:
        raise ValidationFailed("the working calendar is not valid", code="invalid_calendar",
                               details={"field": "calendar",
                                        "problems": [{"field": f, "message": m} for f, m in problems]})
    return calendar


async def _area_ids(session: AsyncSession, codes: list[str]) -> set:
    ids = await repo.ids_by_code(session, Area, codes)
    missing = sorted(set(codes) - set(ids))
    if missing:
        raise unknown("jurisdiction", missing)
    return set(ids.values())


async def _parent_id(session: AsyncSession, unit: Unit | None, parent: str | None):
    if parent is None:
        return None
    found = await repo.unit_by_code(session, parent)
    if found is None:
        raise unknown("parent", [parent])
    # Walk up from the new parent: meeting the unit itself would close a loop.
    seen, cursor = set(), found
    while cursor is not None and unit is not None and cursor.id not in seen:
        if cursor.id == unit.id:
            raise ValidationFailed("a unit cannot be its own ancestor", code="invalid_parent",
                                   details={"field": "parent"})
        seen.add(cursor.id)
        cursor = await session.get(Unit, cursor.parent_id) if cursor.parent_id else None
    return found.id


async def create_unit(*, session: AsyncSession, data: UnitCreate) -> Unit:
    if await repo.unit_by_code(session, data.code):
        raise Conflict(f"a unit with code {data.code} exists", code="unit_exists")
    areas = await _area_ids(session, data.jurisdiction)
    unit = Unit(code=data.code, name=data.name, dept_type=data.dept_type, calendar=_calendar(data.calendar),
                parent_id=await _parent_id(session, None, data.parent), active=data.active)
    session.add(unit)
    await session.flush()
    await repo.set_jurisdiction(session, unit.id, areas)
    await bump_city_version(session)
    return unit


async def update_unit(*, session: AsyncSession, unit: Unit, data: UnitUpdate) -> Unit:
    sent = data.model_fields_set
    for name in ("name", "dept_type", "active"):
        value = getattr(data, name)
        if name in sent and value is not None:
            setattr(unit, name, value)
    if "calendar" in sent:
        unit.calendar = _calendar(data.calendar or {})
    if "parent" in sent:
        unit.parent_id = await _parent_id(session, unit, data.parent)
    staff: list[tuple[User, set[uuid.UUID] | None]] = []
    tree = None
    if "jurisdiction" in sent:
        # Their phones keep the unit's areas (sync.area_scope): note what they hold now.
        tree = await load_tree(session)  # the areas themselves do not change here
        for user in (await session.execute(select(User).where(User.unit_id == unit.id))).scalars():
            staff.append((user, await user_scope(session, user, tree)))
        await repo.set_jurisdiction(session, unit.id, await _area_ids(session, data.jurisdiction or []))
    unit.updated_at = utcnow()
    await session.flush()
    for user, before in staff:
        await queue_new_areas(session, user, before, tree)
    await bump_city_version(session)
    return unit
