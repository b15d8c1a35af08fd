"""SQL for user admin."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import Select, String, cast, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Area, Unit, User, UserGrid


async def by_username(session: AsyncSession, username: str) -> User | None:
    return (await session.execute(select(User).where(User.username == username))).scalars().first()


async def by_phone(session: AsyncSession, phone: str) -> User | None:
    return (await session.execute(select(User).where(User.phone == phone))).scalars().first()


def users_query(*, role: str | None, unit_id: uuid.UUID | None, q: str | None, active: bool | None) -> Select:
    stmt = select(User)
    if role:
        # Roles are a JSON list of fixed names; its text form holds '"role"' on both databases.
        stmt = stmt.where(cast(User.roles, String).contains(f'"{role}"'))
    if unit_id:
        stmt = stmt.where(User.unit_id == unit_id)
    if active is not None:
        stmt = stmt.where(User.active == active)
    if q:
        stmt = stmt.where(or_(User.username.contains(q, autoescape=True), User.name.contains(q, autoescape=True),
                              User.phone.contains(q, autoescape=True)))
    return stmt


async def grid_codes(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    out: dict[uuid.UUID, list[str]] = defaultdict(list)
    if user_ids:
        rows = await session.execute(select(UserGrid.user_id, Area.code).join(Area, Area.id == UserGrid.area_id)
                                     .where(UserGrid.user_id.in_(user_ids)).order_by(Area.code))
        for user_id, code in rows.all():
            out[user_id].append(code)
    return out


async def units(session: AsyncSession, unit_ids) -> dict[uuid.UUID, Unit]:
    ids = {i for i in unit_ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in (await session.execute(select(Unit).where(Unit.id.in_(ids)))).scalars()}


async def set_grids(session: AsyncSession, user_id: uuid.UUID, area_ids: set[uuid.UUID]) -> None:
    await session.execute(delete(UserGrid).where(UserGrid.user_id == user_id))
    session.add_all(UserGrid(user_id=user_id, area_id=a) for a in area_ids)
    await session.flush()
