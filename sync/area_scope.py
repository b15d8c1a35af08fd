"""Which areas a phone keeps: DESIGN §6's "reference data (categories, their areas)".

Areas travel with their polygons, and a city can have thousands of grids, so a phone gets the
areas its user works in, not the whole city:

- desk roles (dispatcher, supervisor, admin): every area;
- a grid worker: their grids, the other grids of the same communities (a problem across the
  street is still theirs to report), and the ancestors up to the district;
- unit staff: their unit's jurisdiction, everything under it, and its ancestors;
- anyone else (volunteers, staff of a unit without a jurisdiction): the coarse levels (district,
  street, community), so the report screen's map, which has no tiles, still has outlines.

A user holding several roles gets the union.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.deps import load_principal
from models import Area, UnitJurisdiction, User
from sync.changes import record_change

DESK_ROLES = ("dispatcher", "supervisor", "admin")
COARSE_LEVELS = ("district", "street", "community")


@dataclass(frozen=True)
class AreaTree:
    """Every area's parent, children and level (no polygons): one read serves many scopes."""

    parent: dict[uuid.UUID, uuid.UUID | None]
    children: dict[uuid.UUID | None, list[uuid.UUID]]
    coarse: frozenset[uuid.UUID]


async def load_tree(session: AsyncSession) -> AreaTree:
    rows = (await session.execute(select(Area.id, Area.parent_id, Area.level))).all()
    children: dict[uuid.UUID | None, list[uuid.UUID]] = defaultdict(list)
    for area_id, parent_id, _ in rows:
        children[parent_id].append(area_id)
    return AreaTree(parent={area_id: parent_id for area_id, parent_id, _ in rows}, children=children,
                    coarse=frozenset(area_id for area_id, _, level in rows if level in COARSE_LEVELS))


async def area_scope(session: AsyncSession, principal, tree: AreaTree | None = None) -> set[uuid.UUID] | None:
    """The ids of the areas this user's phone keeps; None means every area."""
    if principal.has(*DESK_ROLES):
        return None
    tree = tree or await load_tree(session)
    parent, children = tree.parent, tree.children

    scope: set[uuid.UUID] = set()
    for grid in principal.grid_ids:
        if grid in parent:
            scope.update(children[parent[grid]] if parent[grid] is not None else [grid])
    if principal.unit_id is not None:
        jurisdiction = (await session.execute(select(UnitJurisdiction.area_id)
                                              .where(UnitJurisdiction.unit_id == principal.unit_id))).scalars()
        stack = [a for a in jurisdiction if a in parent]
        while stack:
            area_id = stack.pop()
            if area_id not in scope:
                scope.add(area_id)
                stack.extend(children[area_id])
    if not scope:
        return set(tree.coarse)
    for area_id in list(scope):  # and every ancestor, for names and outlines
        up = parent.get(area_id)
        while up is not None and up not in scope:
            scope.add(up)
            up = parent.get(up)
    return scope


async def user_scope(session: AsyncSession, user: User, tree: AreaTree | None = None) -> set[uuid.UUID] | None:
    """area_scope for a user as their next request would see them."""
    return await area_scope(session, await load_principal(session, user), tree)


async def queue_new_areas(session: AsyncSession, user: User, before: set[uuid.UUID] | None,
                          tree: AreaTree | None = None) -> None:
    """After an admin changed what `user` works on (grids, unit, roles, a unit's jurisdiction):
    queue the areas their phone does not hold yet to that user alone, so the next pull brings them.
    `before` is user_scope from before the change. Areas that left the scope are not taken back."""
    if before is None:
        return  # the phone already holds every area
    after = await user_scope(session, user, tree)
    new = Area.id.not_in(before) if after is None else Area.id.in_(after - before)
    for code in sorted((await session.execute(select(Area.code).where(new))).scalars()):
        await record_change(session, entity="area", entity_id=code, audience={f"user:{user.id}"})
