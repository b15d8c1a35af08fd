"""Write a validated city pack in the caller's transaction, idempotently by code.

Upserts only: an import never deletes areas, units, roads, rules or users the pack does not
mention. A unit's jurisdiction and a user's grids are replaced by the pack's lists. Existing
users keep their current password (the pack's password only seeds new accounts; reset a
password through the admin API), so re-importing never undoes a password change.
"""

from __future__ import annotations

import uuid
from collections import Counter as Tally
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.security import hash_password
from api.org.city_version import bump_city_version
from api.org.citypack import CityPack, Known, parse_pack
from models import Area, Category, RoadSegment, RoutingRule, Unit, UnitJurisdiction, User, UserGrid, utcnow
from models.org import AREA_LEVELS
from sync.area_scope import AreaTree, load_tree, queue_new_areas, user_scope
from sync.changes import record_change

Summary = dict[str, dict[str, int]]


async def known_codes(session: AsyncSession) -> Known:
    areas = dict((await session.execute(select(Area.code, Area.level))).all())
    units = set((await session.execute(select(Unit.code))).scalars())
    cats = set((await session.execute(select(Category.code, Category.group_code))).all())
    categories = {c for c, _ in cats} | {g for _, g in cats}
    phones = dict((await session.execute(select(User.phone, User.username).where(User.phone.is_not(None)))).all())
    return Known(areas=areas, units=units, categories=categories, phones=phones)


async def import_city_pack(session: AsyncSession, files: dict[str, bytes]) -> Summary:
    """Validate the whole pack, then write it. Raises CityPackInvalid before writing anything."""
    pack = parse_pack(files, await known_codes(session))
    return await write_pack(session, pack)


async def write_pack(session: AsyncSession, pack: CityPack) -> Summary:
    tally: dict[str, Tally] = {k: Tally() for k in ("areas", "units", "roads", "rules", "users")}
    area_ids = await _write_areas(session, pack, tally["areas"])
    # The areas are final from here on; one tree serves every user's before/after scope.
    tree = await load_tree(session)
    unit_ids = await _write_units(session, pack, area_ids, tally["units"], tree)
    await _write_roads(session, pack, unit_ids, tally["roads"])
    await _write_rules(session, pack, area_ids, unit_ids, tally["rules"])
    if pack.users is not None:
        await _write_users(session, pack, area_ids, unit_ids, tally["users"], tree)
    city_changed = any(tally[k]["created"] or tally[k]["updated"] for k in ("areas", "units", "roads", "rules"))
    if city_changed:
        await bump_city_version(session)
    await session.flush()
    return {k: {"created": t["created"], "updated": t["updated"], "unchanged": t["unchanged"]}
            for k, t in tally.items()}


def _apply(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


async def _code_map(session: AsyncSession, model) -> dict[str, uuid.UUID]:
    return dict((await session.execute(select(model.code, model.id))).all())


async def _write_areas(session, pack: CityPack, tally: Tally) -> dict[str, uuid.UUID]:
    existing = {a.code: a for a in (await session.execute(
        select(Area).where(Area.code.in_([a["code"] for a in pack.areas])))).scalars()}
    ids = await _code_map(session, Area)
    # Parents before children, so every parent id is known when a child is written.
    for item in sorted(pack.areas, key=lambda a: AREA_LEVELS.index(a["level"])):
        values = {"name": item["name"], "level": item["level"],
                  "parent_id": ids[item["parent"]] if item["parent"] else None, "geometry": item["geometry"]}
        row = existing.get(item["code"])
        if row is None:
            row = Area(code=item["code"], **values)
            session.add(row)
            await session.flush()
            ids[row.code] = row.id
            tally["created"] += 1
        elif _apply(row, values):
            row.updated_at = utcnow()
            tally["updated"] += 1
        else:
            tally["unchanged"] += 1
            continue
        await record_change(session, entity="area", entity_id=item["code"], audience=["all"])
    return ids


async def _scopes_of(session, users, tree: AreaTree) -> list[tuple[User, set[uuid.UUID] | None]]:
    """What each user's phone holds now (sync.area_scope), to queue what a change adds to it."""
    return [(user, await user_scope(session, user, tree)) for user in users]


async def _queue_new_areas(session, scopes: list[tuple[User, set[uuid.UUID] | None]], tree: AreaTree) -> None:
    # As the admin API does for one unit or user: the areas a changed jurisdiction, grid list,
    # unit or role brings into a phone's scope reach that phone on its next pull, even though
    # the areas themselves did not change in this import.
    for user, before in scopes:
        await queue_new_areas(session, user, before, tree)


async def _write_units(session, pack: CityPack, area_ids, tally: Tally, tree: AreaTree) -> dict[str, uuid.UUID]:
    existing = {u.code: u for u in (await session.execute(
        select(Unit).where(Unit.code.in_([u["code"] for u in pack.units])))).scalars()}
    rows: dict[str, tuple[Unit, bool]] = {}
    for item in pack.units:
        calendar = {**pack.calendar, **(item["calendar"] or {})}
        values = {"name": item["name"], "dept_type": item["dept_type"], "calendar": calendar,
                  "active": item["active"]}
        row = existing.get(item["code"])
        if row is None:
            row = Unit(code=item["code"], **values)
            session.add(row)
            rows[item["code"]] = (row, True)
        else:
            rows[item["code"]] = (row, _apply(row, values))
    await session.flush()
    ids = await _code_map(session, Unit)
    staff_scopes: list[tuple[User, set[uuid.UUID] | None]] = []
    for item in pack.units:
        row, changed = rows[item["code"]]
        changed |= _apply(row, {"parent_id": ids[item["parent"]] if item["parent"] else None})
        want = {area_ids[c] for c in item["jurisdiction"]}
        have = set((await session.execute(
            select(UnitJurisdiction.area_id).where(UnitJurisdiction.unit_id == row.id))).scalars())
        if want != have:
            changed = True
            if want - have and item["code"] in existing:
                staff = (await session.execute(select(User).where(User.unit_id == row.id))).scalars()
                staff_scopes += await _scopes_of(session, staff, tree)
            await session.execute(delete(UnitJurisdiction).where(UnitJurisdiction.unit_id == row.id,
                                                                 UnitJurisdiction.area_id.in_(have - want)))
            session.add_all(UnitJurisdiction(unit_id=row.id, area_id=a) for a in want - have)
        if item["code"] not in existing:
            tally["created"] += 1
        elif changed:
            row.updated_at = utcnow()
            tally["updated"] += 1
        else:
            tally["unchanged"] += 1
    await session.flush()
    await _queue_new_areas(session, staff_scopes, tree)
    return ids


async def _write_roads(session, pack: CityPack, unit_ids, tally: Tally) -> None:
    existing = {r.code: r for r in (await session.execute(
        select(RoadSegment).where(RoadSegment.code.in_([r["code"] for r in pack.roads])))).scalars()}
    for item in pack.roads:
        values = {"name": item["name"], "geometry": item["geometry"], "buffer_m": float(item["buffer_m"]),
                  "unit_id": unit_ids[item["unit"]], "categories": item["categories"]}
        row = existing.get(item["code"])
        if row is None:
            session.add(RoadSegment(code=item["code"], **values))
            tally["created"] += 1
        elif _apply(row, values):
            row.updated_at = utcnow()
            tally["updated"] += 1
        else:
            tally["unchanged"] += 1
    await session.flush()


async def _write_rules(session, pack: CityPack, area_ids, unit_ids, tally: Tally) -> None:
    for item in pack.rules:
        area_id = area_ids[item["area"]] if item["area"] else None
        unit_id = unit_ids[item["unit"]]
        stmt = select(RoutingRule).where(RoutingRule.category == item["category"], RoutingRule.unit_id == unit_id,
                                         RoutingRule.area_id.is_(None) if area_id is None
                                         else RoutingRule.area_id == area_id)
        row = (await session.execute(stmt)).scalars().first()
        values = {"priority": item["priority"], "active": item["active"]}
        if row is None:
            session.add(RoutingRule(category=item["category"], area_id=area_id, unit_id=unit_id, **values))
            tally["created"] += 1
        elif _apply(row, values):
            tally["updated"] += 1
        else:
            tally["unchanged"] += 1
    await session.flush()


async def _write_users(session, pack: CityPack, area_ids, unit_ids, tally: Tally, tree: AreaTree) -> None:
    users = pack.users or []
    existing = {u.username: u for u in (await session.execute(
        select(User).where(User.username.in_([u["username"] for u in users])))).scalars()}
    scopes: list[tuple[User, set[uuid.UUID] | None]] = []
    for item in users:
        values = {"name": item["name"], "roles": list(dict.fromkeys(item["roles"])),
                  "unit_id": unit_ids[item["unit"]] if item["unit"] else None}
        if item["phone"] is not None:
            values["phone"] = item["phone"]
        want = {area_ids[g] for g in item["grids"]}
        row = existing.get(item["username"])
        created = row is None
        if created:
            row = User(username=item["username"], password_hash=hash_password(item["password"]), **values)
            session.add(row)
            await session.flush()
            have: set[uuid.UUID] = set()  # a new account's phone gets its first sync in full
            changed = True
        else:
            have = set((await session.execute(select(UserGrid.area_id).where(UserGrid.user_id == row.id))).scalars())
            if _widens(row, values, have, want):
                scopes += await _scopes_of(session, [row], tree)  # what the phone holds before the change
            changed = _apply(row, values)
        if want != have:
            changed = True
            await session.execute(delete(UserGrid).where(UserGrid.user_id == row.id,
                                                         UserGrid.area_id.in_(have - want)))
            session.add_all(UserGrid(user_id=row.id, area_id=a) for a in want - have)
        tally["created" if created else "updated" if changed else "unchanged"] += 1
    await session.flush()
    await _queue_new_areas(session, scopes, tree)


def _widens(user: User, values: dict[str, Any], grids_have: set[uuid.UUID], grids_want: set[uuid.UUID]) -> bool:
    """Whether the pack's row may add areas to this user's phone: new grids, unit or roles."""
    return bool(grids_want - grids_have) or values["unit_id"] != user.unit_id \
        or bool(set(values["roles"]) - set(user.roles))
